//! What the connection layer knows about one connection: when a byte last moved on it,
//! whether a handler is working on one of its requests, whether a request has begun on
//! it that is not yet answered in full, and whether it has been asked to make room.
//!
//! The idle timeout reads the first two (a connection may be quiet while its handler
//! works, never while it waits on the client), the connection cap the last two (only a
//! connection with no request begun may be evicted). [`Watched`] wraps the socket so
//! that every byte read or written counts.

use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::sync::Notify;

/// One connection's activity.
pub(super) struct Activity {
    opened: Instant,
    /// Milliseconds after `opened` when a byte last moved or a handler last finished.
    last_moved_ms: AtomicU64,
    /// Handlers working on this connection's requests (hyper runs one at a time).
    handling: AtomicUsize,
    /// Requests begun and not yet answered in full.
    open_requests: AtomicUsize,
    evicted: AtomicBool,
    eviction: Notify,
}

impl Activity {
    /// A connection that has just opened.
    pub(super) fn new() -> Arc<Self> {
        Arc::new(Self {
            opened: Instant::now(),
            last_moved_ms: AtomicU64::new(0),
            handling: AtomicUsize::new(0),
            open_requests: AtomicUsize::new(0),
            evicted: AtomicBool::new(false),
            eviction: Notify::new(),
        })
    }

    fn touch(&self) {
        self.last_moved_ms.store(self.opened.elapsed().as_millis() as u64, Ordering::Relaxed);
    }

    /// How long since a byte last moved (or a handler last finished).
    pub(super) fn quiet_for(&self) -> Duration {
        let since_open = self.opened.elapsed();
        since_open.saturating_sub(Duration::from_millis(self.last_moved_ms.load(Ordering::Relaxed)))
    }

    /// Whether a handler is working on one of this connection's requests.
    pub(super) fn is_handling(&self) -> bool {
        self.handling.load(Ordering::SeqCst) > 0
    }

    /// Whether the connection is only waiting for a request: none begun and unanswered.
    pub(super) fn is_waiting(&self) -> bool {
        self.open_requests.load(Ordering::SeqCst) == 0
    }

    /// Counts a request in: the first guard is dropped when its handler finishes, the
    /// second when its answer has been handed to the socket in full (or dropped).
    pub(super) fn begin_request(self: &Arc<Self>) -> (Counted, Counted) {
        self.handling.fetch_add(1, Ordering::SeqCst);
        self.open_requests.fetch_add(1, Ordering::SeqCst);
        (
            Counted { activity: self.clone(), counter: Counter::Handling },
            Counted { activity: self.clone(), counter: Counter::OpenRequests },
        )
    }

    /// Whether someone already asked this connection to make room.
    pub(super) fn is_evicted(&self) -> bool {
        self.evicted.load(Ordering::SeqCst)
    }

    /// Asks the connection to close to make room for a new one.
    pub(super) fn evict(&self) {
        self.evicted.store(true, Ordering::SeqCst);
        self.eviction.notify_one();
    }

    /// Resolves once [`Activity::evict`] has been called.
    pub(super) async fn evicted(&self) {
        self.eviction.notified().await;
    }

    /// Keeps the connection after all (a request began since it was chosen), so that
    /// another may be chosen in its place.
    pub(super) fn keep(&self) {
        self.evicted.store(false, Ordering::SeqCst);
    }
}

enum Counter {
    Handling,
    OpenRequests,
}

/// A request counted in one of [`Activity`]'s counters until this is dropped.
pub(super) struct Counted {
    activity: Arc<Activity>,
    counter: Counter,
}

impl Drop for Counted {
    fn drop(&mut self) {
        match self.counter {
            Counter::Handling => {
                // A handler that finishes after a long quiet spell must not find its
                // connection closed for idleness before its answer is written.
                self.activity.touch();
                self.activity.handling.fetch_sub(1, Ordering::SeqCst);
            }
            Counter::OpenRequests => {
                self.activity.open_requests.fetch_sub(1, Ordering::SeqCst);
            }
        }
    }
}

/// A socket whose every byte read or written counts as activity.
pub(super) struct Watched<S> {
    stream: S,
    activity: Arc<Activity>,
}

impl<S> Watched<S> {
    /// `stream`, counted in `activity`.
    pub(super) fn new(stream: S, activity: Arc<Activity>) -> Self {
        Self { stream, activity }
    }
}

impl<S: AsyncRead + Unpin> AsyncRead for Watched<S> {
    fn poll_read(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<std::io::Result<()>> {
        let before = buf.filled().len();
        let polled = Pin::new(&mut self.stream).poll_read(cx, buf);
        if matches!(polled, Poll::Ready(Ok(()))) && buf.filled().len() > before {
            self.activity.touch();
        }
        polled
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for Watched<S> {
    fn poll_write(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<std::io::Result<usize>> {
        let polled = Pin::new(&mut self.stream).poll_write(cx, buf);
        if matches!(polled, Poll::Ready(Ok(written)) if written > 0) {
            self.activity.touch();
        }
        polled
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[std::io::IoSlice<'_>],
    ) -> Poll<std::io::Result<usize>> {
        let polled = Pin::new(&mut self.stream).poll_write_vectored(cx, bufs);
        if matches!(polled, Poll::Ready(Ok(written)) if written > 0) {
            self.activity.touch();
        }
        polled
    }

    fn is_write_vectored(&self) -> bool {
        self.stream.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.stream).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.stream).poll_shutdown(cx)
    }
}
