//! The real `portal-desk-server` binary for the tests that need a process: started on a
//! loopback port and always killed when dropped, and a minimal HTTP/1.1 client to talk
//! to it (so these tests need nothing the server does not already depend on).

use serde_json::Value;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// How long one request may take before it counts as failed.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(60);

/// One request on its own connection; the status and the body. A connection error, a
/// cut-off answer or a timeout is an `Err`.
pub async fn http(
    port: u16,
    method: &str,
    path: &str,
    token: Option<&str>,
    body: Option<&Value>,
) -> std::io::Result<(u16, String)> {
    http_from(LOOPBACK, port, method, path, token, body).await
}

/// The loopback address tests connect from by default.
pub const LOOPBACK: std::net::Ipv4Addr = std::net::Ipv4Addr::LOCALHOST;

/// Another loopback address (Linux routes all of 127.0.0.0/8 to the machine itself), for
/// a client the server must tell apart from one at [`LOOPBACK`].
pub const OTHER_LOOPBACK: std::net::Ipv4Addr = std::net::Ipv4Addr::new(127, 0, 0, 2);

/// A connection to the server on `port` made from the local address `from`.
pub async fn connect_from(from: std::net::Ipv4Addr, port: u16) -> std::io::Result<tokio::net::TcpStream> {
    let socket = tokio::net::TcpSocket::new_v4()?;
    socket.bind((from, 0).into())?;
    socket.connect((LOOPBACK, port).into()).await
}

/// As [`http`], from the local address `from`.
pub async fn http_from(
    from: std::net::Ipv4Addr,
    port: u16,
    method: &str,
    path: &str,
    token: Option<&str>,
    body: Option<&Value>,
) -> std::io::Result<(u16, String)> {
    let exchange = async {
        let mut stream = connect_from(from, port).await?;
        let body = body.map(Value::to_string).unwrap_or_default();
        let auth = token.map(|t| format!("Authorization: Bearer {t}\r\n")).unwrap_or_default();
        let request = format!(
            "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n{auth}Content-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        );
        stream.write_all(request.as_bytes()).await?;
        let mut response = Vec::new();
        stream.read_to_end(&mut response).await?;
        let text = String::from_utf8_lossy(&response).into_owned();
        let status = text.split(' ').nth(1).and_then(|s| s.parse().ok()).ok_or(std::io::ErrorKind::UnexpectedEof)?;
        let body = text.split_once("\r\n\r\n").map(|(_, b)| b.to_owned()).unwrap_or_default();
        Ok((status, body))
    };
    tokio::time::timeout(REQUEST_TIMEOUT, exchange).await.unwrap_or_else(|_| Err(std::io::ErrorKind::TimedOut.into()))
}

/// The server binary, quiet.
pub fn binary() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_portal-desk-server"));
    command.env("RUST_LOG", "warn").stdout(Stdio::null()).stderr(Stdio::null());
    command
}

/// Runs a one-off command of the binary (`audit verify`, say) to its end, on `database`
/// with `key_file` and the checkpoint file beside it; what it printed and how it ended.
pub fn run_command(database: &str, key_file: &std::path::Path, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_portal-desk-server"))
        .args(args)
        .env("PORTAL_DESK_DATABASE_URL", database)
        .env("PORTAL_DESK_KEY_FILE", key_file)
        .env_remove("PORTAL_DESK_AUDIT_CHECKPOINTS")
        .env("RUST_LOG", "warn")
        .stdin(Stdio::null())
        .output()
        .expect("run the server binary")
}

/// The key file every server process on `database` shares (made on first use), as the
/// servers of one database in production share one.
pub fn key_file_for(database: &str) -> std::path::PathBuf {
    use std::hash::{Hash, Hasher};
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    database.hash(&mut hasher);
    let path = std::env::temp_dir().join(format!("portal-desk-test-{:016x}.key", hasher.finish()));
    portal_desk_server::keys::ServerKeys::load_or_create(&path).expect("the test key file");
    path
}

/// A loopback port that was free a moment ago.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// A running `serve` process; SIGKILLed when dropped, so no test leaves one behind.
pub struct ServerProcess {
    child: Child,
    /// The loopback port it listens on.
    pub port: u16,
}

impl ServerProcess {
    /// Starts `serve` on `database` and `port` with `extra` flags (e.g. `--demo`), and
    /// waits until `/healthz` answers.
    pub async fn start(database: &str, port: u16, extra: &[&str]) -> Self {
        let child = binary()
            .args(["serve", "--listen", &format!("127.0.0.1:{port}"), "--static-dir", "/nonexistent"])
            .args(extra)
            .env("PORTAL_DESK_DATABASE_URL", database)
            .env("PORTAL_DESK_KEY_FILE", key_file_for(database))
            .spawn()
            .expect("start the server");
        let mut server = Self { child, port };
        let deadline = Instant::now() + Duration::from_secs(60);
        while http(port, "GET", "/healthz", None, None).await.map(|(s, _)| s).ok() != Some(200) {
            if let Some(exited) = server.child.try_wait().expect("check the server") {
                panic!("the server on port {port} exited before it was ready: {exited}");
            }
            assert!(Instant::now() < deadline, "the server on port {port} did not start within 60 s");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        server
    }

    /// Its process id.
    pub fn id(&self) -> u32 {
        self.child.id()
    }

    /// SIGKILLs it and waits until it is gone.
    pub fn kill(&mut self) {
        self.child.kill().expect("SIGKILL the server");
        self.child.wait().expect("reap the server");
    }

    /// Waits for it to exit by itself.
    pub fn wait(&mut self) -> ExitStatus {
        self.child.wait().expect("wait for the server")
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        // Already exited (killed or stopped) is fine: kill then fails and wait returns
        // the status it already has.
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
