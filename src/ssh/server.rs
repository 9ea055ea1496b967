//! Accepting SSH connections: the server's configuration (public keys
//! only, a delay on every rejection, a cap on tries), a per-address limit
//! on new connections, a cap on open consoles, and a stop that lets every
//! session finish what it was doing and say why it ends.

use super::handler::Connection;
use super::renewal::Renewal;
use crate::config::SshConfig;
use crate::service::{MailSignal, Services};
use russh::MethodKind;
use russh::keys::PrivateKey;
use russh::server::Config;
use std::collections::{HashMap, VecDeque};
use std::net::IpAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::net::TcpListener;
use tokio::sync::watch;

/// How long sessions may take to finish after a stop.
const DRAIN: Duration = Duration::from_secs(40);

/// What every connection shares.
pub struct Shared {
    pub services: Services,
    pub ssh: SshConfig,
    /// Console sessions open now.
    pub open: AtomicUsize,
    /// Turns true when the server stops.
    pub stop: watch::Receiver<bool>,
    /// Names this server process in the session table.
    pub owner: String,
    pub mail: MailSignal,
    /// The open consoles, checked together every few seconds.
    pub renewal: Renewal,
}

/// One console's place in `Shared::open`, given back when dropped.
pub struct SessionSlot(Arc<Shared>);

impl SessionSlot {
    /// A place, unless `max_sessions` are open.
    pub fn take(shared: &Arc<Shared>) -> Option<SessionSlot> {
        let max = shared.ssh.max_sessions as usize;
        let taken = shared
            .open
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| {
                (n < max).then_some(n + 1)
            });
        taken.is_ok().then(|| SessionSlot(shared.clone()))
    }
}

impl Drop for SessionSlot {
    fn drop(&mut self) {
        self.0.open.fetch_sub(1, Ordering::SeqCst);
    }
}

/// New connections per address in the last minute.
#[derive(Default)]
struct RecentConnections(Mutex<HashMap<IpAddr, VecDeque<Instant>>>);

impl RecentConnections {
    fn allow(&self, ip: IpAddr, per_minute: usize) -> bool {
        let now = Instant::now();
        let minute = Duration::from_secs(60);
        let mut map = self.0.lock().unwrap_or_else(|e| e.into_inner());
        if map.len() > 10_000 {
            map.retain(|_, t| t.back().is_some_and(|t| now.duration_since(*t) < minute));
        }
        let times = map.entry(ip).or_default();
        while times
            .front()
            .is_some_and(|t| now.duration_since(*t) >= minute)
        {
            times.pop_front();
        }
        if times.len() >= per_minute {
            return false;
        }
        times.push_back(now);
        true
    }
}

/// The server's SSH settings: public keys only, with russh's constant
/// delay on every rejection.
fn server_config(host_key: PrivateKey, ssh: &SshConfig) -> Config {
    Config {
        keys: vec![host_key],
        methods: russh::MethodSet::from(&[MethodKind::PublicKey][..]),
        auth_rejection_time: Duration::from_secs(1),
        auth_rejection_time_initial: Some(Duration::from_millis(100)),
        max_auth_attempts: ssh.max_auth_attempts as usize,
        // Dead connections are found by keepalives; the console's own idle
        // lock (from the last key) protects an unattended desk.
        inactivity_timeout: Some(Duration::from_secs(12 * 3600)),
        keepalive_interval: Some(Duration::from_secs(30)),
        keepalive_max: 4,
        nodelay: true,
        ..Default::default()
    }
}

/// Waits for a connection to end. On a stop, one without a console is
/// closed at once; a console gets time to finish and say goodbye.
async fn run_connection(
    mut session: russh::server::RunningSession<Connection>,
    has_console: Arc<std::sync::atomic::AtomicBool>,
    mut stop: watch::Receiver<bool>,
    addr: std::net::SocketAddr,
) {
    let handle = session.handle();
    let ended = tokio::select! {
        ended = &mut session => Some(ended),
        _ = stop.changed() => None,
    };
    let ended = match ended {
        Some(ended) => ended,
        None => {
            let grace = if has_console.load(Ordering::SeqCst) {
                DRAIN
            } else {
                Duration::ZERO
            };
            match tokio::time::timeout(grace, &mut session).await {
                Ok(ended) => ended,
                Err(_) => {
                    let _ = handle
                        .disconnect(
                            russh::Disconnect::ByApplication,
                            "avain is stopping".into(),
                            String::new(),
                        )
                        .await;
                    return;
                }
            }
        }
    };
    if let Err(e) = ended {
        tracing::debug!(client = %addr.ip(), "ssh: connection ended: {e}");
    }
}

/// Serves SSH on `listener` until `stop` turns true, then waits for the
/// sessions to end (each finishes its work and tells staff why).
pub async fn serve_ssh(
    services: Services,
    ssh: SshConfig,
    listener: TcpListener,
    host_key: PrivateKey,
    mail: MailSignal,
    mut stop: watch::Receiver<bool>,
) -> anyhow::Result<()> {
    let config = Arc::new(server_config(host_key, &ssh));
    let mut id = [0u8; 8];
    getrandom::fill(&mut id)?;
    let shared = Arc::new(Shared {
        services,
        open: AtomicUsize::new(0),
        stop: stop.clone(),
        owner: id.iter().map(|b| format!("{b:02x}")).collect(),
        mail,
        ssh,
        renewal: Renewal::default(),
    });
    let renewing = {
        let shared = shared.clone();
        let stop = stop.clone();
        tokio::spawn(async move { shared.renewal.run(&shared.services, stop).await })
    };
    let recent = RecentConnections::default();
    let mut connections = tokio::task::JoinSet::new();
    loop {
        let (stream, addr) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(pair) => pair,
                Err(e) => {
                    tracing::warn!("ssh: accepting a connection: {e}");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
            _ = stop.changed() => break,
        };
        if !recent.allow(addr.ip(), shared.ssh.connections_per_minute as usize) {
            tracing::info!(client = %addr.ip(), "ssh: connection refused: too many from one address");
            continue;
        }
        let handler = Connection::new(shared.clone(), addr);
        let has_console = handler.has_console();
        let config = config.clone();
        let stop = stop.clone();
        connections.spawn(async move {
            match russh::server::run_stream(config, stream, handler).await {
                Ok(session) => run_connection(session, has_console, stop, addr).await,
                Err(e) => tracing::debug!(client = %addr.ip(), "ssh: handshake failed: {e}"),
            }
        });
        // Forget finished connections as we go.
        while connections.try_join_next().is_some() {}
    }
    drop(listener);
    let drained = tokio::time::timeout(DRAIN, async {
        while connections.join_next().await.is_some() {}
    })
    .await;
    if drained.is_err() {
        tracing::warn!("ssh: stopping with connections still open");
    }
    let _ = renewing.await;
    Ok(())
}
