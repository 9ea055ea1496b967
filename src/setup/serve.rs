//! `avain serve`: one process that runs the patron pages, delivers the
//! outbox and keeps the directories' mirrors in step, sharing one database
//! pool. Ends cleanly on Ctrl-C or SIGTERM: the pages stop taking
//! requests, the workers finish what they hold.

use super::Failure;
use crate::config::Paths;
use crate::service::Services;
use std::time::Duration;
use tokio::sync::watch;

/// How often the sync loop looks whether an organisation is due.
const SYNC_CHECK: Duration = Duration::from_secs(60);

/// Runs until asked to stop.
pub async fn serve(services: Services, paths: &Paths, listen: &str) -> Result<(), Failure> {
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .map_err(|e| Failure::bad_input(format!("cannot listen on {listen}: {e}")))?;
    let (stop, stopped) = watch::channel(false);
    let delivery = services
        .delivery(&paths.mail_folder)
        .map_err(Failure::bad_input)?;
    let mut workers = Vec::new();
    let stop_rx = stopped.clone();
    workers.push(tokio::spawn(async move {
        if let Err(e) = delivery.run(Duration::from_secs(2), stop_rx).await {
            tracing::error!("outbox worker: {e:#}");
        }
    }));
    if services.config.orgs.iter().any(|o| !o.directory.is_local()) {
        workers.push(tokio::spawn(sync_loop(services.clone(), stopped.clone())));
    }
    workers.push(tokio::spawn(housekeeping(
        services.clone(),
        stopped.clone(),
    )));
    match services.anchor_audit_head().await {
        Ok(problems) if problems.is_empty() => {}
        Ok(problems) => {
            for p in &problems {
                tracing::error!(seq = p.seq, "audit chain: {}", p.what);
                eprintln!("avain: AUDIT CHAIN: row {}: {}", p.seq, p.what);
            }
        }
        Err(e) => tracing::error!("audit anchor: {e}"),
    }
    eprintln!(
        "avain: patron pages on http://{}",
        listener
            .local_addr()
            .map_err(|e| Failure::bad_input(e.to_string()))?
    );
    let proxies = services.config.web.proxy_nets().unwrap_or_default();
    let limits = crate::web::listener::Limits::for_this_process(proxies);
    let result = crate::web::serve_pages(services, listener, limits, shutdown_signal()).await;
    let _ = stop.send(true);
    for w in workers {
        let _ = w.await;
    }
    result.map_err(Failure::from)
}

/// Syncs every organisation whose `sync_minutes` have passed; the lease
/// in the database keeps two processes from syncing one at once.
async fn sync_loop(services: Services, mut stop: watch::Receiver<bool>) {
    loop {
        for (org, result) in services.sync_due().await {
            match result {
                Ok(r) => tracing::info!(
                    org,
                    read = r.read,
                    created = r.created,
                    changed = r.changed,
                    removed = r.removed,
                    full = r.full,
                    millis = r.millis,
                    "directory synced"
                ),
                Err(e) => tracing::warn!(org, error = %e, "directory sync failed"),
            }
        }
        tokio::select! {
            _ = tokio::time::sleep(SYNC_CHECK) => {}
            _ = stop.changed() => return,
        }
    }
}

/// How often old rate-limit events and typed values are forgotten.
const HOUSEKEEPING_EVERY: Duration = Duration::from_secs(600);

/// Forgets what is kept only for a while: rate-limit events past their
/// window, and what patrons typed past `attempt_retention_days`.
async fn housekeeping(services: Services, mut stop: watch::Receiver<bool>) {
    loop {
        if let Err(e) = services.forget_old_rate_events().await {
            tracing::warn!("forgetting rate-limit events: {e}");
        }
        match services.forget_old_attempts().await {
            Ok(0) => {}
            Ok(n) => tracing::info!(blanked = n, "typed values past retention forgotten"),
            Err(e) => tracing::warn!("forgetting typed values: {e}"),
        }
        tokio::select! {
            _ = tokio::time::sleep(HOUSEKEEPING_EVERY) => {}
            _ = stop.changed() => return,
        }
    }
}

/// Ctrl-C or SIGTERM (what systemd sends).
async fn shutdown_signal() {
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = terminate => {}
    }
    tracing::info!("stopping: finishing what is under way");
}
