//! Every account and engine struct the IDL describes has, field by field,
//! the byte offsets and total size of the Rust struct the program and the
//! engine persist, and every IDL enum stored in them has the engine's byte
//! values. A client that decodes with the IDL reads exactly the bytes the
//! program wrote.

use core::mem::{offset_of, size_of};

use anchor_lang_idl::types::{
    Idl, IdlArrayLen, IdlDefinedFields, IdlType, IdlTypeDef, IdlTypeDefTy,
};
use orderbook::state::{BatchAccount, BookSideAccount, EventQueueAccount, Market, TraderAccount};
use orderbook_engine::{
    Balances, EventKind, MarketHeader, MarketStatus, OpenOrder, OrderNode, OutReason, QueueEvent,
    QueueHeader, Side, SideHeader, TraderState,
};

fn idl() -> Idl {
    serde_json::from_str(include_str!("../../../idl/orderbook.json")).unwrap()
}

fn type_def<'a>(idl: &'a Idl, name: &str) -> &'a IdlTypeDef {
    idl.types
        .iter()
        .find(|ty| ty.name == name)
        .unwrap_or_else(|| panic!("the IDL has no type {name}"))
}

/// Bytes a value of `ty` takes in the IDL's sequential layout.
fn idl_size(idl: &Idl, ty: &IdlType) -> usize {
    match ty {
        IdlType::Bool | IdlType::U8 | IdlType::I8 => 1,
        IdlType::U16 | IdlType::I16 => 2,
        IdlType::U32 | IdlType::I32 | IdlType::F32 => 4,
        IdlType::U64 | IdlType::I64 | IdlType::F64 => 8,
        IdlType::U128 | IdlType::I128 => 16,
        IdlType::Pubkey => 32,
        IdlType::Array(inner, IdlArrayLen::Value(len)) => idl_size(idl, inner) * len,
        IdlType::Defined { name, .. } => match &type_def(idl, name).ty {
            IdlTypeDefTy::Struct { .. } => field_offsets(idl, name).1,
            // A fieldless enum is one borsh byte, as the engine's repr(u8).
            IdlTypeDefTy::Enum { variants } => {
                assert!(
                    variants.iter().all(|v| v.fields.is_none()),
                    "{name} has data"
                );
                1
            }
            IdlTypeDefTy::Type { alias } => idl_size(idl, alias),
        },
        other => panic!("no fixed size for {other:?}"),
    }
}

/// The struct's fields with their IDL offsets, and its IDL size.
fn field_offsets(idl: &Idl, name: &str) -> (Vec<(String, usize)>, usize) {
    let def = type_def(idl, name);
    let IdlTypeDefTy::Struct {
        fields: Some(IdlDefinedFields::Named(fields)),
    } = &def.ty
    else {
        panic!("{name} is not a struct with named fields");
    };
    let mut offset = 0;
    let mut offsets = Vec::new();
    for field in fields {
        offsets.push((field.name.clone(), offset));
        offset += idl_size(idl, &field.ty);
    }
    (offsets, offset)
}

/// Assert that the IDL type `$name` lists exactly `$field`s, in order, at
/// the Rust struct's offsets, and has its size.
macro_rules! assert_layout {
    ($idl:expr, $name:literal, $rust:ty, [$($field:ident),+ $(,)?]) => {{
        let (offsets, size) = field_offsets(&$idl, $name);
        let expected: Vec<(String, usize)> =
            vec![$((stringify!($field).to_owned(), offset_of!($rust, $field))),+];
        assert_eq!(offsets, expected, "{} field offsets", $name);
        assert_eq!(size, size_of::<$rust>(), "{} size", $name);
    }};
}

#[test]
fn engine_structs_match_the_idl() {
    let idl = idl();
    assert_layout!(
        idl,
        "MarketHeader",
        MarketHeader,
        [
            base_lot_size,
            quote_lot_size,
            tick_size,
            taker_fee_ppm,
            maker_fee_ppm,
            status,
            _pad0,
            next_order_seq,
            next_emit_seq,
            base_volume,
            quote_volume,
            next_trader_id,
            open_traders,
            accrued_fees,
            swept_fees,
            base_volume_carry,
            quote_volume_carry,
            swept_fees_carry,
            _reserved,
        ]
    );
    assert_layout!(
        idl,
        "Balances",
        Balances,
        [free_base, locked_base, free_quote, locked_quote]
    );
    assert_layout!(
        idl,
        "OpenOrder",
        OpenOrder,
        [order_seq, client_order_id, price, node, side, in_use, _pad,]
    );
    assert_layout!(
        idl,
        "TraderState",
        TraderState,
        [trader_id, open_orders, balances, _reserved, orders,]
    );
    assert_layout!(
        idl,
        "SideHeader",
        SideHeader,
        [
            capacity,
            count,
            root,
            best,
            free_head,
            bump,
            prune_cursor,
            _pad0,
            side,
            _reserved,
        ]
    );
    assert_layout!(
        idl,
        "OrderNode",
        OrderNode,
        [
            left, right, parent, trader_id, price, seq, base_lots, expiry, color, tag, slot, _pad,
            _reserved,
        ]
    );
    assert_layout!(
        idl,
        "QueueHeader",
        QueueHeader,
        [capacity, count, head, _pad, next_seq, _reserved,]
    );
    assert_layout!(
        idl,
        "QueueEvent",
        QueueEvent,
        [
            kind,
            maker_side,
            maker_out,
            out_reason,
            maker_slot,
            maker_expires,
            _pad,
            maker_trader_id,
            taker_trader_id,
            seq,
            maker_order_seq,
            price,
            base_lots,
            quote,
            maker_fee,
        ]
    );
}

#[test]
fn program_accounts_match_the_idl() {
    let idl = idl();
    assert_layout!(
        idl,
        "Market",
        Market,
        [
            engine,
            authority,
            fee_authority,
            creator,
            base_mint,
            quote_mint,
            base_vault,
            quote_vault,
            bids,
            asks,
            event_queue,
            base_token_program,
            quote_token_program,
            crank_reward_lamports,
            pending_crank_lamports,
            base_decimals,
            quote_decimals,
            authority_bump,
            _pad,
            base_vault_owed,
            quote_vault_owed,
            batch,
            max_orders_per_side,
            max_queue_events,
            _reserved,
        ]
    );
    assert_layout!(
        idl,
        "TraderAccount",
        TraderAccount,
        [market, owner, bump, _pad, _reserved, state,]
    );
    assert_layout!(idl, "BookSideAccount", BookSideAccount, [header]);
    assert_layout!(idl, "EventQueueAccount", EventQueueAccount, [header]);
    assert_layout!(idl, "BatchAccount", BatchAccount, [header]);
}

/// The IDL enum's variant names in borsh order (index = byte).
fn variants(idl: &Idl, name: &str) -> Vec<String> {
    match &type_def(idl, name).ty {
        IdlTypeDefTy::Enum { variants } => variants.iter().map(|v| v.name.clone()).collect(),
        _ => panic!("{name} is not an enum"),
    }
}

#[test]
fn stored_enums_have_the_engines_bytes() {
    let idl = idl();
    let by_byte = |values: &[(&str, u8)]| -> Vec<String> {
        let mut sorted = values.to_vec();
        sorted.sort_by_key(|(_, byte)| *byte);
        assert!(
            sorted
                .iter()
                .enumerate()
                .all(|(i, (_, byte))| usize::from(*byte) == i)
        );
        sorted.iter().map(|(name, _)| (*name).to_owned()).collect()
    };
    assert_eq!(
        variants(&idl, "MarketStatus"),
        by_byte(&[
            ("Active", MarketStatus::Active as u8),
            ("PostOnly", MarketStatus::PostOnly as u8),
            ("Paused", MarketStatus::Paused as u8),
            ("Closed", MarketStatus::Closed as u8),
        ])
    );
    assert_eq!(
        variants(&idl, "Side"),
        by_byte(&[("Bid", Side::Bid as u8), ("Ask", Side::Ask as u8)])
    );
    assert_eq!(
        variants(&idl, "OutReason"),
        by_byte(&[
            ("Expired", OutReason::Expired as u8),
            ("Evicted", OutReason::Evicted as u8),
            ("SelfTrade", OutReason::SelfTrade as u8),
            ("Cancelled", OutReason::Cancelled as u8),
            ("Released", OutReason::Released as u8),
        ])
    );
    assert_eq!(
        variants(&idl, "QueueEventKind"),
        by_byte(&[
            ("Fill", EventKind::Fill as u8),
            ("Out", EventKind::Out as u8),
            ("AuctionFill", EventKind::AuctionFill as u8),
            ("SealedFill", EventKind::SealedFill as u8),
            ("Posted", EventKind::Posted as u8),
        ])
    );
}
