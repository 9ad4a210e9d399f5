//! Decoder behaviour on good and bad input (round trips against the real
//! program run in `tests/program`, which builds and decodes everything
//! through this crate).

use anchor_lang::{Discriminator, Event};
use orderbook::events::{MarketStatusChanged, OrderCancelled};
use orderbook::state::Market;
use orderbook::types::{MarketStatus, Side as EventSide};
use orderbook_client::accounts::{self, Book, L2Level, L3Order};
use orderbook_client::events::{ProgramEvent, decode_batch, is_event_batch};
use orderbook_client::{DecodeError, Pubkey};
use orderbook_engine::Side;

fn batch(events: &[Vec<u8>]) -> Vec<u8> {
    let mut data = anchor_lang::event::EVENT_IX_TAG_LE.to_vec();
    for e in events {
        data.extend_from_slice(e);
    }
    data
}

#[test]
fn event_batches_round_trip_in_order() {
    let market = Pubkey::new_unique();
    let a = MarketStatusChanged {
        market,
        seq: 7,
        old_status: MarketStatus::Active,
        new_status: MarketStatus::Paused,
    };
    let b = OrderCancelled {
        market,
        seq: 8,
        trader_id: 3,
        order_id: 9,
        client_order_id: 1,
        side: EventSide::Ask,
        price: 5,
        base_lots: 4,
    };
    let data = batch(&[a.data(), b.data()]);
    assert!(is_event_batch(&data));
    let got = decode_batch(&data).unwrap();
    assert_eq!(
        got,
        vec![
            ProgramEvent::MarketStatusChanged(a),
            ProgramEvent::OrderCancelled(b)
        ]
    );
    assert_eq!(
        got.iter().map(|e| e.seq()).collect::<Vec<_>>(),
        vec![(market, 7), (market, 8)]
    );
}

#[test]
fn bad_event_batches_are_errors_not_panics() {
    assert_eq!(decode_batch(&[1, 2, 3]), Err(DecodeError::NotEventBatch));
    assert!(decode_batch(&batch(&[])).unwrap().is_empty());
    let unknown = batch(&[vec![9; 8]]);
    assert_eq!(
        decode_batch(&unknown),
        Err(DecodeError::UnknownEvent([9; 8]))
    );
    let status_change = MarketStatusChanged {
        market: Pubkey::new_unique(),
        seq: 1,
        old_status: MarketStatus::Active,
        new_status: MarketStatus::PostOnly,
    }
    .data();
    let mut truncated = status_change.clone();
    truncated.pop();
    assert!(matches!(
        decode_batch(&batch(&[truncated])),
        Err(DecodeError::Malformed(_))
    ));
    assert!(matches!(
        decode_batch(&batch(&[vec![1, 2, 3]])),
        Err(DecodeError::Malformed(_))
    ));
    // An enum byte no variant has (the last byte is `new_status`).
    let mut unknown_status = status_change;
    *unknown_status.last_mut().unwrap() = 4;
    assert!(matches!(
        decode_batch(&batch(&[unknown_status])),
        Err(DecodeError::Malformed(_))
    ));
}

#[test]
fn accounts_check_discriminator_and_length() {
    assert_eq!(
        accounts::market(&[0; 4]).err(),
        Some(DecodeError::BadLength)
    );
    assert_eq!(
        accounts::market(&[0; 700]).err(),
        Some(DecodeError::WrongDiscriminator("Market"))
    );
    let mut data = Market::DISCRIMINATOR.to_vec();
    data.extend_from_slice(&[0; 10]);
    assert_eq!(accounts::market(&data).err(), Some(DecodeError::BadLength));
    assert!(accounts::book(&[0; 16]).is_err());
    assert!(accounts::event_queue(&[0; 16]).is_err());
    assert!(accounts::trader(&[0; 16]).is_err());
}

#[test]
fn l2_aggregates_levels_best_first_up_to_depth() {
    let o = |price, base_lots| L3Order {
        order_id: 0,
        trader_id: 1,
        price,
        base_lots,
        expiry: 0,
    };
    let book = Book {
        side: Side::Bid,
        orders: vec![o(10, 1), o(10, 2), o(9, 5), o(8, 1), o(8, 1)],
    };
    assert_eq!(
        book.l2(2),
        vec![
            L2Level {
                price: 10,
                base_lots: 3,
                orders: 2
            },
            L2Level {
                price: 9,
                base_lots: 5,
                orders: 1
            }
        ]
    );
    assert_eq!(book.l2(10).len(), 3);
    assert!(book.l2(0).is_empty());
}
