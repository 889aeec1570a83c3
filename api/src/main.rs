use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    jalin_api::context::init_logging();
    jalin_api::cli::run(jalin_api::cli::Cli::parse())
}
