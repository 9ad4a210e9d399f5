//! The program's enums as the database stores them: a `smallint` holding
//! the variant's index, which is also its borsh byte in events and the
//! engine's stored byte (see `orderbook::types`).

use orderbook::types::{MarketStatus, OrderType, Side, TokenKind};

/// An enum column: written with [`StoredEnum::code`], read back with
/// `db::enum_column`, which refuses a code no variant has.
pub trait StoredEnum: Copy + Sized + 'static {
    /// Every variant, in declaration order.
    const VARIANTS: &'static [Self];
    const COLUMN: &'static str;

    fn code(self) -> i16;

    fn from_code(code: i16) -> Option<Self> {
        Self::VARIANTS.iter().copied().find(|v| v.code() == code)
    }
}

macro_rules! stored_enum {
    ($name:ident, $column:literal, [$($variant:ident),+]) => {
        impl StoredEnum for $name {
            const VARIANTS: &'static [Self] = &[$($name::$variant),+];
            const COLUMN: &'static str = $column;

            fn code(self) -> i16 {
                self as i16
            }
        }
    };
}

stored_enum!(Side, "side", [Bid, Ask]);
stored_enum!(TokenKind, "token", [Base, Quote]);
stored_enum!(MarketStatus, "status", [Active, PostOnly, Paused, Closed]);
stored_enum!(
    OrderType,
    "order_type",
    [
        Limit,
        PostOnly,
        PostOnlySlide,
        ImmediateOrCancel,
        FillOrKill,
        Market
    ]
);

/// A side as the feed and REST name it.
pub const fn side_name(side: Side) -> &'static str {
    match side {
        Side::Bid => "bid",
        Side::Ask => "ask",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use anchor_lang::AnchorSerialize;

    fn codes_are_borsh_bytes<E: StoredEnum + AnchorSerialize>() {
        for (index, variant) in E::VARIANTS.iter().enumerate() {
            let code = variant.code();
            assert_eq!(usize::try_from(code).unwrap(), index);
            assert_eq!(
                anchor_lang::prelude::borsh::to_vec(variant).unwrap(),
                [code as u8]
            );
            assert_eq!(E::from_code(code).map(|v| v.code()), Some(code));
        }
        assert!(E::from_code(E::VARIANTS.len() as i16).is_none());
        assert!(E::from_code(-1).is_none());
    }

    #[test]
    fn every_stored_enum_round_trips_through_its_code() {
        codes_are_borsh_bytes::<Side>();
        codes_are_borsh_bytes::<TokenKind>();
        codes_are_borsh_bytes::<MarketStatus>();
        codes_are_borsh_bytes::<OrderType>();
    }
}
