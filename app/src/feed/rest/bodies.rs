//! The request bodies of `POST /api/tx/*`: structs that refuse unknown
//! fields, with the field types a wallet sends (base58 keys, u64 amounts as
//! numbers or decimal strings, names for sides, tokens and order types), and
//! the [`Body`] extractor that names the offending field when one is wrong.

use std::fmt;

use anchor_lang::prelude::Pubkey;
use axum::Json;
use axum::extract::{FromRequest, Request};
use orderbook::types::{SelfTradeMode, TokenKind};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde::de::{self, Deserializer, Visitor};
use serde_json::Value;

use super::{ApiError, key_error};
pub(super) use crate::feed::wire::{OrderTypeName, SideName};

/// A base58 public key in a request body.
#[derive(Clone, Copy, Debug)]
pub(super) struct Key(pub(super) Pubkey);

impl<'de> Deserialize<'de> for Key {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse()
            .map(Key)
            .map_err(|_| de::Error::custom(key_error(&text)))
    }
}

/// A u64 as a JSON number or a decimal string (amounts past 2^53 do not fit
/// a JavaScript number).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct U64(pub(super) u64);

impl<'de> Deserialize<'de> for U64 {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct U64Visitor;
        impl Visitor<'_> for U64Visitor {
            type Value = U64;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a non-negative integer (number or decimal string)")
            }
            fn visit_u64<E: de::Error>(self, value: u64) -> Result<U64, E> {
                Ok(U64(value))
            }
            fn visit_str<E: de::Error>(self, text: &str) -> Result<U64, E> {
                text.parse()
                    .map(U64)
                    .map_err(|_| E::invalid_value(de::Unexpected::Str(text), &self))
            }
        }
        deserializer.deserialize_any(U64Visitor)
    }
}

/// 32 bytes as 64 hex digits (a sealed order's commitment or salt).
#[derive(Clone, Copy, Debug)]
pub(super) struct Hex32(pub(super) [u8; 32]);

impl<'de> Deserialize<'de> for Hex32 {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        let mut out = [0u8; 32];
        let valid = text.len() == 64
            && text.is_ascii()
            && out.iter_mut().enumerate().all(|(i, byte)| {
                u8::from_str_radix(&text[2 * i..2 * i + 2], 16)
                    .map(|b| *byte = b)
                    .is_ok()
            });
        if valid {
            Ok(Hex32(out))
        } else {
            Err(de::Error::custom(format!(
                "expected 32 bytes as 64 hex digits, got {text:?}"
            )))
        }
    }
}

/// `amount`, `price` and `base_lots` must be positive.
pub(super) fn positive(name: &str, value: U64) -> Result<u64, ApiError> {
    match value {
        U64(0) => Err(ApiError::bad(format!("`{name}` must be positive"))),
        U64(v) => Ok(v),
    }
}

#[derive(Clone, Copy, Debug, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(super) enum TokenName {
    Base,
    Quote,
}

impl From<TokenName> for TokenKind {
    fn from(token: TokenName) -> Self {
        match token {
            TokenName::Base => TokenKind::Base,
            TokenName::Quote => TokenKind::Quote,
        }
    }
}

#[derive(Clone, Copy, Debug, Default, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(super) enum SelfTradeName {
    #[default]
    DecrementTake,
    CancelProvide,
    Abort,
}

impl From<SelfTradeName> for SelfTradeMode {
    fn from(mode: SelfTradeName) -> Self {
        match mode {
            SelfTradeName::DecrementTake => SelfTradeMode::DecrementTake,
            SelfTradeName::CancelProvide => SelfTradeMode::CancelProvide,
            SelfTradeName::Abort => SelfTradeMode::AbortTransaction,
        }
    }
}

/// `top_up_wallet`: `true` for the owner's associated token account, or a
/// token account's address.
#[derive(Clone, Copy, Debug, Deserialize)]
#[serde(
    untagged,
    expecting = "true, false or a token account's base58 address"
)]
pub(super) enum TopUpWallet {
    Associated(bool),
    Account(Key),
}

/// Faucet body: the market whose tokens to mint, and to whom.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, expecting = "a JSON object with market and owner")]
pub struct FaucetBody {
    pub(super) market: Key,
    pub(super) owner: Key,
}

/// Deposit or withdraw body.
#[derive(Debug, Deserialize)]
#[serde(
    deny_unknown_fields,
    expecting = "a JSON object with market, owner, token, amount and optionally wallet"
)]
pub struct TransferBody {
    pub(super) market: Key,
    pub(super) owner: Key,
    pub(super) token: TokenName,
    pub(super) amount: U64,
    /// The owner's token account; default its associated token account.
    pub(super) wallet: Option<Key>,
}

/// Place body: the program's `PlaceOrderArgs` by name, with defaults.
#[derive(Debug, Deserialize)]
#[serde(
    deny_unknown_fields,
    expecting = "a JSON object with market, owner, side, price and base_lots"
)]
pub struct PlaceBody {
    pub(super) market: Key,
    pub(super) owner: Key,
    pub(super) side: SideName,
    #[serde(default)]
    pub(super) order_type: OrderTypeName,
    /// Limit price in ticks (optional for market orders).
    pub(super) price: Option<U64>,
    pub(super) base_lots: U64,
    pub(super) max_quote: Option<U64>,
    pub(super) client_order_id: Option<U64>,
    /// Unix seconds after which the order is void; 0 or absent = never.
    pub(super) expiry: Option<U64>,
    #[serde(default)]
    pub(super) self_trade: SelfTradeName,
    pub(super) match_limit: Option<U64>,
    pub(super) top_up_wallet: Option<TopUpWallet>,
}

/// Commit body (sealed batch markets): a sealed order's commitment, which
/// the wallet computes (the server never sees the order before its
/// reveal), and the batch it was hashed for.
#[derive(Debug, Deserialize)]
#[serde(
    deny_unknown_fields,
    expecting = "a JSON object with market, owner, batch and commitment"
)]
pub struct CommitBody {
    pub(super) market: Key,
    pub(super) owner: Key,
    pub(super) batch: U64,
    pub(super) commitment: Hex32,
}

/// A sealed order in the clear: what its commitment bound.
#[derive(Debug, Deserialize)]
#[serde(
    deny_unknown_fields,
    expecting = "a JSON object with side, order_type, price, base_lots and optionally client_order_id, expiry, self_trade"
)]
pub struct SealedOrderBody {
    pub(super) side: SideName,
    pub(super) order_type: OrderTypeName,
    pub(super) price: U64,
    pub(super) base_lots: U64,
    pub(super) client_order_id: Option<U64>,
    pub(super) expiry: Option<U64>,
    #[serde(default)]
    pub(super) self_trade: SelfTradeName,
}

/// Reveal body: a committed order, its salt and its batch account entry;
/// `revealer` (default the owner) signs and pays: anyone may reveal.
#[derive(Debug, Deserialize)]
#[serde(
    deny_unknown_fields,
    expecting = "a JSON object with market, owner, entry, order, salt and optionally revealer"
)]
pub struct RevealBody {
    pub(super) market: Key,
    pub(super) owner: Key,
    pub(super) revealer: Option<Key>,
    pub(super) entry: U64,
    pub(super) order: SealedOrderBody,
    pub(super) salt: Hex32,
}

/// Cancel body: one order, by the program's id or the owner's client id.
#[derive(Debug, Deserialize)]
#[serde(
    deny_unknown_fields,
    expecting = "a JSON object with market, owner and one of order_id, client_order_id"
)]
pub struct CancelBody {
    pub(super) market: Key,
    pub(super) owner: Key,
    pub(super) order_id: Option<U64>,
    pub(super) client_order_id: Option<U64>,
}

/// A JSON object body parsed into `T`. Anything else is a 400 that says
/// what is wrong and where (`amount: invalid type: ...`); serde alone would
/// also take a JSON array as the fields in order.
pub struct Body<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for Body<T> {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, ApiError> {
        let Json(value) = Json::<Value>::from_request(request, state).await?;
        if !value.is_object() {
            return Err(ApiError::bad("the body must be a JSON object"));
        }
        serde_path_to_error::deserialize(value)
            .map(Body)
            .map_err(|e| match e.path().to_string().as_str() {
                "." => ApiError::bad(e.inner().to_string()),
                path => ApiError::bad(format!("{path}: {}", e.inner())),
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex32(text: &str) -> Result<[u8; 32], String> {
        serde_json::from_value::<Hex32>(Value::String(text.into()))
            .map(|h| h.0)
            .map_err(|e| e.to_string())
    }

    #[test]
    fn a_commitment_or_salt_is_exactly_64_hex_digits() {
        let mut want = [0u8; 32];
        want[0] = 0xab;
        want[31] = 0x01;
        let text = format!("ab{}01", "00".repeat(30));
        assert_eq!(hex32(&text), Ok(want));
        assert_eq!(hex32(&text.to_uppercase()), Ok(want));
        for bad in [
            &text[..62],
            &format!("{text}00"),
            &format!("zz{}", &text[2..]),
            &format!("é{}", &text[2..]),
        ] {
            let error = hex32(bad).unwrap_err();
            assert!(error.contains("64 hex digits"), "{bad}: {error}");
        }
    }

    #[test]
    fn a_reveal_body_refuses_unknown_fields_and_names_the_bad_one() {
        let salt = "00".repeat(32);
        let body = serde_json::json!({
            "market": "11111111111111111111111111111111",
            "owner": "11111111111111111111111111111111",
            "entry": 3,
            "order": { "side": "bid", "order_type": "ioc", "price": "10", "base_lots": 1 },
            "salt": salt,
        });
        let parsed: RevealBody = serde_json::from_value(body.clone()).unwrap();
        assert_eq!((parsed.entry, parsed.order.price), (U64(3), U64(10)));
        let mut extra = body.clone();
        extra["order"]["max_quote"] = serde_json::json!(5);
        assert!(
            serde_json::from_value::<RevealBody>(extra).is_err(),
            "a sealed order has no quote budget"
        );
    }
}
