//! The connection layer: accepts TCP connections and serves the router on each of them
//! over HTTP/1.1, under the limits that keep slow or silent clients from crowding out
//! the tablets and the load balancer's `/healthz`.
//!
//! `axum::serve` has none of these limits, so this runs hyper's HTTP/1 server (with
//! hyper-util's Tokio adapters) under its own accept loop:
//!
//! - **Header timeout** ([`ServeSettings::header_timeout`], hyper's
//!   `header_read_timeout`): a request's whole header must arrive within it, counted
//!   from when the server is ready for the request (the connection's start, or the end
//!   of the previous answer). A slowloris client that drips a header byte every few
//!   seconds is cut off when it runs out.
//! - **Idle timeout** ([`ServeSettings::idle_timeout`], `serve/connection.rs`): a
//!   connection on which no byte moves either way for this long, while no handler is
//!   working on its request, is closed: a kept-alive connection with no next request, a
//!   socket that never says anything, and a client that stops reading its answer. A
//!   request body that stops arriving is cut off after the same time (tower-http's
//!   per-frame body timeout), answered `408`.
//! - **Connection cap** ([`ServeSettings::max_connections`], `serve/registry.rs`): at
//!   most this many connections are served at once. At the cap, a new connection makes
//!   the oldest connection that is only *waiting* for a request (no request begun on it)
//!   close, so a flood of idle or slowloris sockets churns among itself while a client
//!   that sends its request at once is served; when every connection is busy with a
//!   request, new ones wait in the listen backlog.
//! - **Open files**: [`raise_open_files_limit`] raises the soft limit to the hard one
//!   at start (every connection is a file), and the cap is lowered to fit what it is.
//!
//! Written here rather than taken from a library: hyper and tower-http give the timeouts
//! on a header and a body, but neither keeps a cap on connections that evicts idle ones,
//! nor notices a connection that has stopped moving bytes. The pieces are small: the
//! accept loop below, the per-connection bookkeeping in `serve/activity.rs`, the
//! registry and the connection task.

mod activity;
mod connection;
mod registry;

use axum::Router;
use registry::Registry;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::sync::{watch, Semaphore};
use tower_http::timeout::RequestBodyTimeoutLayer;

/// How the connection layer treats clients; `serve`'s flags set it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ServeSettings {
    /// How long a client has to send a request's whole header.
    pub header_timeout: Duration,
    /// How long a connection may move no byte while no handler works on it.
    pub idle_timeout: Duration,
    /// The most connections served at once.
    pub max_connections: usize,
}

/// The header timeout by default: 15 seconds.
pub const DEFAULT_HEADER_TIMEOUT: Duration = Duration::from_secs(15);

/// The idle timeout by default: 10 seconds.
pub const DEFAULT_IDLE_TIMEOUT: Duration = Duration::from_secs(10);

/// The connection cap by default.
pub const DEFAULT_MAX_CONNECTIONS: usize = 1024;

/// How often the accept loop, at the cap, looks again for a connection to make room:
/// the one it asked may have begun a request instead, and connections accepted a moment
/// ago may not have counted themselves in yet.
const EVICTION_RETRY: Duration = Duration::from_millis(50);

/// Files kept back from the connection cap for the database, logs and the app's files.
pub const RESERVED_FILES: u64 = 64;

/// The largest request head (request line and headers) hyper will buffer, in bytes;
/// the router answers a head over [`crate::http::request_limits::MAX_HEADER_BYTES`],
/// well below it, with a problem, so only a head past this limit gets hyper's own bare
/// `431` (and the connection closed) before any of the server's code runs.
pub const MAX_BUFFERED_HEAD_BYTES: usize = 64 * 1024;

/// The most header fields hyper will parse; the router answers more than
/// [`crate::http::request_limits::MAX_HEADERS`] with a problem.
pub const MAX_PARSED_HEADERS: usize = 256;

impl Default for ServeSettings {
    fn default() -> Self {
        Self {
            header_timeout: DEFAULT_HEADER_TIMEOUT,
            idle_timeout: DEFAULT_IDLE_TIMEOUT,
            max_connections: DEFAULT_MAX_CONNECTIONS,
        }
    }
}

/// Raises the open-files soft limit to the hard limit and returns the limit now in
/// force (or `None` where the platform has none or refuses).
pub fn raise_open_files_limit() -> Option<u64> {
    match rlimit::increase_nofile_limit(u64::MAX) {
        Ok(limit) => Some(limit),
        Err(error) => {
            tracing::warn!(%error, "cannot raise the open-files limit");
            None
        }
    }
}

/// The connection cap that fits `open_files` (keeping [`RESERVED_FILES`] back), at most
/// `wanted` and at least one.
pub fn cap_for_open_files(wanted: usize, open_files: Option<u64>) -> usize {
    match open_files {
        Some(limit) => wanted.min(limit.saturating_sub(RESERVED_FILES).max(1) as usize),
        None => wanted,
    }
    .max(1)
}

impl ServeSettings {
    /// These settings with the open-files limit raised as far as it goes (see
    /// [`raise_open_files_limit`]) and the connection cap lowered to fit it; logs both.
    pub fn fitted_to_open_files(self) -> Self {
        let open_files = raise_open_files_limit();
        let max_connections = cap_for_open_files(self.max_connections, open_files);
        if max_connections < self.max_connections {
            tracing::warn!(
                wanted = self.max_connections,
                max_connections,
                "the open-files limit allows fewer connections than --max-connections asks; raise the hard limit \
                 (ulimit -Hn, or LimitNOFILE= under systemd) to serve more"
            );
        }
        tracing::info!(
            open_files = open_files.map_or_else(|| "unknown".to_owned(), |n| n.to_string()),
            max_connections,
            header_timeout_s = self.header_timeout.as_secs_f64(),
            idle_timeout_s = self.idle_timeout.as_secs_f64(),
            "connection limits"
        );
        Self { max_connections, ..self }
    }
}

/// Serves `app` on `listener` until `shutdown` resolves, then stops accepting, lets the
/// requests in flight finish (each connection still under its timeouts) and returns.
/// Each request carries `ConnectInfo<SocketAddr>`, the peer's address.
pub async fn serve(
    listener: TcpListener,
    app: Router,
    settings: ServeSettings,
    shutdown: impl Future<Output = ()> + Send,
) -> std::io::Result<()> {
    let app = app.layer(RequestBodyTimeoutLayer::new(settings.idle_timeout));
    let max_connections = settings.max_connections.max(1);
    let slots = Arc::new(Semaphore::new(max_connections));
    let registry = Arc::new(Registry::default());
    let (stop, stopping) = watch::channel(false);
    tokio::pin!(shutdown);
    'accepting: loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(error) => {
                    // Out of files, or a connection reset before it was accepted: the
                    // loop carries on once the moment has passed, never spins.
                    tracing::warn!(%error, "cannot accept a connection");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break 'accepting,
        };
        let slot = match slots.clone().try_acquire_owned() {
            Ok(slot) => slot,
            Err(_) => loop {
                registry.evict_oldest_waiting();
                tokio::select! {
                    slot = slots.clone().acquire_owned() => break slot.expect("the semaphore is never closed"),
                    () = tokio::time::sleep(EVICTION_RETRY) => {}
                    () = &mut shutdown => break 'accepting,
                }
            },
        };
        let connection = connection::Connection {
            stream,
            peer,
            app: app.clone(),
            settings,
            registry: registry.clone(),
            stopping: stopping.clone(),
        };
        tokio::spawn(async move {
            connection.run().await;
            drop(slot);
        });
    }
    drop(listener);
    let _ = stop.send(true);
    // Every connection holds a slot until it closes: all slots back means all closed.
    let _all = slots.acquire_many(max_connections as u32).await;
    Ok(())
}
