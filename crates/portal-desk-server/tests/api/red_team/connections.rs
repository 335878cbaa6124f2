//! Attacks on the connection layer, played over real sockets against the router served
//! in process (`serve.rs`) with short timeouts: hundreds of silent sockets, a header
//! dripped a byte at a time, a body that stops half-way, a client that stops reading
//! its answer, and a flood of connections beyond the cap. None of them may stop `/healthz` or a device's request.
//!
//! Bounds are generous: each test's timeouts are a second or two, or far longer than
//! the test when what is tested must not depend on them, and every wait allows ten
//! times what the behaviour needs.

use crate::support::process::http;
use crate::support::served::{closed_within, connect, read_answer, settings, Served};
use crate::support::TestServer;
use std::time::Duration;
use tokio::io::AsyncWriteExt;

/// The longest any test waits for what it expects.
const GENEROUS: Duration = Duration::from_secs(30);

/// Timeouts that do not run out during a test.
const FOREVER_MS: u64 = 600_000;

/// `/healthz` on `port`, on a connection of its own, within [`GENEROUS`].
async fn healthz(port: u16) -> Result<(u16, String), String> {
    match tokio::time::timeout(GENEROUS, http(port, "GET", "/healthz", None, None)).await {
        Ok(Ok(answer)) => Ok(answer),
        Ok(Err(error)) => Err(format!("/healthz failed: {error}")),
        Err(_) => Err(format!("/healthz did not answer within {GENEROUS:?}")),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn idle_sockets_never_stop_healthz() {
    let server = TestServer::new().await;
    let served = Served::start(server.app.clone(), settings(2_000, 1_000, 1024)).await;
    let mut silent = Vec::new();
    for _ in 0..300 {
        silent.push(connect(served.port).await);
    }
    assert_eq!(healthz(served.port).await, Ok((200, "ok".to_owned())));
    // And the server lets every one of them go once the idle timeout has passed.
    for socket in &mut silent {
        assert!(closed_within(socket, GENEROUS).await, "a silent socket was kept open");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slow_header_is_cut_off() {
    let server = TestServer::new().await;
    // Only the header timeout can end this: the drip keeps the connection from idling.
    let served = Served::start(server.app.clone(), settings(1_000, FOREVER_MS, 64)).await;
    let stream = connect(served.port).await;
    let (mut reader, mut writer) = stream.into_split();
    let drip = tokio::spawn(async move {
        writer.write_all(b"GET /healthz HTTP/1.1\r\nHost: portal-desk\r\n").await?;
        // A header byte every quarter second: forty seconds of them, unless cut off.
        for byte in b"X-Slowloris: ".iter().cycle().take(160) {
            writer.write_all(&[*byte]).await?;
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
        std::io::Result::Ok(())
    });
    let mut answer = Vec::new();
    let cut_off = tokio::time::timeout(GENEROUS, tokio::io::AsyncReadExt::read_to_end(&mut reader, &mut answer)).await;
    assert!(cut_off.is_ok(), "a header dripped for {GENEROUS:?} was still being read");
    assert!(!String::from_utf8_lossy(&answer).contains("200 OK"), "the dripped request was served");
    drip.abort();
    assert_eq!(healthz(served.port).await, Ok((200, "ok".to_owned())));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_body_that_stops_arriving_is_cut_off_with_a_problem_and_signs_in_no_one() {
    let server = TestServer::new().await;
    let served = Served::start(server.app.clone(), settings(FOREVER_MS, 1_000, 64)).await;
    let mut stream = connect(served.port).await;
    let head = "POST /api/v1/sign-in HTTP/1.1\r\nHost: portal-desk\r\nContent-Type: application/json\r\n\
                Content-Length: 200\r\n\r\n{\"email\": \"asha@riverside.test\", ";
    stream.write_all(head.as_bytes()).await.expect("send");
    let answer = read_answer(&mut stream, GENEROUS).await;
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(answer.to_ascii_lowercase().contains("content-type: application/problem+json"), "{answer}");
    assert!(answer.contains("/problems/request-timeout"), "{answer}");
    assert_eq!(server.count("SELECT COUNT(*) FROM sessions").await, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_that_stops_reading_cannot_hold_its_connection() {
    let server = TestServer::new().await;
    // Far more than the sockets' buffers hold, so the server's writes stall.
    let size = 32 * 1024 * 1024;
    std::fs::write(server.static_dir().join("large-0123456789abcdef.bin"), vec![7u8; size]).unwrap();
    let served = Served::start(server.app.clone(), settings(FOREVER_MS, 1_000, 64)).await;
    let mut stream = connect(served.port).await;
    stream.write_all(b"GET /large-0123456789abcdef.bin HTTP/1.1\r\nHost: portal-desk\r\n\r\n").await.unwrap();
    // Read nothing for five idle timeouts, then everything that is left.
    tokio::time::sleep(Duration::from_secs(5)).await;
    let mut received = Vec::new();
    let read = tokio::time::timeout(GENEROUS, tokio::io::AsyncReadExt::read_to_end(&mut stream, &mut received)).await;
    assert!(read.is_ok(), "the stalled answer's connection was still open after {GENEROUS:?}");
    assert!(received.len() < size, "the server waited for a client that stopped reading");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_connection_flood_beyond_the_cap_never_stops_healthz() {
    let server = TestServer::new().await;
    // No timeout runs out during the test: only making room can let /healthz in.
    let served = Served::start(server.app.clone(), settings(FOREVER_MS, FOREVER_MS, 32)).await;
    let mut flood = Vec::new();
    for n in 0..200 {
        let mut socket = connect(served.port).await;
        if n % 2 == 0 {
            // Half of them start a request and never finish its header.
            socket.write_all(b"GET /healthz HTTP/1.1\r\nHost: port").await.expect("send");
        }
        flood.push(socket);
    }
    for _ in 0..3 {
        assert_eq!(healthz(served.port).await, Ok((200, "ok".to_owned())));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_flood_never_closes_a_connection_in_the_middle_of_a_request() {
    let server = TestServer::new().await;
    let served = Served::start(server.app.clone(), settings(FOREVER_MS, FOREVER_MS, 4)).await;
    // A device's sign-in, its body half sent when the flood starts.
    let body = r#"{"email": "asha@riverside.test", "password": "wrong", "device": "tablet-1"}"#;
    let (first, rest) = body.split_at(20);
    let mut device = connect(served.port).await;
    let head = format!(
        "POST /api/v1/sign-in HTTP/1.1\r\nHost: portal-desk\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n{first}",
        body.len()
    );
    device.write_all(head.as_bytes()).await.expect("send");
    // Its request has begun once the server has answered a connection accepted after it
    // (its task runs first, with the header already there); a moment more makes sure.
    assert_eq!(healthz(served.port).await, Ok((200, "ok".to_owned())));
    tokio::time::sleep(Duration::from_millis(200)).await;
    let mut flood = Vec::new();
    for _ in 0..40 {
        flood.push(connect(served.port).await);
    }
    assert_eq!(healthz(served.port).await, Ok((200, "ok".to_owned())));
    device.write_all(rest.as_bytes()).await.expect("the device's connection was closed");
    let answer = read_answer(&mut device, GENEROUS).await;
    assert!(answer.starts_with("HTTP/1.1 401"), "the device's sign-in was not answered: {answer}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn idle_sockets_and_half_sent_headers_never_hold_up_stopping_the_server() {
    let server = TestServer::new().await;
    let served = Served::start(server.app.clone(), settings(FOREVER_MS, FOREVER_MS, 64)).await;
    let mut silent = Vec::new();
    for n in 0..20 {
        let mut socket = connect(served.port).await;
        if n % 2 == 0 {
            socket.write_all(b"GET /healthz HTTP/1.1\r\nHost: port").await.expect("send");
        }
        silent.push(socket);
    }
    assert_eq!(healthz(served.port).await, Ok((200, "ok".to_owned())));
    let stopped = tokio::time::timeout(GENEROUS, served.stop()).await;
    assert!(
        matches!(stopped, Ok(Ok(()))),
        "the server did not stop with idle and half-sent requests open: {stopped:?}"
    );
}
