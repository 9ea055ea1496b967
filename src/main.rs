//! The `avain` binary: parse the command line, send logs to a file, hand over.

use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    // Before anything is created: the database, logs and mail files are
    // the service user's alone.
    avain::setup::file_modes::private_umask();
    let cli = avain::cli::Cli::parse();
    let _log_guard = avain::logging::init();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("avain: cannot start the async runtime: {e}");
            return ExitCode::from(2);
        }
    };
    runtime.block_on(avain::cli::run(cli))
}
