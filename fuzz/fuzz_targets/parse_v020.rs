//! cargo-fuzz target: any bytes (UTF-8 lossy) through the rill v0.20 lexer and parser.
//! Contract: parsing never panics or aborts; it returns a tree or a parse error.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rillmount::rill::dialect::Dialect;
use rillmount::rill::syntax::parser::parse;
use rillmount::rill::syntax::v0_20::lexer;

fuzz_target!(|data: &[u8]| {
    let src = String::from_utf8_lossy(data);
    let _ = lexer::tokenize(&src);
    let _ = parse(&src, Dialect::V0_20);
});
