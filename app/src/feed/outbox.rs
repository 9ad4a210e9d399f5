//! A connection's outgoing queue and the rules that drop a slow consumer.
//!
//! The policy (`docs/feed-protocol.md`, "Slow consumers"): a client is
//! dropped when it is behind in **bytes** or in **time**, never for the
//! number of messages it has queued, so a client reading at a normal pace
//! through a burst of small deltas keeps its connection.
//! - bytes: more than [`WriteLimits::queue_bytes`] queued (the hub refuses
//!   to queue past it: what a non-reader can make the server hold);
//! - time: the message the writer is about to send waited longer than
//!   [`WriteLimits::max_lag`] in the queue (the client reads, but slower
//!   than the market moves);
//! - a stuck socket: one frame not taken within [`WriteLimits::write_timeout`]
//!   (the kernel buffers at most [`WriteLimits::socket_send_buffer`] of it).
//!
//! Messages are reference-counted (a snapshot or delta is shared by every
//! subscriber), but the WebSocket layer copies the frame it is writing into
//! the connection's buffer; [`InFlight`] bounds those copies of large frames
//! across all connections, so a crowd of non-readers cannot pin a copy each
//! of a large snapshot.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use axum::extract::ws::Utf8Bytes;
use tokio::sync::{Semaphore, SemaphorePermit, mpsc};

/// Bytes a connection may have queued before it is dropped.
pub const DEFAULT_QUEUE_BYTES: usize = 16 << 20;
/// How long a queued message may wait before its client counts as behind.
pub const DEFAULT_MAX_LAG: Duration = Duration::from_secs(30);
/// How long one frame may take to be written to the socket.
pub const DEFAULT_WRITE_TIMEOUT: Duration = Duration::from_secs(10);
/// Bytes of frames being written, across every connection.
pub const DEFAULT_IN_FLIGHT_BYTES: usize = 256 << 20;
/// The kernel's send buffer per connection (`SO_SNDBUF`).
pub const DEFAULT_SOCKET_SEND_BUFFER: usize = 256 << 10;

/// What a connection's writer may cost and how long it may take.
#[derive(Clone, Debug)]
pub struct WriteLimits {
    pub queue_bytes: usize,
    pub max_lag: Duration,
    pub write_timeout: Duration,
    pub in_flight_bytes: usize,
    pub socket_send_buffer: usize,
}

impl Default for WriteLimits {
    fn default() -> Self {
        Self {
            queue_bytes: DEFAULT_QUEUE_BYTES,
            max_lag: DEFAULT_MAX_LAG,
            write_timeout: DEFAULT_WRITE_TIMEOUT,
            in_flight_bytes: DEFAULT_IN_FLIGHT_BYTES,
            socket_send_buffer: DEFAULT_SOCKET_SEND_BUFFER,
        }
    }
}

/// A queued message and when it was queued.
pub struct Queued {
    pub msg: Utf8Bytes,
    pub at: Instant,
}

/// One connection's outgoing queue, bounded in bytes. The hub and the
/// connection's reader push; the writer pops and calls [`Outbox::sent`].
#[derive(Clone)]
pub struct Outbox {
    tx: mpsc::UnboundedSender<Queued>,
    queued_bytes: Arc<AtomicUsize>,
    max_bytes: usize,
}

/// Why a message could not be queued.
#[derive(Debug, PartialEq, Eq)]
pub enum OutboxError {
    /// Over the byte bound: the client does not keep up.
    Full,
    /// The connection is gone.
    Closed,
}

impl Outbox {
    pub fn new(max_bytes: usize) -> (Self, mpsc::UnboundedReceiver<Queued>) {
        let (tx, rx) = mpsc::unbounded_channel();
        let outbox = Self {
            tx,
            queued_bytes: Arc::new(AtomicUsize::new(0)),
            max_bytes,
        };
        (outbox, rx)
    }

    pub fn push(&self, msg: Utf8Bytes) -> Result<(), OutboxError> {
        let len = msg.len();
        if self.queued_bytes.load(Ordering::Relaxed) + len > self.max_bytes {
            return Err(OutboxError::Full);
        }
        self.queued_bytes.fetch_add(len, Ordering::Relaxed);
        let queued = Queued {
            msg,
            at: Instant::now(),
        };
        self.tx.send(queued).map_err(|_| {
            self.queued_bytes.fetch_sub(len, Ordering::Relaxed);
            OutboxError::Closed
        })
    }

    /// The writer took a message of `len` bytes off the queue.
    pub fn sent(&self, len: usize) {
        self.queued_bytes.fetch_sub(len, Ordering::Relaxed);
    }
}

/// Frames up to this size are written without waiting for the in-flight
/// budget: deltas and small snapshots never queue behind a crowd of large
/// frames stuck on non-readers (each of which is dropped within
/// `write_timeout`). So the copies held are at most the budget plus this
/// much per connection.
pub const SMALL_FRAME: usize = 64 << 10;

/// The bytes of large frames being written, shared by every connection of
/// a server: a writer holds its frame's share until the socket took it.
#[derive(Clone)]
pub struct InFlight {
    permits: Arc<Semaphore>,
    total_kib: u32,
}

impl InFlight {
    pub fn new(bytes: usize) -> Self {
        let total_kib = (bytes / 1024).clamp(1, u32::MAX as usize) as u32;
        Self {
            permits: Arc::new(Semaphore::new(total_kib as usize)),
            total_kib,
        }
    }

    /// Wait for room to write a frame of `len` bytes (a frame larger than
    /// the whole budget waits for all of it); `None` for a small frame.
    pub async fn reserve(&self, len: usize) -> Option<SemaphorePermit<'_>> {
        if len <= SMALL_FRAME {
            return None;
        }
        let kib = len.div_ceil(1024).clamp(1, self.total_kib as usize) as u32;
        let permit = self.permits.acquire_many(kib).await;
        Some(permit.expect("the semaphore is never closed"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bound_is_in_bytes_not_messages() {
        let (outbox, mut rx) = Outbox::new(1_000);
        for _ in 0..100 {
            outbox.push("0123456789".into()).unwrap();
        }
        assert_eq!(outbox.push("x".into()), Err(OutboxError::Full));
        let q = rx.try_recv().unwrap();
        outbox.sent(q.msg.len());
        outbox.push("012345678".into()).unwrap();
        drop(rx);
        assert_eq!(outbox.push("x".into()), Err(OutboxError::Closed));
    }

    #[tokio::test]
    async fn in_flight_bytes_are_shared_and_returned() {
        let f = InFlight::new(128 * 1024);
        let a = f.reserve(100 * 1024).await;
        assert_eq!(f.permits.available_permits(), 28);
        // A small frame does not wait.
        assert!(f.reserve(SMALL_FRAME).await.is_none());
        // Larger than the whole budget: waits for all of it.
        let big = tokio::time::timeout(Duration::from_millis(50), f.reserve(1 << 30)).await;
        assert!(big.is_err());
        drop(a);
        let all = f.reserve(1 << 30).await;
        assert_eq!(f.permits.available_permits(), 0);
        drop(all);
    }
}
