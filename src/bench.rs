//! `avain bench`: search latency through the service layer at several
//! database sizes, beside a Koha-style `LIKE '%q%'` scan on the same file.

use crate::cli::args::BenchArgs;

pub async fn run(args: &BenchArgs) -> anyhow::Result<()> {
    let _ = args;
    anyhow::bail!("the search benchmark is not built yet")
}
