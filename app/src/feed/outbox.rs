//! A connection's outgoing queue, bounded in messages and in bytes, so a
//! client that does not read cannot make the server hold its backlog.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use axum::extract::ws::Utf8Bytes;
use tokio::sync::mpsc;

/// One connection's outgoing queue, bounded in messages and in bytes. The
/// hub and the connection's reader push; the writer pops and calls
/// [`Outbox::sent`].
#[derive(Clone)]
pub struct Outbox {
    tx: mpsc::Sender<Utf8Bytes>,
    queued_bytes: Arc<AtomicUsize>,
    max_bytes: usize,
}

/// Why a message could not be queued.
#[derive(Debug, PartialEq, Eq)]
pub enum OutboxError {
    /// Over the message or byte bound: the client does not keep up.
    Full,
    /// The connection is gone.
    Closed,
}

impl Outbox {
    pub fn new(capacity: usize, max_bytes: usize) -> (Self, mpsc::Receiver<Utf8Bytes>) {
        let (tx, rx) = mpsc::channel(capacity);
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
        match self.tx.try_send(msg) {
            Ok(()) => {
                self.queued_bytes.fetch_add(len, Ordering::Relaxed);
                Ok(())
            }
            Err(mpsc::error::TrySendError::Full(_)) => Err(OutboxError::Full),
            Err(mpsc::error::TrySendError::Closed(_)) => Err(OutboxError::Closed),
        }
    }

    /// The writer sent a message of `len` bytes.
    pub fn sent(&self, len: usize) {
        self.queued_bytes.fetch_sub(len, Ordering::Relaxed);
    }
}
