//! The fan-out hub: one task owns every market's [`MarketView`], the
//! subscription registry and each channel's sequence counter. Subscribing
//! and publishing go through it in order, so a subscriber's snapshot is
//! exactly the state its first delta applies to.
//!
//! Every connection has a queue of outgoing messages bounded in bytes
//! ([`Outbox`]; the whole slow-consumer policy is in `outbox.rs`). The hub
//! never waits on a connection: when a queue is full the connection is
//! dropped (closed with a reason) and everyone else carries on. A channel's snapshot is serialised once and then kept with
//! the deltas published after it (up to [`MAX_REPLAY`]): a new subscriber
//! gets that snapshot and those deltas, which is exactly the current state,
//! so a client that subscribes and unsubscribes in a loop costs the hub a
//! map lookup and a few reference-counted messages, not a serialised book.

use std::collections::{BTreeSet, HashMap};
use std::time::Duration;

use anchor_lang::prelude::Pubkey;
use axum::extract::ws::Utf8Bytes;
use serde_json::Value;
use tokio::sync::{mpsc, oneshot};

use crate::feed::outbox::{InFlight, Outbox, OutboxError, WriteLimits};
use crate::feed::view::{Channel, MarketView};
use crate::feed::wire::{ChannelData, ChannelMessage, ControlMessage, FeedErrorCode, MessageKind};
use crate::metrics::FeedMetrics;
use crate::model::Ingested;

/// Subscriptions one connection may hold.
pub const MAX_SUBSCRIPTIONS: usize = 64;
/// Commands waiting for the hub before senders wait.
const COMMAND_QUEUE: usize = 4_096;

/// Deltas kept after a cached snapshot before it is rebuilt instead.
pub const MAX_REPLAY: usize = 256;

#[derive(Clone, Debug)]
pub struct HubConfig {
    /// When a connection counts as a slow consumer (see `outbox.rs`).
    pub write: WriteLimits,
    pub heartbeat: Duration,
}

impl Default for HubConfig {
    fn default() -> Self {
        Self {
            write: WriteLimits::default(),
            heartbeat: Duration::from_secs(10),
        }
    }
}

pub type ConnId = u64;

pub enum Cmd {
    Connect {
        conn: ConnId,
        out: Outbox,
        kill: oneshot::Sender<String>,
    },
    Subscribe {
        conn: ConnId,
        market: Pubkey,
        channel: Channel,
        request: Value,
    },
    Unsubscribe {
        conn: ConnId,
        market: Pubkey,
        channel: Channel,
        request: Value,
    },
    Disconnect {
        conn: ConnId,
    },
    Ingested(Ingested),
    /// Replace a market's view (a replica caught up from PostgreSQL) and
    /// send its subscribers fresh snapshots; a market not served yet is
    /// added (a replica found it newly indexed).
    Reload(Box<MarketView>),
    /// The markets served and their last sequence numbers.
    Status(oneshot::Sender<Vec<(Pubkey, Option<u64>)>>),
    /// Close every connection with this reason (server shutting down).
    CloseAll(String),
}

/// A cheap handle to the hub task.
#[derive(Clone)]
pub struct HubHandle {
    tx: mpsc::Sender<Cmd>,
    pub config: HubConfig,
    /// The frames every connection's writer is writing.
    pub in_flight: InFlight,
}

impl HubHandle {
    /// Hand a command to the hub; false if it has stopped.
    pub async fn send(&self, cmd: Cmd) -> bool {
        self.tx.send(cmd).await.is_ok()
    }

    /// A sender for the indexer's batches.
    pub fn ingest_sender(&self) -> mpsc::Sender<Ingested> {
        let (tx, mut rx) = mpsc::channel::<Ingested>(64);
        let hub = self.tx.clone();
        tokio::spawn(async move {
            while let Some(b) = rx.recv().await {
                if hub.send(Cmd::Ingested(b)).await.is_err() {
                    break;
                }
            }
        });
        tx
    }

    pub async fn status(&self) -> Option<Vec<(Pubkey, Option<u64>)>> {
        let (tx, rx) = oneshot::channel();
        if !self.send(Cmd::Status(tx)).await {
            return None;
        }
        rx.await.ok()
    }
}

/// A channel's snapshot message and the delta messages published since.
struct CachedSnapshot {
    snapshot: Utf8Bytes,
    replay: Vec<Utf8Bytes>,
}

struct Conn {
    out: Outbox,
    kill: Option<oneshot::Sender<String>>,
    subs: BTreeSet<(Pubkey, Channel)>,
}

struct Hub {
    views: HashMap<Pubkey, MarketView>,
    conns: HashMap<ConnId, Conn>,
    subscribers: HashMap<(Pubkey, Channel), Vec<ConnId>>,
    /// The `seq` of each watched channel's last message (see [`Header`]).
    seqs: HashMap<(Pubkey, Channel), u64>,
    /// Per channel, a snapshot and the deltas since (see [`CachedSnapshot`]).
    snapshots: HashMap<(Pubkey, Channel), CachedSnapshot>,
    metrics: FeedMetrics,
    queue_bytes: usize,
}

/// Start the hub over `views`.
pub fn spawn(views: Vec<MarketView>, config: HubConfig, metrics: FeedMetrics) -> HubHandle {
    let (tx, mut rx) = mpsc::channel(COMMAND_QUEUE);
    let mut hub = Hub {
        views: views.into_iter().map(|v| (v.market, v)).collect(),
        conns: HashMap::new(),
        subscribers: HashMap::new(),
        seqs: HashMap::new(),
        snapshots: HashMap::new(),
        metrics,
        queue_bytes: config.write.queue_bytes,
    };
    tokio::spawn(async move {
        while let Some(cmd) = rx.recv().await {
            hub.handle(cmd);
            hub.metrics.channels.set(hub.seqs.len() as i64);
        }
    });
    HubHandle {
        tx,
        in_flight: InFlight::new(config.write.in_flight_bytes),
        config,
    }
}

/// What identifies one channel message: its kind and sequence numbers.
///
/// A channel's `seq` is the number of market events its state reflects
/// ([`MarketView::events_applied`]), the same on every replica that has
/// applied those events. A delta also carries `prev_seq`, the `seq` of the
/// channel's previous message, and covers the events in between: a client
/// whose state is at `seq` S applies a delta when `prev_seq <= S < seq`,
/// skips it when `seq <= S`, and subscribes again when `prev_seq > S`.
pub struct Header {
    pub kind: MessageKind,
    pub seq: u64,
    /// Deltas only: the `seq` of the channel's previous message.
    pub prev_seq: Option<u64>,
}

/// A channel message as the wire carries it (`wire::ChannelMessage`).
pub fn channel_message(
    header: Header,
    market: &Pubkey,
    channel: &Channel,
    data: ChannelData,
) -> Utf8Bytes {
    encode(&ChannelMessage {
        kind: header.kind,
        market: market.to_string(),
        channel: channel.name(),
        owner: channel.owner().map(|o| o.to_string()),
        resolution: channel.resolution(),
        seq: header.seq,
        prev_seq: header.prev_seq,
        market_seq: header.seq.checked_sub(1),
        data,
    })
}

/// `{"type": "error", "code", "message", "request"}`.
pub fn error_message(code: FeedErrorCode, message: impl Into<String>, request: Value) -> Utf8Bytes {
    encode(&ControlMessage::Error {
        code,
        message: message.into(),
        request,
    })
}

/// A message's JSON text (the wire types always serialise).
pub fn encode(message: &impl serde::Serialize) -> Utf8Bytes {
    serde_json::to_string(message)
        .expect("wire messages serialise")
        .into()
}

impl Hub {
    fn handle(&mut self, cmd: Cmd) {
        match cmd {
            Cmd::Connect { conn, out, kill } => {
                self.conns.insert(
                    conn,
                    Conn {
                        out,
                        kill: Some(kill),
                        subs: BTreeSet::new(),
                    },
                );
                self.metrics.connections.set(self.conns.len() as i64);
            }
            Cmd::Disconnect { conn } => self.remove(conn),
            Cmd::Subscribe {
                conn,
                market,
                channel,
                request,
            } => self.subscribe(conn, market, channel, request),
            Cmd::Unsubscribe {
                conn,
                market,
                channel,
                request,
            } => {
                let Some(c) = self.conns.get_mut(&conn) else {
                    return;
                };
                let msg = if c.subs.remove(&(market, channel)) {
                    self.drop_subscriber((market, channel), conn);
                    encode(&ControlMessage::Unsubscribed { request })
                } else {
                    error_message(
                        FeedErrorCode::NotSubscribed,
                        "no such subscription on this connection",
                        request,
                    )
                };
                self.deliver(conn, msg);
            }
            Cmd::Ingested(batch) => self.publish(batch),
            Cmd::Reload(view) => self.reload(*view),
            Cmd::CloseAll(reason) => {
                let conns: Vec<ConnId> = self.conns.keys().copied().collect();
                for conn in conns {
                    if let Some(kill) = self.conns.get_mut(&conn).and_then(|c| c.kill.take()) {
                        let _ = kill.send(reason.clone());
                    }
                    self.remove(conn);
                }
            }
            Cmd::Status(reply) => {
                let _ = reply.send(self.views.values().map(|v| (v.market, v.seq)).collect());
            }
        }
    }

    fn subscribe(&mut self, conn: ConnId, market: Pubkey, channel: Channel, request: Value) {
        let Some(c) = self.conns.get_mut(&conn) else {
            return;
        };
        let err = if !self.views.contains_key(&market) {
            Some(error_message(
                FeedErrorCode::UnknownMarket,
                format!("market {market} is not served here"),
                request.clone(),
            ))
        } else if c.subs.contains(&(market, channel)) {
            Some(error_message(
                FeedErrorCode::AlreadySubscribed,
                "already subscribed to this channel",
                request.clone(),
            ))
        } else if c.subs.len() >= MAX_SUBSCRIPTIONS {
            Some(error_message(
                FeedErrorCode::TooManySubscriptions,
                format!("at most {MAX_SUBSCRIPTIONS} subscriptions per connection"),
                request.clone(),
            ))
        } else {
            None
        };
        if let Some(e) = err {
            self.deliver(conn, e);
            return;
        }
        c.subs.insert((market, channel));
        self.subscribers
            .entry((market, channel))
            .or_default()
            .push(conn);
        self.metrics.subscriptions.inc();
        let cached = self.snapshot(market, channel);
        // Reference-counted copies: the messages themselves are shared.
        let msgs: Vec<Utf8Bytes> = std::iter::once(&cached.snapshot)
            .chain(&cached.replay)
            .cloned()
            .collect();
        for msg in msgs {
            self.deliver(conn, msg);
        }
    }

    /// The cached snapshot of a channel, built if there is none.
    fn snapshot(&mut self, market: Pubkey, channel: Channel) -> &CachedSnapshot {
        let key = (market, channel);
        if !self.snapshots.contains_key(&key) {
            let snapshot = self.build_snapshot(market, channel);
            self.snapshots.insert(
                key,
                CachedSnapshot {
                    snapshot,
                    replay: Vec::new(),
                },
            );
        }
        &self.snapshots[&key]
    }

    fn build_snapshot(&mut self, market: Pubkey, channel: Channel) -> Utf8Bytes {
        let view = &self.views[&market];
        let seq = view.events_applied();
        // The channel last changed at or before this snapshot; its next
        // delta's `prev_seq` must not claim a later change.
        self.seqs.entry((market, channel)).or_insert(seq);
        let header = Header {
            kind: MessageKind::Snapshot,
            seq,
            prev_seq: None,
        };
        let msg = channel_message(header, &market, &channel, view.snapshot(&channel));
        self.metrics.snapshots_built.inc();
        msg
    }

    fn publish(&mut self, batch: Ingested) {
        let Some(view) = self.views.get_mut(&batch.market) else {
            return;
        };
        self.metrics
            .ingested_events
            .inc_by(batch.events.len() as u64);
        let before = view.events_applied();
        let deltas = view.apply(&batch);
        let seq = view.events_applied();
        for (channel, data) in deltas {
            let key = (batch.market, channel);
            let subs = self.subscribers.get(&key).cloned().unwrap_or_default();
            let cached = self.snapshots.contains_key(&key);
            if subs.is_empty() && !cached {
                // Nobody holds this channel's state: no message, and its
                // next snapshot starts the chain again.
                self.seqs.remove(&key);
                continue;
            }
            let prev_seq = self.seqs.insert(key, seq).unwrap_or(before);
            let header = Header {
                kind: MessageKind::Delta,
                seq,
                prev_seq: Some(prev_seq),
            };
            let msg = channel_message(header, &batch.market, &channel, data);
            if let Some(c) = self.snapshots.get_mut(&key) {
                c.replay.push(msg.clone());
                if c.replay.len() > MAX_REPLAY {
                    self.snapshots.remove(&key);
                }
            }
            for conn in subs {
                self.deliver(conn, msg.clone());
            }
        }
    }

    /// Swap in a reloaded view (or serve a new market); every subscriber of
    /// the market gets a fresh snapshot, which a client takes as its state
    /// whatever it had.
    fn reload(&mut self, view: MarketView) {
        let market = view.market;
        self.views.insert(market, view);
        self.snapshots.retain(|(m, _), _| *m != market);
        self.seqs.retain(|(m, _), _| *m != market);
        let watched: Vec<((Pubkey, Channel), Vec<ConnId>)> = self
            .subscribers
            .iter()
            .filter(|((m, _), conns)| *m == market && !conns.is_empty())
            .map(|(key, conns)| (*key, conns.clone()))
            .collect();
        for ((market, channel), conns) in watched {
            let snapshot = self.snapshot(market, channel).snapshot.clone();
            for conn in conns {
                self.deliver(conn, snapshot.clone());
            }
        }
    }

    /// Queue `msg` for `conn`; a full queue drops the connection.
    fn deliver(&mut self, conn: ConnId, msg: Utf8Bytes) {
        let Some(c) = self.conns.get_mut(&conn) else {
            return;
        };
        match c.out.push(msg) {
            Ok(()) => self.metrics.messages_sent.inc(),
            Err(OutboxError::Full) => {
                if let Some(kill) = c.kill.take() {
                    let _ = kill.send(format!(
                        "slow consumer: over {} bytes queued",
                        self.queue_bytes
                    ));
                }
                self.metrics.slow_disconnects.inc();
                tracing::info!(conn, "dropping a slow websocket client");
                self.remove(conn);
            }
            Err(OutboxError::Closed) => self.remove(conn),
        }
    }

    fn remove(&mut self, conn: ConnId) {
        if let Some(c) = self.conns.remove(&conn) {
            for key in c.subs {
                self.drop_subscriber(key, conn);
            }
        }
        self.metrics.connections.set(self.conns.len() as i64);
    }

    /// `conn` no longer watches `key`. A per-owner channel's state leaves
    /// with its last subscriber (owners are unbounded, markets are not).
    fn drop_subscriber(&mut self, key: (Pubkey, Channel), conn: ConnId) {
        self.metrics.subscriptions.dec();
        let Some(v) = self.subscribers.get_mut(&key) else {
            return;
        };
        v.retain(|x| *x != conn);
        if v.is_empty() {
            self.subscribers.remove(&key);
            if matches!(key.1, Channel::Account(_)) {
                self.snapshots.remove(&key);
                self.seqs.remove(&key);
            }
        }
    }
}
