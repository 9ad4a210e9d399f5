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
