//! The committed IDL's constants are the program's: every seed and limit a
//! client reads from the IDL has the value the program uses.

use anchor_lang_idl::types::Idl;
use orderbook::instructions::{MAX_CONSUME_EVENTS, MAX_GROWTH_PER_INSTRUCTION};
use orderbook::state::*;
use orderbook::types::{
    COMMITMENT_DOMAIN, DEFAULT_COMMIT_SLOTS, DEFAULT_GRACE_SLOTS, DEFAULT_MATCH_LIMIT,
    DEFAULT_REVEAL_SLOTS, MAX_MATCH_LIMIT, MAX_ORDER_LIFETIME_SECS, MAX_PRICE_TICKS,
    MAX_WINDOW_SLOTS, NO_QUOTE_LIMIT,
};

fn constant(idl: &Idl, name: &str) -> String {
    idl.constants
        .iter()
        .find(|c| c.name == name)
        .unwrap_or_else(|| panic!("the IDL has no constant {name}"))
        .value
        .clone()
}

fn bytes(value: &[u8]) -> String {
    format!("{value:?}")
}

#[test]
fn idl_constants_equal_the_programs() {
    let idl: Idl = serde_json::from_str(include_str!("../../../idl/orderbook.json")).unwrap();
    let expected = [
        ("MARKET_AUTHORITY_SEED", bytes(MARKET_AUTHORITY_SEED)),
        ("VAULT_SEED", bytes(VAULT_SEED)),
        ("BASE_VAULT_SEED", bytes(BASE_VAULT_SEED)),
        ("QUOTE_VAULT_SEED", bytes(QUOTE_VAULT_SEED)),
        ("TRADER_SEED", bytes(TRADER_SEED)),
        ("MIN_ORDERS_PER_SIDE", MIN_ORDERS_PER_SIDE.to_string()),
        ("MAX_ORDERS_PER_SIDE", MAX_ORDERS_PER_SIDE.to_string()),
        ("MIN_QUEUE_EVENTS", MIN_QUEUE_EVENTS.to_string()),
        ("MAX_QUEUE_EVENTS", MAX_QUEUE_EVENTS.to_string()),
        (
            "MAX_GROWTH_PER_INSTRUCTION",
            MAX_GROWTH_PER_INSTRUCTION.to_string(),
        ),
        (
            "MAX_CRANK_REWARD_LAMPORTS",
            MAX_CRANK_REWARD_LAMPORTS.to_string(),
        ),
        ("MAX_CONSUME_EVENTS", MAX_CONSUME_EVENTS.to_string()),
        ("MAX_MATCH_LIMIT", MAX_MATCH_LIMIT.to_string()),
        ("DEFAULT_MATCH_LIMIT", DEFAULT_MATCH_LIMIT.to_string()),
        ("NO_QUOTE_LIMIT", NO_QUOTE_LIMIT.to_string()),
        ("MAX_PRICE_TICKS", MAX_PRICE_TICKS.to_string()),
        (
            "MAX_ORDER_LIFETIME_SECS",
            MAX_ORDER_LIFETIME_SECS.to_string(),
        ),
        ("COMMITMENT_DOMAIN", bytes(COMMITMENT_DOMAIN)),
        ("DEFAULT_COMMIT_SLOTS", DEFAULT_COMMIT_SLOTS.to_string()),
        ("DEFAULT_GRACE_SLOTS", DEFAULT_GRACE_SLOTS.to_string()),
        ("DEFAULT_REVEAL_SLOTS", DEFAULT_REVEAL_SLOTS.to_string()),
        ("MAX_WINDOW_SLOTS", MAX_WINDOW_SLOTS.to_string()),
        ("MAX_BATCH_ENTRIES", MAX_BATCH_ENTRIES.to_string()),
        ("BATCH_HEADER_BYTES", BATCH_HEADER_BYTES.to_string()),
        ("BATCH_ENTRY_BYTES", BATCH_ENTRY_BYTES.to_string()),
        (
            "BATCH_BEACON_CHAIN_HASH_OFFSET",
            BATCH_BEACON_CHAIN_HASH_OFFSET.to_string(),
        ),
    ];
    for (name, value) in &expected {
        assert_eq!(&constant(&idl, name), value, "{name}");
    }
    assert_eq!(
        idl.constants.len(),
        expected.len(),
        "every IDL constant is checked"
    );
}
