//! The patron pages' HTTP server, on hyper directly so that a slow or
//! greedy client cannot hold the service: headers must arrive within a
//! deadline (which also ends idle keep-alive connections), each request
//! has a deadline (`request_deadline`, on the router), the number of open
//! connections is capped, and so is the number one address may hold. At the cap, further connections wait
//! in the kernel's queue; over an address's share, they are closed at once.

use axum::Router;
use axum::extract::ConnectInfo;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use std::collections::HashMap;
use std::future::Future;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::sync::Semaphore;
use tower::Service;

/// What one server allows.
#[derive(Debug, Clone)]
pub struct Limits {
    /// Open connections at once.
    pub max_connections: usize,
    /// Open connections from one address at once.
    pub per_address: usize,
    /// From connecting (or the last answer) to a request's complete
    /// headers.
    pub header_read: Duration,
    /// How long requests under way may finish after a stop.
    pub drain: Duration,
    /// Addresses without a per-address share: the trusted reverse proxies,
    /// through which every patron comes (they bound slow clients
    /// themselves).
    pub unshared: Vec<ipnet::IpNet>,
}

impl Limits {
    /// The defaults, with the connection cap kept below the process's
    /// open-file limit (raised to its hard limit first); `proxies` have no
    /// per-address share.
    pub fn for_this_process(proxies: Vec<ipnet::IpNet>) -> Limits {
        Limits {
            max_connections: connection_cap(),
            per_address: 64,
            header_read: Duration::from_secs(10),
            drain: Duration::from_secs(10),
            unshared: proxies,
        }
    }
}

/// Raises the soft open-file limit to the hard one and leaves room for
/// the database pool, logs and mail.
fn connection_cap() -> usize {
    use nix::sys::resource::{Resource, getrlimit, setrlimit};
    let soft = match getrlimit(Resource::RLIMIT_NOFILE) {
        Ok((soft, hard)) if soft < hard => match setrlimit(Resource::RLIMIT_NOFILE, hard, hard) {
            Ok(()) => hard,
            Err(_) => soft,
        },
        Ok((soft, _)) => soft,
        Err(_) => 1024,
    };
    (soft.saturating_sub(64) as usize).clamp(16, 1024)
}

/// How many connections each address holds now.
#[derive(Default)]
struct PerAddress(Mutex<HashMap<IpAddr, usize>>);

/// One connection's place in `PerAddress`, given back when dropped.
struct AddressSlot {
    table: Arc<PerAddress>,
    ip: IpAddr,
}

impl PerAddress {
    fn take(table: &Arc<PerAddress>, ip: IpAddr, max: usize) -> Option<AddressSlot> {
        let mut map = table.0.lock().unwrap_or_else(|e| e.into_inner());
        let count = map.entry(ip).or_default();
        if *count >= max {
            return None;
        }
        *count += 1;
        Some(AddressSlot {
            table: table.clone(),
            ip,
        })
    }
}

impl Drop for AddressSlot {
    fn drop(&mut self) {
        let mut map = self.table.0.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(count) = map.get_mut(&self.ip) {
            *count -= 1;
            if *count == 0 {
                map.remove(&self.ip);
            }
        }
    }
}

/// Serves `router` until `shutdown` completes, then lets requests under
/// way finish (up to `limits.drain`).
pub async fn serve_http(
    listener: TcpListener,
    router: Router,
    limits: Limits,
    shutdown: impl Future<Output = ()>,
) -> anyhow::Result<()> {
    let open = Arc::new(Semaphore::new(limits.max_connections));
    let per_address = Arc::new(PerAddress::default());
    let graceful = GracefulShutdown::new();
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let permit = tokio::select! {
            permit = open.clone().acquire_owned() => permit?,
            () = &mut shutdown => break,
        };
        let (stream, addr) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(pair) => pair,
                Err(e) => {
                    // Out of file descriptors and the like: wait, do not spin.
                    tracing::warn!("accepting a connection: {e}");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let share = if limits.unshared.iter().any(|n| n.contains(&addr.ip())) {
            usize::MAX
        } else {
            limits.per_address
        };
        let Some(slot) = PerAddress::take(&per_address, addr.ip(), share) else {
            tracing::debug!(client = %addr.ip(), "connection refused: too many from one address");
            continue;
        };
        let connection = http1::Builder::new()
            .timer(TokioTimer::new())
            .header_read_timeout(limits.header_read)
            .keep_alive(true)
            .max_buf_size(64 * 1024)
            .serve_connection(TokioIo::new(stream), service_for(router.clone(), addr));
        let connection = graceful.watch(connection);
        tokio::spawn(async move {
            if let Err(e) = connection.await {
                tracing::debug!(client = %addr.ip(), "connection ended: {e}");
            }
            drop(slot);
            drop(permit);
        });
    }
    drop(listener);
    tokio::select! {
        () = graceful.shutdown() => {}
        () = tokio::time::sleep(limits.drain) => {
            tracing::warn!("stopping with requests still open");
        }
    }
    Ok(())
}

/// The router for one connection, each request told the client's address.
fn service_for(
    router: Router,
    addr: SocketAddr,
) -> impl hyper::service::Service<
    hyper::Request<Incoming>,
    Response = axum::response::Response,
    Error = std::convert::Infallible,
    Future = impl Future<Output = Result<axum::response::Response, std::convert::Infallible>> + Send,
> + Clone {
    hyper::service::service_fn(move |mut request: hyper::Request<Incoming>| {
        request.extensions_mut().insert(ConnectInfo(addr));
        let mut router = router.clone();
        async move { router.call(request).await }
    })
}

/// A request that takes longer than the deadline is answered 503 and its
/// work dropped (a service call under way finishes or rolls back on its
/// own: nothing is left half-written).
pub async fn request_deadline(
    axum::extract::State(deadline): axum::extract::State<Duration>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    use axum::response::IntoResponse;
    match tokio::time::timeout(deadline, next.run(request)).await {
        Ok(response) => response,
        Err(_) => (
            axum::http::StatusCode::SERVICE_UNAVAILABLE,
            "the request took too long",
        )
            .into_response(),
    }
}
