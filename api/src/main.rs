use std::process::ExitCode;

use clap::Parser;

/// mimalloc instead of glibc's malloc: a request allocates and frees many small strings on
/// whichever worker or blocking thread runs it, and glibc's arenas spent ~15% of the list's
/// CPU time in malloc, free and consolidation (BENCHMARKS.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    jalin_api::context::init_logging();
    jalin_api::cli::run(jalin_api::cli::Cli::parse())
}
