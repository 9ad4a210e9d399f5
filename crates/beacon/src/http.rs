//! drand's HTTP API (v1), as its relays serve it and `drand-client`,
//! `tlock-js` and `drand_core` read it: `GET /info`, `/public/latest` and
//! `/public/{round}`, also under `/{chain hash}/`. A round not yet published
//! is `425 Too Early`. Every answer allows any origin (a web page fetches
//! rounds), and a published round is cached for good.

use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde_json::{Value, json};

use crate::Beacon;
use crate::scheme::randomness;

/// The API over `beacon`.
pub fn router(beacon: Arc<Beacon>) -> Router {
    Router::new()
        .route("/info", get(info))
        .route("/public/{round}", get(round))
        .route("/{chain}/info", get(chain_info))
        .route("/{chain}/public/{round}", get(chain_round))
        .fallback(|| async { error(StatusCode::NOT_FOUND, "no such endpoint") })
        .with_state(beacon)
}

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

fn answer(status: StatusCode, body: Value, cache: &'static str) -> Response {
    let mut response = (status, axum::Json(body)).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::ACCESS_CONTROL_ALLOW_ORIGIN,
        HeaderValue::from_static("*"),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    response
}

fn error(status: StatusCode, message: &str) -> Response {
    answer(status, json!({ "error": message }), "no-store")
}

async fn info(State(beacon): State<Arc<Beacon>>) -> Response {
    answer(StatusCode::OK, beacon.info.to_json(), "public, max-age=60")
}

/// `latest`, or a round number.
async fn round(State(beacon): State<Arc<Beacon>>, Path(round): Path<String>) -> Response {
    let latest = beacon.info.clock.round_at(now());
    let (number, cache) = match round.as_str() {
        "latest" => (latest, "no-cache"),
        n => match n.parse::<u64>() {
            Ok(n) if n > 0 => (n, "public, max-age=31536000, immutable"),
            _ => {
                return error(
                    StatusCode::BAD_REQUEST,
                    "a round is a positive integer or `latest`",
                );
            }
        },
    };
    if number == 0 || number > latest {
        let at = beacon.info.clock.time_of(number.max(1));
        let message = format!("round {number} is not published yet (at unix time {at})");
        return error(StatusCode::TOO_EARLY, &message);
    }
    let signature = beacon.signature(number).expect("round > 0");
    let body = json!({
        "round": number,
        "randomness": hex::encode(randomness(&signature)),
        "signature": hex::encode(signature),
    });
    answer(StatusCode::OK, body, cache)
}

fn is_chain(beacon: &Beacon, chain: &str) -> bool {
    chain.eq_ignore_ascii_case(&hex::encode(beacon.info.hash()))
}

async fn chain_info(state: State<Arc<Beacon>>, Path(chain): Path<String>) -> Response {
    if !is_chain(&state.0, &chain) {
        return error(StatusCode::NOT_FOUND, "this beacon serves another chain");
    }
    info(state).await
}

async fn chain_round(
    state: State<Arc<Beacon>>,
    Path((chain, number)): Path<(String, String)>,
) -> Response {
    if !is_chain(&state.0, &chain) {
        return error(StatusCode::NOT_FOUND, "this beacon serves another chain");
    }
    round(state, Path(number)).await
}
