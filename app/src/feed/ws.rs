//! The WebSocket endpoint: parsing client requests and running one
//! connection (a reader, and a writer draining the connection's bounded
//! queue, sending heartbeats and the close frame when the hub drops it).

use std::sync::atomic::{AtomicU64, Ordering};

use anchor_lang::prelude::Pubkey;
use axum::extract::ws::{CloseFrame, Message, Utf8Bytes, WebSocket, close_code};
use futures_util::stream::{SplitSink, SplitStream};
use futures_util::{SinkExt, StreamExt};
use serde_json::Value;
use tokio::sync::{mpsc, oneshot};

use crate::feed::AppState;
use crate::feed::hub::{Cmd, encode, error_message};
use crate::feed::wire::{
    ChannelName, ChannelRequest, ClientRequest, ControlMessage, FeedErrorCode,
};
use orderbook_service::connections::ConnectionPermit;

use crate::feed::limits::TokenBucket;
use crate::feed::outbox::{Outbox, OutboxError, Queued};
use crate::feed::view::Channel;
use crate::model::CANDLE_RESOLUTIONS;

/// Largest client message accepted, in bytes.
pub const MAX_CLIENT_MESSAGE: usize = 4_096;

static NEXT_CONN: AtomicU64 = AtomicU64::new(1);

/// A parsed client request.
#[derive(Debug, PartialEq)]
pub enum Request {
    Subscribe(Pubkey, Channel),
    Unsubscribe(Pubkey, Channel),
    Ping,
}

/// Why a request was refused: `(code, message)`.
pub type Refusal = (FeedErrorCode, String);

fn bad(message: impl Into<String>) -> Refusal {
    (FeedErrorCode::BadRequest, message.into())
}

fn pubkey(text: &str, name: &str) -> Result<Pubkey, Refusal> {
    text.parse()
        .map_err(|_| bad(format!("`{name}` is not a base58 public key: {text:?}")))
}

/// Parse one text message (`wire::ClientRequest`).
pub fn parse_request(text: &str) -> Result<Request, Refusal> {
    let v: Value = serde_json::from_str(text).map_err(|e| bad(format!("invalid JSON: {e}")))?;
    if !v.is_object() {
        return Err(bad("a request is a JSON object"));
    }
    let request: ClientRequest = serde_json::from_value(v).map_err(|e| {
        bad(format!(
            "{e} (a request is {{\"op\": \"subscribe\" | \"unsubscribe\" | \"ping\", \"market\", \"channel\", …}})"
        ))
    })?;
    Ok(match request {
        ClientRequest::Ping => Request::Ping,
        ClientRequest::Subscribe(c) => {
            let (market, channel) = channel_of(&c)?;
            Request::Subscribe(market, channel)
        }
        ClientRequest::Unsubscribe(c) => {
            let (market, channel) = channel_of(&c)?;
            Request::Unsubscribe(market, channel)
        }
    })
}

/// The market and channel a request names, each checked.
fn channel_of(request: &ChannelRequest) -> Result<(Pubkey, Channel), Refusal> {
    let market = pubkey(&request.market, "market")?;
    // The names are `wire::ChannelName`'s, spelt once there; a name it does
    // not know is refused with its own code.
    let name = Value::String(request.channel.clone());
    let name: ChannelName = serde_json::from_value(name).map_err(|_| {
        let message = format!(
            "unknown channel {:?} (trades, l2, l3, account, candles, auction)",
            request.channel
        );
        (FeedErrorCode::UnknownChannel, message)
    })?;
    let channel = match name {
        ChannelName::Trades => Channel::Trades,
        ChannelName::L2 => Channel::L2,
        ChannelName::L3 => Channel::L3,
        ChannelName::Account => {
            let owner = request
                .owner
                .as_deref()
                .ok_or_else(|| bad("missing `owner`"))?;
            Channel::Account(pubkey(owner, "owner")?)
        }
        ChannelName::Candles => {
            let r = request.resolution.ok_or_else(|| {
                bad("candles need an integer `resolution` (60, 300, 3600, 86400)")
            })?;
            if !CANDLE_RESOLUTIONS.contains(&r) {
                return Err(bad(format!(
                    "resolution {r} is not one of 60, 300, 3600, 86400"
                )));
            }
            Channel::Candles(r)
        }
        ChannelName::Auction => Channel::Auction,
    };
    Ok((market, channel))
}

/// Run one upgraded connection until either side ends it; `permit` holds
/// its place under the connection limits until then.
pub async fn connection(state: AppState, socket: WebSocket, permit: ConnectionPermit) {
    let _permit = permit;
    let conn = NEXT_CONN.fetch_add(1, Ordering::Relaxed);
    let hub = state.hub.clone();
    let (outbox, out_rx) = Outbox::new(hub.config.write.queue_bytes);
    let (kill_tx, kill_rx) = oneshot::channel::<String>();
    if !hub
        .send(Cmd::Connect {
            conn,
            out: outbox.clone(),
            kill: kill_tx,
        })
        .await
    {
        return;
    }
    let (sink, stream) = socket.split();
    let writer = write_loop(sink, out_rx, kill_rx, outbox.clone(), &state);
    let reader = read_loop(&state, conn, stream, &outbox);
    tokio::select! {
        _ = writer => {}
        _ = reader => {}
    }
    hub.send(Cmd::Disconnect { conn }).await;
}

/// Send the client's queued messages and a heartbeat, until the hub drops
/// the client (with the reason in a close frame), the queue closes, the
/// socket fails, or the client falls behind (`outbox.rs`: a message queued
/// longer than `max_lag`, a frame not taken within `write_timeout`).
async fn write_loop(
    mut sink: SplitSink<WebSocket, Message>,
    mut out_rx: mpsc::UnboundedReceiver<Queued>,
    mut kill_rx: oneshot::Receiver<String>,
    written: Outbox,
    state: &AppState,
) {
    let hub = &state.hub;
    let limits = &hub.config.write;
    let mut tick = tokio::time::interval(hub.config.heartbeat);
    tick.tick().await;
    let close = |reason: String| {
        Message::Close(Some(CloseFrame {
            code: close_code::POLICY,
            reason: reason.into(),
        }))
    };
    let reason = loop {
        let frame = tokio::select! {
            // A drop decided by the hub wins over queued messages.
            biased;
            reason = &mut kill_rx => break reason.unwrap_or_else(|_| "server closing".into()),
            queued = out_rx.recv() => match queued {
                Some(q) => {
                    written.sent(q.msg.len());
                    let lag = q.at.elapsed();
                    if lag > limits.max_lag {
                        state.metrics.slow_disconnects.inc();
                        break format!("slow consumer: {} s behind", lag.as_secs());
                    }
                    Message::Text(q.msg)
                }
                None => return,
            },
            _ = tick.tick() => {
                let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
                Message::Text(encode(&ControlMessage::Heartbeat { time_ms: now.as_millis() as u64 }))
            }
        };
        match write_frame(&mut sink, frame, state).await {
            Ok(()) => {}
            Err(WriteFailed::Socket) => return,
            Err(WriteFailed::Timeout) => {
                // Unless the hub dropped it already (and counted it).
                if kill_rx.try_recv().is_err() {
                    state.metrics.slow_disconnects.inc();
                    tracing::info!("dropping a websocket client that took no frame in time");
                }
                // The socket takes nothing: a close frame would wait too.
                return;
            }
        }
    };
    let _ = tokio::time::timeout(limits.write_timeout, sink.send(close(reason))).await;
}

/// `n` added to a gauge for as long as this lives (the writer can be
/// dropped mid-write when its connection ends).
struct Shown<'g>(&'g prometheus::IntGauge, i64);

impl<'g> Shown<'g> {
    fn add(gauge: &'g prometheus::IntGauge, n: usize) -> Self {
        gauge.add(n as i64);
        Self(gauge, n as i64)
    }
}

impl Drop for Shown<'_> {
    fn drop(&mut self) {
        self.0.sub(self.1);
    }
}

enum WriteFailed {
    Socket,
    Timeout,
}

/// Write one frame: wait (at most `max_lag`) for its bytes in the server's
/// in-flight budget, held while the WebSocket layer keeps its copy, then
/// give the socket `write_timeout` to take it.
async fn write_frame(
    sink: &mut SplitSink<WebSocket, Message>,
    frame: Message,
    state: &AppState,
) -> Result<(), WriteFailed> {
    let hub = &state.hub;
    let limits = &hub.config.write;
    let len = match &frame {
        Message::Text(t) => t.len(),
        _ => 0,
    };
    let room = tokio::time::timeout(limits.max_lag, hub.in_flight.reserve(len))
        .await
        .map_err(|_| WriteFailed::Timeout)?;
    let counted = if room.is_some() { len } else { 0 };
    let _shown = Shown::add(&state.metrics.in_flight_bytes, counted);
    match tokio::time::timeout(limits.write_timeout, sink.send(frame)).await {
        Ok(Ok(())) => Ok(()),
        Ok(Err(_)) => Err(WriteFailed::Socket),
        Err(_) => Err(WriteFailed::Timeout),
    }
}

/// Read the client's requests until it closes, its socket fails, or its
/// queue overflows: each is answered, refused or handed to the hub.
async fn read_loop(
    state: &AppState,
    conn: u64,
    mut stream: SplitStream<WebSocket>,
    outbox: &Outbox,
) {
    let limits = &state.guards.limits;
    let mut requests = TokenBucket::new(limits.ws_requests_per_sec, limits.ws_request_burst);
    // Replies the reader queues itself; a client that sends without reading
    // fills its queue and is disconnected like any slow consumer.
    let reply = |msg: Utf8Bytes| match outbox.push(msg) {
        Ok(()) => true,
        Err(OutboxError::Full) => {
            state.metrics.slow_disconnects.inc();
            false
        }
        Err(OutboxError::Closed) => false,
    };
    while let Some(Ok(msg)) = stream.next().await {
        let text = match msg {
            Message::Text(t) => t,
            Message::Close(_) => break,
            Message::Binary(_) => {
                state.metrics.bad_requests.inc();
                let refusal = error_message(
                    FeedErrorCode::BadRequest,
                    "binary frames are not accepted; send JSON text",
                    Value::Null,
                );
                if !reply(refusal) {
                    break;
                }
                continue;
            }
            _ => continue,
        };
        let request: Value = serde_json::from_str(text.as_str()).unwrap_or(Value::Null);
        if !requests.take() {
            state.metrics.rate_limited.with_label_values(&["ws"]).inc();
            let refusal = error_message(
                FeedErrorCode::RateLimited,
                format!(
                    "more than {} requests per second; slow down",
                    limits.ws_requests_per_sec
                ),
                request,
            );
            if !reply(refusal) {
                break;
            }
            continue;
        }
        let cmd = match parse_request(text.as_str()) {
            Ok(Request::Ping) => {
                if !reply(encode(&ControlMessage::Pong { request })) {
                    break;
                }
                continue;
            }
            Ok(Request::Subscribe(market, channel)) => Cmd::Subscribe {
                conn,
                market,
                channel,
                request,
            },
            Ok(Request::Unsubscribe(market, channel)) => Cmd::Unsubscribe {
                conn,
                market,
                channel,
                request,
            },
            Err((code, message)) => {
                state.metrics.bad_requests.inc();
                if !reply(error_message(code, message, request)) {
                    break;
                }
                continue;
            }
        };
        if !state.hub.send(cmd).await {
            break;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const M: &str = "k7YsiePFMhV4yBTe6Bq6RwWrEj7EmSS3QGBp4jMsaEE";

    #[test]
    fn requests_parse_and_bad_ones_say_why() {
        let m: Pubkey = M.parse().unwrap();
        assert_eq!(
            parse_request(&format!(
                r#"{{"op":"subscribe","market":"{M}","channel":"l2"}}"#
            )),
            Ok(Request::Subscribe(m, Channel::L2))
        );
        assert_eq!(
            parse_request(&format!(
                r#"{{"op":"unsubscribe","market":"{M}","channel":"candles","resolution":300}}"#
            )),
            Ok(Request::Unsubscribe(m, Channel::Candles(300)))
        );
        assert_eq!(parse_request(r#"{"op":"ping"}"#), Ok(Request::Ping));
        // Fields a request does not use (a client's own id) are allowed.
        assert_eq!(parse_request(r#"{"op":"ping","id":7}"#), Ok(Request::Ping));
        let code = |s: &str| parse_request(s).unwrap_err().0;
        use FeedErrorCode::{BadRequest, UnknownChannel};
        assert_eq!(code("not json"), BadRequest);
        assert_eq!(code("[1,2]"), BadRequest);
        assert_eq!(code(r#"{"op":"dance"}"#), BadRequest);
        assert_eq!(
            code(r#"{"op":"subscribe","market":"xyz","channel":"l2"}"#),
            BadRequest
        );
        assert_eq!(
            code(&format!(
                r#"{{"op":"subscribe","market":"{M}","channel":"news"}}"#
            )),
            UnknownChannel
        );
        assert_eq!(
            code(&format!(
                r#"{{"op":"subscribe","market":"{M}","channel":"candles","resolution":7}}"#
            )),
            BadRequest
        );
        assert_eq!(
            code(&format!(
                r#"{{"op":"subscribe","market":"{M}","channel":"account"}}"#
            )),
            BadRequest
        );
        assert_eq!(
            code(&format!(
                r#"{{"op":"subscribe","market":{M:?},"channel":5}}"#
            )),
            BadRequest
        );
    }
}
