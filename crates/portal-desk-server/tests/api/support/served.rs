//! The router served in process on a real loopback socket by the connection layer
//! (`portal_desk_server::serve`), with settings a test chooses (short timeouts, a small
//! cap), and raw sockets to play slow, silent or flooding clients against it.

use axum::Router;
use portal_desk_server::serve::{self, ServeSettings};
use std::time::Duration;
use tokio::io::AsyncReadExt;
use tokio::net::TcpStream;
use tokio::sync::oneshot;

/// A router being served; stopped (and its connections closed) when dropped.
pub struct Served {
    /// The loopback port it listens on.
    pub port: u16,
    stop: Option<oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<std::io::Result<()>>>,
}

impl Served {
    /// Serves `app` under `settings` on a free loopback port.
    pub async fn start(app: Router, settings: ServeSettings) -> Self {
        // Floods open hundreds of sockets, both ends in this process.
        serve::raise_open_files_limit();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let port = listener.local_addr().expect("address").port();
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(serve::serve(listener, app, settings, async {
            let _ = stopped.await;
        }));
        Served { port, stop: Some(stop), task: Some(task) }
    }

    /// Stops accepting, waits for the connections in flight to finish, and returns how
    /// the serve loop ended.
    pub async fn stop(mut self) -> std::io::Result<()> {
        let _ = self.stop.take().expect("running").send(());
        self.task.take().expect("running").await.expect("the serve loop panicked")
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        if let Some(task) = self.task.take() {
            task.abort();
        }
    }
}

/// The address the tests' raw clients connect from: a loopback address of their own,
/// so that the hundreds of ports a flood takes are never the `127.0.0.1` ports other
/// tests are about to start a server on (`process::free_port`).
pub const CLIENTS: std::net::Ipv4Addr = std::net::Ipv4Addr::new(127, 0, 0, 3);

/// A raw connection to the server on `port`, from [`CLIENTS`].
pub async fn connect(port: u16) -> TcpStream {
    crate::support::process::connect_from(CLIENTS, port).await.expect("connect to the served router")
}

/// Settings with these timeouts (in milliseconds) and cap.
pub fn settings(header_ms: u64, idle_ms: u64, max_connections: usize) -> ServeSettings {
    ServeSettings {
        header_timeout: Duration::from_millis(header_ms),
        idle_timeout: Duration::from_millis(idle_ms),
        max_connections,
    }
}

/// Whether the server closed `stream` (end of file or a reset) within `within`, reading
/// and discarding whatever it sent first.
pub async fn closed_within(stream: &mut TcpStream, within: Duration) -> bool {
    let mut buffer = [0u8; 4096];
    let read_to_end = async {
        loop {
            match stream.read(&mut buffer).await {
                Ok(0) | Err(_) => return,
                Ok(_) => {}
            }
        }
    };
    tokio::time::timeout(within, read_to_end).await.is_ok()
}

/// Everything the server sends on `stream` until it closes it or `within` passes.
pub async fn read_answer(stream: &mut TcpStream, within: Duration) -> String {
    let mut answer = Vec::new();
    let _ = tokio::time::timeout(within, stream.read_to_end(&mut answer)).await;
    String::from_utf8_lossy(&answer).into_owned()
}
