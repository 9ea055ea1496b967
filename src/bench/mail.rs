//! `avain bench mail`: how fast bulk invitations are queued, and how fast
//! the outbox worker delivers them to an SMTP server.

use crate::bench::MailBenchArgs;
use crate::clock::SystemClock;
use crate::config::Config;
use crate::mail::Transport;
use crate::secrets::Pepper;
use crate::service::Delivery;
use crate::service::Services;
use crate::setup::stdout::outln;
use crate::store::{Store, bulk};
use std::sync::Arc;
use std::time::{Duration, Instant};

const CONFIG: &str = r#"
[mail]
sender = "avain bench <bench@example.fi>"

[[org]]
slug = "kaupunki"
name = "Bench Town"
credential = { kind = "password", min_length = 10 }
link_base_url = "http://127.0.0.1:8080"
"#;

pub async fn run(args: &MailBenchArgs) -> anyhow::Result<()> {
    let dir = match &args.dir {
        Some(d) => d.clone(),
        None => std::env::temp_dir().join(format!("avain-bench-mail-{}", std::process::id())),
    };
    std::fs::create_dir_all(&dir)?;
    let file = dir.join("bench-mail.db");
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", file.display()));
    }
    let store = Store::open(&crate::config::sqlite_url(&file)).await?;
    let services = Services::new(
        Config::parse(CONFIG).map_err(anyhow::Error::msg)?,
        store,
        Pepper::generate("k1"),
        Arc::new(SystemClock),
    );
    services.create_first_admin("bench", "Bench").await?;
    let admin = services.identify_os_user("bench").await?;

    let orgs = vec![("kaupunki".to_string(), false)];
    let mut list = crate::demo::generated_accounts(1, args.invitations, &orgs, 7);
    for g in &mut list {
        g.must_set_credential = true;
    }
    let tx = services.store.begin_write().await?;
    for chunk in list.chunks(50_000) {
        bulk::insert_accounts(&tx, chunk, services.now()).await?;
    }
    tx.commit().await?;

    let quiet = |_: u64, _: u64| {};
    let start = Instant::now();
    let report = services
        .invite_first_login(&admin, "kaupunki", false, &quiet)
        .await?;
    let queue_time = start.elapsed();
    outln!("### Bulk invitations (SQLite)\n");
    outln!("| invitations queued | seconds | per second |");
    outln!("| ---: | ---: | ---: |");
    outln!(
        "| {} | {:.2} | {:.0} |",
        report.queued,
        queue_time.as_secs_f64(),
        report.queued as f64 / queue_time.as_secs_f64()
    );

    if args.deliver > 0 {
        let url = args
            .smtp
            .as_deref()
            .ok_or_else(|| anyhow::anyhow!("pass --smtp URL (or --deliver 0)"))?;
        let start = Instant::now();
        let per_worker = args.deliver.div_ceil(args.workers.max(1));
        let mut tasks = Vec::new();
        for _ in 0..args.workers.max(1) {
            let mailer = Delivery::new(
                services.clone(),
                Transport::from_url(url, Duration::from_secs(15)).map_err(anyhow::Error::msg)?,
            );
            tasks.push(tokio::spawn(
                async move { mailer.deliver_due(per_worker).await },
            ));
        }
        let mut sent = 0;
        for t in tasks {
            sent += t.await??.sent;
        }
        let time = start.elapsed();
        outln!("\n### Delivery to {url} ({} workers)\n", args.workers);
        outln!("| mails sent | seconds | per second |");
        outln!("| ---: | ---: | ---: |");
        outln!(
            "| {sent} | {:.2} | {:.0} |",
            time.as_secs_f64(),
            sent as f64 / time.as_secs_f64()
        );
    }
    services.store.close().await?;
    Ok(())
}
