//! One connection, served until it closes, times out, is evicted to make room, or the
//! server stops (then it finishes the request in flight, if one has begun, and closes).
//!
//! Each request gets `ConnectInfo<SocketAddr>`, so the sign-in throttle tells clients
//! apart by address, and is counted in the connection's [`Activity`] while its handler
//! works and until its answer has been handed over in full.

use super::activity::{Activity, Counted, Watched};
use super::registry::Registry;
use super::{ServeSettings, MAX_BUFFERED_HEAD_BYTES, MAX_PARSED_HEADERS};
use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{Request, Response};
use axum::Router;
use http_body_util::BodyExt;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpStream;
use tokio::sync::watch;
use tower::ServiceExt;

/// An accepted connection and what serving it needs.
pub(super) struct Connection {
    pub(super) stream: TcpStream,
    pub(super) peer: SocketAddr,
    pub(super) app: Router,
    pub(super) settings: ServeSettings,
    pub(super) registry: Arc<Registry>,
    /// Becomes true when the server stops accepting.
    pub(super) stopping: watch::Receiver<bool>,
}

impl Connection {
    /// Serves the connection until it is done with, for whichever reason.
    pub(super) async fn run(self) {
        // Answers are small JSON documents: send each at once rather than wait to fill
        // a packet.
        let _ = self.stream.set_nodelay(true);
        let activity = Activity::new();
        let _registered = self.registry.register(activity.clone());
        let service = {
            let (app, peer, activity) = (self.app, self.peer, activity.clone());
            hyper::service::service_fn(move |request: Request<Incoming>| {
                handle(app.clone(), peer, activity.clone(), request)
            })
        };
        let mut http = hyper::server::conn::http1::Builder::new();
        http.timer(TokioTimer::new())
            .header_read_timeout(self.settings.header_timeout)
            .max_buf_size(MAX_BUFFERED_HEAD_BYTES)
            .max_headers(MAX_PARSED_HEADERS);
        let connection = http.serve_connection(TokioIo::new(Watched::new(self.stream, activity.clone())), service);
        tokio::pin!(connection);
        let mut stopping = self.stopping;
        let mut shutting_down = false;
        loop {
            tokio::select! {
                served = connection.as_mut() => {
                    if let Err(error) = served {
                        tracing::debug!(peer = %self.peer, %error, "connection ended with an error");
                    }
                    return;
                }
                () = activity.evicted() => {
                    // A request that began since it was chosen keeps the connection.
                    if activity.is_waiting() {
                        tracing::debug!(peer = %self.peer, "closed a waiting connection to make room");
                        return;
                    }
                    activity.keep();
                }
                () = idle(&activity, self.settings.idle_timeout) => {
                    tracing::debug!(peer = %self.peer, "closed an idle connection");
                    return;
                }
                changed = stopping.wait_for(|stop| *stop), if !shutting_down => {
                    // Stopping (or the server gone): finish the request in flight and
                    // take no more. A connection with none begun (idle, or still
                    // receiving a header) has nothing to finish.
                    let _ = changed;
                    if activity.is_waiting() {
                        return;
                    }
                    shutting_down = true;
                    connection.as_mut().graceful_shutdown();
                }
            }
        }
    }
}

/// Runs one request through the router, counted in the connection's activity.
async fn handle(
    app: Router,
    peer: SocketAddr,
    activity: Arc<Activity>,
    mut request: Request<Incoming>,
) -> Result<Response<Body>, Infallible> {
    request.extensions_mut().insert(ConnectInfo(peer));
    let (handling, open) = activity.begin_request();
    let response = app.oneshot(request.map(Body::new)).await;
    drop(handling);
    Ok(response.unwrap_or_else(|never| match never {}).map(|body| counted_until_sent(body, open)))
}

/// `body`, keeping its request counted open until hyper has taken all of it (or
/// dropped it).
fn counted_until_sent(body: Body, open: Counted) -> Body {
    Body::new(body.map_frame(move |frame| {
        let _still_open = &open;
        frame
    }))
}

/// Resolves once no byte has moved for `timeout` while no handler is working.
async fn idle(activity: &Activity, timeout: Duration) {
    let timeout = timeout.max(Duration::from_millis(1));
    loop {
        let quiet = activity.quiet_for();
        if quiet >= timeout && !activity.is_handling() {
            return;
        }
        // While a handler works, look again a whole timeout later: it touches the
        // activity when it finishes.
        tokio::time::sleep(timeout.checked_sub(quiet).filter(|wait| !wait.is_zero()).unwrap_or(timeout)).await;
    }
}
