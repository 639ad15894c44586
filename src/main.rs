use std::process::ExitCode;

fn main() -> ExitCode {
    rillmount::cli::main()
}
