//! `avain serve`: one process that runs the patron pages and the SSH
//! console (either or both), delivers the outbox and keeps the
//! directories' mirrors in step, sharing one database pool. Ends cleanly
//! on Ctrl-C or SIGTERM: the doors stop taking connections, consoles
//! finish what they were doing and say why they end, the workers finish
//! what they hold.

use super::Failure;
use crate::config::Paths;
use crate::service::{MailSignal, Services};
use std::time::Duration;
use tokio::sync::watch;

/// How often the sync loop looks whether an organisation is due.
const SYNC_CHECK: Duration = Duration::from_secs(60);

/// The doors `avain serve` opens: the patron pages, the SSH console, or both.
pub struct Doors {
    pub pages: Option<String>,
    pub ssh: Option<String>,
}

async fn bind(what: &str, addr: &str) -> Result<tokio::net::TcpListener, Failure> {
    tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|e| Failure::bad_input(format!("cannot listen for {what} on {addr}: {e}")))
}

/// Runs until asked to stop; every door shares one database pool and one
/// outbox worker.
pub async fn serve(services: Services, paths: &Paths, doors: Doors) -> Result<(), Failure> {
    if doors.pages.is_none() && doors.ssh.is_none() {
        return Err(Failure::bad_input(
            "nothing to serve: give --ssh ADDR, or leave out --no-pages",
        ));
    }
    let pages = match &doors.pages {
        Some(addr) => Some(bind("the patron pages", addr).await?),
        None => None,
    };
    let ssh = match &doors.ssh {
        Some(addr) => {
            let listener = bind("SSH", addr).await?;
            let (key, made) = crate::ssh::keys::load_or_create_host_key(&paths.ssh_host_key)
                .map_err(Failure::bad_input)?;
            Some((listener, key, made))
        }
        None => None,
    };
    let (stop, stopped) = watch::channel(false);
    let mail = MailSignal::default();
    let mut workers = start_workers(&services, paths, &mail, &stopped)?;
    anchor_audit(&services).await;
    let mut doors_running = Vec::new();
    if let Some(listener) = pages {
        let addr = listener
            .local_addr()
            .map_err(|e| Failure::bad_input(e.to_string()))?;
        eprintln!("avain: patron pages on http://{addr}");
        let proxies = services.config.web.proxy_nets().unwrap_or_default();
        let limits = crate::web::listener::Limits::for_this_process(proxies);
        let until = stopped_future(stopped.clone());
        let services = services.clone();
        doors_running.push(tokio::spawn(async move {
            crate::web::serve_pages(services, listener, limits, until).await
        }));
    }
    if let Some((listener, key, made)) = ssh {
        let addr = listener
            .local_addr()
            .map_err(|e| Failure::bad_input(e.to_string()))?;
        let print = crate::ssh::keys::fingerprint(key.public_key());
        let new = if made { " (new)" } else { "" };
        eprintln!("avain: SSH on {addr}, host key {print}{new}");
        let (services, ssh, mail) = (services.clone(), services.config.ssh.clone(), mail.clone());
        let stop = stopped.clone();
        doors_running.push(tokio::spawn(async move {
            crate::ssh::serve_ssh(services, ssh, listener, key, mail, stop).await
        }));
    }
    shutdown_signal().await;
    let _ = stop.send(true);
    let mut result = Ok(());
    for door in doors_running {
        match door.await {
            Ok(Ok(())) => {}
            Ok(Err(e)) => result = Err(Failure::from(e)),
            Err(e) => result = Err(Failure::bad_input(e.to_string())),
        }
    }
    for w in workers.drain(..) {
        let _ = w.await;
    }
    result
}

/// The outbox worker, the directory sync and the housekeeping, each
/// until `stopped` turns true.
fn start_workers(
    services: &Services,
    paths: &Paths,
    mail: &MailSignal,
    stopped: &watch::Receiver<bool>,
) -> Result<Vec<tokio::task::JoinHandle<()>>, Failure> {
    let delivery = services
        .delivery(&paths.mail_folder)
        .map_err(Failure::bad_input)?;
    let mut workers = Vec::new();
    let (stop_rx, mail) = (stopped.clone(), mail.clone());
    workers.push(tokio::spawn(async move {
        if let Err(e) = delivery
            .run(Duration::from_secs(2), stop_rx, Some(&mail))
            .await
        {
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
    Ok(workers)
}

/// Checks the audit head against its anchor, and anchors it.
async fn anchor_audit(services: &Services) {
    match services.anchor_audit_head().await {
        Ok(problems) => {
            for p in &problems {
                tracing::error!(seq = p.seq, "audit chain: {}", p.what);
                eprintln!("avain: AUDIT CHAIN: row {}: {}", p.seq, p.what);
            }
        }
        Err(e) => tracing::error!("audit anchor: {e}"),
    }
}

/// Completes when `stopped` turns true.
async fn stopped_future(mut stopped: watch::Receiver<bool>) {
    let _ = stopped.wait_for(|s| *s).await;
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
