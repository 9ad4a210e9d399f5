//! The beacon against independent implementations: drand_core (a drand
//! client) verifies every round it serves against its `/info`, and
//! tlock's age format encrypts to a round with that info and decrypts with
//! the round's signature, and with no other.

use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use orderbook_beacon::{Beacon, Clock, SecretKey, http, state};
use serde_json::Value;

const PERIOD: u64 = 3;
/// Rounds already published when a test starts.
const PAST_ROUNDS: u64 = 20;

/// A beacon whose genesis was `PAST_ROUNDS` periods ago, served on a free
/// port; returns its base URL.
async fn serve() -> (Arc<Beacon>, String) {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let clock = Clock {
        genesis_time: now - PAST_ROUNDS * PERIOD,
        period_secs: PERIOD,
    };
    let beacon = Arc::new(Beacon::new(SecretKey::generate(), clock, "test"));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(axum::serve(listener, http::router(beacon.clone())).into_future());
    (beacon, url)
}

async fn get(url: &str) -> (u16, Value, reqwest::header::HeaderMap) {
    let r = reqwest::get(url).await.unwrap();
    let (status, headers) = (r.status().as_u16(), r.headers().clone());
    (status, r.json().await.unwrap(), headers)
}

fn chain_info(v: &Value) -> drand_core::chain::ChainInfo {
    serde_json::from_value(v.clone()).unwrap()
}

#[tokio::test]
async fn every_round_verifies_with_a_drand_client_and_a_forged_one_does_not() {
    let (beacon, url) = serve().await;
    let (code, info, headers) = get(&format!("{url}/info")).await;
    assert_eq!(code, 200);
    assert_eq!(headers["access-control-allow-origin"], "*");
    let hash = hex::encode(beacon.info.hash());
    assert_eq!(info["hash"], hash.as_str());
    assert_eq!(info["schemeID"], "bls-unchained-g1-rfc9380");
    let (code, chained_info, _) = get(&format!("{url}/{hash}/info")).await;
    assert_eq!((code, &chained_info), (200, &info));
    for round in [1, 2, 7, PAST_ROUNDS] {
        let (code, body, _) = get(&format!("{url}/{hash}/public/{round}")).await;
        assert_eq!(code, 200, "{body}");
        assert_eq!(body["round"], round);
        let served: drand_core::beacon::ApiBeacon = serde_json::from_value(body.clone()).unwrap();
        assert!(served.verify(chain_info(&info)).unwrap(), "round {round}");
        // The same round with another round's signature does not verify.
        let mut forged = body.clone();
        forged["round"] = Value::from(round + 1);
        let forged: drand_core::beacon::ApiBeacon = serde_json::from_value(forged).unwrap();
        assert!(!forged.verify(chain_info(&info)).unwrap_or(false));
    }
    let (code, latest, headers) = get(&format!("{url}/public/latest")).await;
    assert_eq!(code, 200);
    assert!(latest["round"].as_u64().unwrap() >= PAST_ROUNDS);
    assert_eq!(headers["cache-control"], "no-cache");
}

#[tokio::test]
async fn a_future_round_is_too_early_and_bad_requests_are_named() {
    let (beacon, url) = serve().await;
    let hash = hex::encode(beacon.info.hash());
    let future = PAST_ROUNDS + 1_000;
    let (code, body, _) = get(&format!("{url}/public/{future}")).await;
    assert_eq!(code, 425, "{body}");
    assert!(
        body["error"]
            .as_str()
            .unwrap()
            .contains("not published yet")
    );
    for (path, want) in [
        (format!("{url}/public/0"), 400),
        (format!("{url}/public/abc"), 400),
        (format!("{url}/{}/info", "00".repeat(32)), 404),
        (format!("{url}/{}/public/1", "00".repeat(32)), 404),
        (format!("{url}/{hash}/nothing"), 404),
    ] {
        let (code, body, _) = get(&path).await;
        assert_eq!(code, want, "{path}: {body}");
        assert!(!body["error"].as_str().unwrap().is_empty());
    }
}

#[tokio::test]
async fn tlock_encrypts_to_a_round_that_only_its_signature_decrypts() {
    let (beacon, url) = serve().await;
    let (_, info, _) = get(&format!("{url}/info")).await;
    let hash = hex::decode(info["hash"].as_str().unwrap()).unwrap();
    let public_key = hex::decode(info["public_key"].as_str().unwrap()).unwrap();
    // About a reveal's arguments: the order (~60 bytes) and a 32-byte salt.
    let plaintext = [7u8; 96];
    let round = 9;
    let mut ciphertext = Vec::new();
    tlock_age::encrypt(&mut ciphertext, &plaintext[..], &hash, &public_key, round).unwrap();
    // What a commit transaction would carry (docs/adr/0012).
    println!(
        "ciphertext of {} bytes: {} bytes",
        plaintext.len(),
        ciphertext.len()
    );
    assert!(ciphertext.len() < 600);
    let header = tlock_age::decrypt_header(ciphertext.as_slice()).unwrap();
    assert_eq!((header.round(), header.hash()), (round, hash.clone()));
    let signature_of = |round: u64| {
        let url = url.clone();
        async move {
            let (_, body, _) = get(&format!("{url}/public/{round}")).await;
            hex::decode(body["signature"].as_str().unwrap()).unwrap()
        }
    };
    let mut decrypted = Vec::new();
    tlock_age::decrypt(
        &mut decrypted,
        ciphertext.as_slice(),
        &hash,
        &signature_of(round).await,
    )
    .unwrap();
    assert_eq!(decrypted, plaintext);
    // Another round's signature does not decrypt it. tlock 0.0.10 refuses
    // by panicking (an `assert_eq!` on the IBE check), not with an error: a
    // keeper decrypting what anyone may commit must contain that.
    let wrong = signature_of(round + 1).await;
    let attempt = std::panic::catch_unwind(|| {
        tlock_age::decrypt(Vec::new(), ciphertext.as_slice(), &hash, &wrong).is_ok()
    });
    assert!(
        !attempt.unwrap_or(false),
        "decrypted with another round's key"
    );
    // The signature the beacon serves is the one its key makes.
    assert_eq!(signature_of(round).await, beacon.signature(round).unwrap());
}

#[test]
fn the_state_file_keeps_the_chain_across_restarts() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("beacon.json");
    let clock = Clock {
        genesis_time: 1_000,
        period_secs: PERIOD,
    };
    let (key, first) = state::load_or_create(&path, clock).unwrap();
    let later = Clock {
        genesis_time: 5_000,
        ..clock
    };
    let (again, second) = state::load_or_create(&path, later).unwrap();
    assert_eq!((again.public_key(), second), (key.public_key(), first));
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(&path).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o600, "readable by its owner only");
    let other_period = Clock {
        period_secs: 1,
        ..clock
    };
    let refused = state::load_or_create(&path, other_period).err().unwrap();
    assert!(refused.to_string().contains("3 s period"), "{refused}");
    std::fs::write(&path, b"{").unwrap();
    assert!(state::load_or_create(&path, clock).is_err());
}
