//! The encrypted-order contract a keeper relies on (issue 26), against the
//! local beacon: a payload encrypted to a round decrypts with that round's
//! signature and opens its commitment; every bad input (another round's
//! key, another chain, bytes that are not tlock, a ciphertext of something
//! else) is an error that says why, never a panic.

use orderbook::instructions::PlaceOrderArgs;
use orderbook::types::{OrderType, Side};
use orderbook_beacon::{Beacon, Clock, SecretKey};
use orderbook_client::encrypted::{self, DecryptError};
use orderbook_client::sealed::{self, PayloadError, RevealPayload};
use solana_signer::Signer;

fn beacon() -> Beacon {
    let clock = Clock {
        genesis_time: 1_000,
        period_secs: 3,
    };
    Beacon::new(SecretKey::generate(), clock, "test")
}

fn payload() -> RevealPayload {
    RevealPayload {
        order: PlaceOrderArgs {
            client_order_id: 5,
            ..PlaceOrderArgs::new(Side::Ask, OrderType::ImmediateOrCancel, 9_990, 12)
        },
        salt: [3; 32],
    }
}

#[test]
fn a_payload_encrypted_to_a_round_opens_its_commitment_with_that_rounds_signature() {
    let b = beacon();
    let (hash, key) = (b.info.hash(), b.info.public_key);
    let p = payload();
    let ciphertext = encrypted::encrypt(&p, &hash, &key, 42).unwrap();
    assert_eq!(
        encrypted::round_of(&ciphertext).unwrap(),
        (42, hash.to_vec())
    );
    let opened = encrypted::decrypt(&ciphertext, &hash, &b.signature(42).unwrap()).unwrap();
    assert_eq!(opened, p);
    let (market, owner) = (
        solana_keypair::Keypair::new().pubkey(),
        solana_keypair::Keypair::new().pubkey(),
    );
    let c = sealed::commitment(&market, &owner, 7, &p.order.to_engine(), &p.salt);
    assert!(opened.opens(&market, &owner, 7, &c));
}

#[test]
fn every_bad_ciphertext_is_an_error_that_says_why() {
    let b = beacon();
    let (hash, key) = (b.info.hash(), b.info.public_key);
    let ciphertext = encrypted::encrypt(&payload(), &hash, &key, 42).unwrap();
    let wrong = encrypted::decrypt(&ciphertext, &hash, &b.signature(43).unwrap());
    assert!(matches!(wrong, Err(DecryptError::WrongKey)), "{wrong:?}");
    let other = beacon();
    let elsewhere = encrypted::decrypt(&ciphertext, &other.info.hash(), &b.signature(42).unwrap());
    assert!(
        matches!(elsewhere, Err(DecryptError::OtherChain { found: 42, .. })),
        "{elsewhere:?}"
    );
    let junk = encrypted::decrypt(b"age? no", &hash, &b.signature(42).unwrap());
    assert!(matches!(junk, Err(DecryptError::NotTlock(_))), "{junk:?}");
    // A well-formed ciphertext of something other than a reveal payload
    // (what a careless or hostile client may commit).
    let not_an_order = encrypted::encrypt_bytes(b"\x01hello", &hash, &key, 42).unwrap();
    let odd = encrypted::decrypt(&not_an_order, &hash, &b.signature(42).unwrap());
    assert!(
        matches!(odd, Err(DecryptError::Payload(PayloadError::Malformed))),
        "{odd:?}"
    );
}

/// The vectors Rust and TypeScript share (crates/client/tests/vectors/
/// encrypted-order.json): a fixed beacon key, a payload, a ciphertext made
/// by each. Rust checks the payload bytes and decrypts both ciphertexts;
/// `clients/ts/test/encrypted.test.ts` does the same with tlock-js.
/// `ORDERBOOK_WRITE_VECTORS=1` rewrites the Rust ciphertext (the
/// TypeScript test writes its own).
#[test]
fn ciphertexts_made_in_rust_and_in_typescript_decrypt_in_rust() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../crates/client/tests/vectors/encrypted-order.json"
    );
    let key = SecretKey::from_bytes(&[7; 32]).unwrap();
    let b = Beacon::new(
        key,
        Clock {
            genesis_time: 1_000,
            period_secs: 3,
        },
        "vectors",
    );
    let round = 42;
    let p = RevealPayload {
        order: PlaceOrderArgs {
            client_order_id: 77,
            expiry: 1_900_000_000,
            ..PlaceOrderArgs::new(Side::Bid, OrderType::ImmediateOrCancel, 10_050, 30)
        },
        salt: std::array::from_fn(|i| i as u8),
    };
    let hash = b.info.hash();
    let signature = b.signature(round).unwrap();
    let mut v: serde_json::Value = std::fs::read(path)
        .ok()
        .and_then(|bytes| serde_json::from_slice(&bytes).ok())
        .unwrap_or_else(|| serde_json::json!({}));
    if std::env::var("ORDERBOOK_WRITE_VECTORS").is_ok() {
        let ciphertext = encrypted::encrypt(&p, &hash, &b.info.public_key, round).unwrap();
        v["info"] = b.info.to_json();
        v["round"] = round.into();
        v["signature"] = hex::encode(signature).into();
        v["order"] = serde_json::json!({
            "side": "bid", "orderType": "immediateOrCancel", "priceTicks": "10050",
            "maxBaseLots": "30", "clientOrderId": "77", "expiry": "1900000000",
        });
        v["salt"] = hex::encode(p.salt).into();
        v["payload"] = hex::encode(p.to_bytes()).into();
        v["rust_ciphertext"] = hex::encode(ciphertext).into();
        std::fs::write(path, serde_json::to_string_pretty(&v).unwrap() + "\n").unwrap();
    }
    assert_eq!(v["info"]["hash"], hex::encode(hash), "the vectors' beacon");
    assert_eq!(v["payload"], hex::encode(p.to_bytes()), "payload bytes");
    for made_by in ["rust_ciphertext", "ts_ciphertext"] {
        let text = v[made_by]
            .as_str()
            .unwrap_or_else(|| panic!("{made_by} missing"));
        let ciphertext = hex::decode(text).unwrap();
        let opened = encrypted::decrypt(&ciphertext, &hash, &signature).unwrap();
        assert_eq!(opened, p, "{made_by}");
    }
}
