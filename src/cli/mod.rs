//! The headless command line (PRODUCT.md "Command line"). Exit codes: 0 success, 1 a failed
//! operation, 2 bad usage.

use std::process::ExitCode;

/// Entry point of the binary.
pub fn main() -> ExitCode {
    ExitCode::SUCCESS
}
