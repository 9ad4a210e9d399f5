//! The sealed-order commitment test vectors every implementation shares
//! (the program, the Rust and TypeScript clients, the web app):
//! `tests/vectors/sealed-order.json` holds each order's preimage and its
//! SHA-256. Regenerate after a deliberate layout change with
//! `ORDERBOOK_WRITE_VECTORS=1 cargo test -p orderbook-engine --test commitment_vectors`
//! and bump `COMMITMENT_DOMAIN`'s version.

use orderbook_engine::auction::commitment_preimage;
use orderbook_engine::{BaseLots, OrderParams, OrderType, QuoteAtoms, SelfTradeMode, Side, Ticks};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

const VECTORS: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/vectors/sealed-order.json"
);

/// Orders that exercise every field: both sides, every taking type, the
/// quote limit, a client id and an expiry, bytes at the extremes.
fn cases() -> Vec<Value> {
    let mut market_buy = OrderParams::new(
        Side::Bid,
        OrderType::Market,
        Ticks::new(0),
        BaseLots::new(1),
    );
    market_buy.max_quote = QuoteAtoms::new(2_500_000);
    let mut ioc_sell = OrderParams::new(
        Side::Ask,
        OrderType::ImmediateOrCancel,
        Ticks::new(10_250),
        BaseLots::new(40),
    );
    ioc_sell.self_trade = SelfTradeMode::CancelProvide;
    ioc_sell.client_order_id = u64::MAX;
    let mut limit_buy = OrderParams::new(
        Side::Bid,
        OrderType::Limit,
        Ticks::new((1 << 48) - 1),
        BaseLots::new(u64::MAX),
    );
    limit_buy.self_trade = SelfTradeMode::AbortTransaction;
    limit_buy.expiry = 1_796_083_200;
    let fok = OrderParams::new(
        Side::Ask,
        OrderType::FillOrKill,
        Ticks::new(1),
        BaseLots::new(7),
    );
    [
        ([0u8; 32], [0u8; 32], 0u64, market_buy, [0u8; 32]),
        ([0x11; 32], [0x22; 32], 1, ioc_sell, [0xFF; 32]),
        (
            [0xA5; 32],
            [0x5A; 32],
            u64::MAX,
            limit_buy,
            core::array::from_fn(|i| i as u8),
        ),
        ([0x01; 32], [0x02; 32], 77, fok, [0x33; 32]),
    ]
    .into_iter()
    .map(|(market, owner, batch, order, salt)| {
        let preimage = commitment_preimage(&market, &owner, batch, &order, &salt);
        json!({
            "market": hex::encode(market),
            "owner": hex::encode(owner),
            "batch": batch.to_string(),
            "side": format!("{:?}", order.side),
            "order_type": format!("{:?}", order.order_type),
            "self_trade": format!("{:?}", order.self_trade),
            "price": order.price.get().to_string(),
            "max_base": order.max_base.get().to_string(),
            "max_quote": order.max_quote.get().to_string(),
            "client_order_id": order.client_order_id.to_string(),
            "expiry": order.expiry.to_string(),
            "salt": hex::encode(salt),
            "preimage": hex::encode(preimage),
            "commitment": hex::encode(Sha256::digest(preimage)),
        })
    })
    .collect()
}

#[test]
fn the_shared_vectors_match_the_engine() {
    let generated = serde_json::to_string_pretty(&Value::Array(cases())).unwrap() + "\n";
    if std::env::var_os("ORDERBOOK_WRITE_VECTORS").is_some() {
        std::fs::write(VECTORS, &generated).unwrap();
    }
    let committed = std::fs::read_to_string(VECTORS).expect("vectors file");
    assert_eq!(
        committed, generated,
        "the commitment layout changed: regenerate {VECTORS} (see the module docs)"
    );
}
