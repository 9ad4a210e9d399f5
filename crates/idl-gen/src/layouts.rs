//! The engine's persisted structs as typed IDL types.
//!
//! The program keeps the engine's state as byte arrays (`Market.engine`,
//! `TraderAccount.state`, the book sides' and queue's headers) so the
//! `no_std` engine stays free of Anchor, and the IDL builder sees only
//! `[u8; N]`. Clients need the fields: lot and tick sizes, fees, status,
//! balances, open orders, the book's tree and the queue's ring. This module
//! describes each engine struct as an IDL `repr(C)` type and puts it where
//! the bytes are. Every struct is `Pod` (no implicit padding), so the IDL's
//! sequential (borsh) layout is the `repr(C)` layout;
//! `tests/layouts.rs` proves it field offset by field offset.

use anchor_lang_idl::types::{Idl, IdlDefinedFields, IdlType, IdlTypeDef, IdlTypeDefTy};
use serde_json::{Value, json};

/// An engine struct: name, docs, fields as (name, IDL type).
struct Layout {
    name: &'static str,
    docs: &'static [&'static str],
    fields: Vec<(&'static str, Value)>,
}

fn defined(name: &str) -> Value {
    json!({ "defined": { "name": name } })
}

fn bytes(len: usize) -> Value {
    json!({ "array": ["u8", len] })
}

fn engine_structs() -> Vec<Layout> {
    vec![
        Layout {
            name: "MarketHeader",
            docs: &[
                "The engine's market header: sizes, fees, status, sequence counters, fees.",
                "Volumes and swept fees are 128-bit: low word plus carry word.",
            ],
            fields: vec![
                ("base_lot_size", json!("u64")),
                ("quote_lot_size", json!("u64")),
                ("tick_size", json!("u64")),
                ("taker_fee_ppm", json!("u32")),
                ("maker_fee_ppm", json!("i32")),
                ("status", defined("MarketStatus")),
                ("_pad0", bytes(7)),
                ("next_order_seq", json!("u64")),
                ("next_emit_seq", json!("u64")),
                ("base_volume", json!("u64")),
                ("quote_volume", json!("u64")),
                ("next_trader_id", json!("u32")),
                ("open_traders", json!("u32")),
                ("accrued_fees", json!("u64")),
                ("swept_fees", json!("u64")),
                ("base_volume_carry", json!("u64")),
                ("quote_volume_carry", json!("u64")),
                ("swept_fees_carry", json!("u64")),
                ("_reserved", bytes(8)),
            ],
        },
        Layout {
            name: "Balances",
            docs: &["A trader's escrow in atoms; locked = resting orders and unconsumed fills."],
            fields: vec![
                ("free_base", json!("u64")),
                ("locked_base", json!("u64")),
                ("free_quote", json!("u64")),
                ("locked_quote", json!("u64")),
            ],
        },
        Layout {
            name: "OpenOrder",
            docs: &["One open-order slot of a trader (`in_use` 0 = free)."],
            fields: vec![
                ("order_seq", json!("u64")),
                ("client_order_id", json!("u64")),
                ("price", json!("u64")),
                ("node", json!("u32")),
                ("side", defined("Side")),
                ("in_use", json!("u8")),
                ("_pad", bytes(2)),
            ],
        },
        Layout {
            name: "TraderState",
            docs: &["The engine's state of one trader on one market."],
            fields: vec![
                ("trader_id", json!("u32")),
                ("open_orders", json!("u32")),
                ("balances", defined("Balances")),
                ("_reserved", bytes(24)),
                ("orders", json!({ "array": [defined("OpenOrder"), 32] })),
            ],
        },
        Layout {
            name: "SideHeader",
            docs: &[
                "A book side's header; `capacity + 1` `OrderNode`s follow it (node 0 is the",
                "nil sentinel). A red-black tree ordered best price first, then order id.",
            ],
            fields: vec![
                ("capacity", json!("u32")),
                ("count", json!("u32")),
                ("root", json!("u32")),
                ("best", json!("u32")),
                ("free_head", json!("u32")),
                ("bump", json!("u32")),
                ("prune_cursor", json!("u32")),
                ("_pad0", json!("u32")),
                ("side", defined("Side")),
                ("_reserved", bytes(31)),
            ],
        },
        Layout {
            name: "OrderNode",
            docs: &["A resting order in a book side's pool (`tag` 1 while in the tree)."],
            fields: vec![
                ("left", json!("u32")),
                ("right", json!("u32")),
                ("parent", json!("u32")),
                ("trader_id", json!("u32")),
                ("price", json!("u64")),
                ("seq", json!("u64")),
                ("base_lots", json!("u64")),
                ("expiry", json!("u64")),
                ("color", json!("u8")),
                ("tag", json!("u8")),
                ("slot", json!("u8")),
                ("_pad", json!("u8")),
                ("_reserved", bytes(12)),
            ],
        },
        Layout {
            name: "QueueHeader",
            docs: &["The event queue's header; a ring of `capacity` `QueueEvent`s follows it."],
            fields: vec![
                ("capacity", json!("u32")),
                ("count", json!("u32")),
                ("head", json!("u32")),
                ("_pad", json!("u32")),
                ("next_seq", json!("u64")),
                ("_reserved", bytes(40)),
            ],
        },
        Layout {
            name: "QueueEvent",
            docs: &["A maker event waiting for the crank (a fill, or an order out of the book)."],
            fields: vec![
                ("kind", defined("QueueEventKind")),
                ("maker_side", defined("Side")),
                ("maker_out", json!("u8")),
                ("out_reason", defined("OutReason")),
                ("maker_slot", json!("u8")),
                ("maker_expires", json!("u8")),
                ("_pad", bytes(2)),
                ("maker_trader_id", json!("u32")),
                ("taker_trader_id", json!("u32")),
                ("seq", json!("u64")),
                ("maker_order_seq", json!("u64")),
                ("price", json!("u64")),
                ("base_lots", json!("u64")),
                ("quote", json!("u64")),
                ("maker_fee", json!("i64")),
            ],
        },
    ]
}

/// The engine's `EventKind`, which the program has no use for as an Anchor type.
fn queue_event_kind() -> Value {
    json!({
        "name": "QueueEventKind",
        "docs": ["What a queued event is (the engine's `EventKind`)."],
        "type": { "kind": "enum", "variants": [
            { "name": "Fill" },
            { "name": "Out" },
            { "name": "AuctionFill" },
            { "name": "SealedFill" },
            { "name": "Posted" }
        ] }
    })
}

fn type_def(layout: Layout) -> Value {
    let fields: Vec<Value> = layout
        .fields
        .into_iter()
        .map(|(name, ty)| json!({ "name": name, "type": ty }))
        .collect();
    json!({
        "name": layout.name,
        "docs": layout.docs,
        "serialization": "bytemuck",
        "repr": { "kind": "c" },
        "type": { "kind": "struct", "fields": fields }
    })
}

/// Where the program keeps each engine struct as bytes: (account, field, engine type).
const BYTE_FIELDS: [(&str, &str, &str); 4] = [
    ("Market", "engine", "MarketHeader"),
    ("TraderAccount", "state", "TraderState"),
    ("BookSideAccount", "header", "SideHeader"),
    ("EventQueueAccount", "header", "QueueHeader"),
];

/// Add the engine's structs to the IDL's types and type the byte fields
/// that hold them.
pub fn type_engine_state(idl: &mut Idl) {
    let mut added: Vec<IdlTypeDef> = engine_structs()
        .into_iter()
        .map(type_def)
        .chain([queue_event_kind()])
        .map(|value| serde_json::from_value(value).expect("engine layouts are valid IDL types"))
        .collect();
    idl.types
        .retain(|ty| !added.iter().any(|new| new.name == ty.name));
    idl.types.append(&mut added);
    idl.types.sort_by(|a, b| a.name.cmp(&b.name));
    for (account, field, engine_type) in BYTE_FIELDS {
        retype_field(idl, account, field, engine_type);
    }
}

fn retype_field(idl: &mut Idl, account: &str, field: &str, engine_type: &str) {
    let def = idl
        .types
        .iter_mut()
        .find(|ty| ty.name == account)
        .unwrap_or_else(|| panic!("the IDL has no type {account}"));
    let IdlTypeDefTy::Struct {
        fields: Some(IdlDefinedFields::Named(fields)),
    } = &mut def.ty
    else {
        panic!("{account} is not a struct with named fields");
    };
    let target = fields
        .iter_mut()
        .find(|f| f.name == field)
        .unwrap_or_else(|| panic!("{account} has no field {field}"));
    target.ty = serde_json::from_value(defined(engine_type)).expect("a defined type");
    debug_assert!(matches!(target.ty, IdlType::Defined { .. }));
}
