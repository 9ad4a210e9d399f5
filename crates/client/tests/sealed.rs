//! The Rust client's commitments against the engine's shared vectors
//! (crates/engine/tests/vectors/sealed-order.json), which the TypeScript
//! client checks too.

use orderbook_client::Pubkey;
use orderbook_client::sealed::commitment;
use orderbook_engine::{BaseLots, OrderParams, OrderType, QuoteAtoms, SelfTradeMode, Side, Ticks};
use serde_json::Value;

const VECTORS: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../engine/tests/vectors/sealed-order.json"
);

fn bytes32(v: &Value) -> [u8; 32] {
    hex::decode(v.as_str().unwrap())
        .unwrap()
        .try_into()
        .unwrap()
}

fn number(v: &Value) -> u64 {
    v.as_str().unwrap().parse().unwrap()
}

fn by_name<T: std::fmt::Debug + Copy>(all: &[T], name: &Value) -> T {
    *all.iter()
        .find(|x| format!("{x:?}") == name.as_str().unwrap())
        .unwrap()
}

#[test]
fn commitments_match_the_shared_vectors() {
    let vectors: Vec<Value> =
        serde_json::from_str(&std::fs::read_to_string(VECTORS).unwrap()).unwrap();
    assert!(vectors.len() >= 4);
    for v in &vectors {
        let order = OrderParams {
            side: by_name(&[Side::Bid, Side::Ask], &v["side"]),
            order_type: by_name(
                &[
                    OrderType::Limit,
                    OrderType::PostOnly,
                    OrderType::PostOnlySlide,
                    OrderType::ImmediateOrCancel,
                    OrderType::FillOrKill,
                    OrderType::Market,
                ],
                &v["order_type"],
            ),
            self_trade: by_name(
                &[
                    SelfTradeMode::DecrementTake,
                    SelfTradeMode::CancelProvide,
                    SelfTradeMode::AbortTransaction,
                ],
                &v["self_trade"],
            ),
            price: Ticks::new(number(&v["price"])),
            max_base: BaseLots::new(number(&v["max_base"])),
            max_quote: QuoteAtoms::new(number(&v["max_quote"])),
            client_order_id: number(&v["client_order_id"]),
            expiry: number(&v["expiry"]),
            match_limit: 1,
        };
        let got = commitment(
            &Pubkey::new_from_array(bytes32(&v["market"])),
            &Pubkey::new_from_array(bytes32(&v["owner"])),
            number(&v["batch"]),
            &order,
            &bytes32(&v["salt"]),
        );
        assert_eq!(hex::encode(got), v["commitment"].as_str().unwrap());
    }
}
