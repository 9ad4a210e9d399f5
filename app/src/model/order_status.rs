//! An order's status as the `orders` table and the feed's L3 channel name it.

use orderbook_engine::OutReason;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OrderStatus {
    Open,
    Filled,
    Cancelled,
    Expired,
    Evicted,
    SelfTrade,
}

impl OrderStatus {
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Open => "open",
            Self::Filled => "filled",
            Self::Cancelled => "cancelled",
            Self::Expired => "expired",
            Self::Evicted => "evicted",
            Self::SelfTrade => "self_trade",
        }
    }

    /// After `OrderPlaced`: resting if it posted lots, else filled in full
    /// or cancelled (an IOC/market remainder, a post-only that would cross).
    pub fn after_placement(posted_lots: u64, filled_lots: u64, max_lots: u64) -> Self {
        if posted_lots > 0 {
            Self::Open
        } else if filled_lots == max_lots {
            Self::Filled
        } else {
            Self::Cancelled
        }
    }

    /// After a maker fill, which took the order out or not.
    pub fn after_fill(maker_out: bool) -> Self {
        if maker_out { Self::Filled } else { Self::Open }
    }

    /// After an `OrderOut` event with `reason` (as the event carries it)
    /// that did or did not remove the order. A reason the engine does not
    /// define is read as self-trade prevention, the only other way out, so
    /// a hostile event cannot stop the indexer.
    pub fn after_out(reason: u8, order_gone: bool) -> Self {
        if !order_gone {
            return Self::Open;
        }
        match OutReason::try_from(reason) {
            Ok(OutReason::Expired) => Self::Expired,
            Ok(OutReason::Evicted) => Self::Evicted,
            Ok(OutReason::SelfTrade) | Err(_) => Self::SelfTrade,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_follow_the_events() {
        assert_eq!(OrderStatus::after_placement(3, 0, 3), OrderStatus::Open);
        assert_eq!(OrderStatus::after_placement(0, 3, 3), OrderStatus::Filled);
        assert_eq!(
            OrderStatus::after_placement(0, 1, 3),
            OrderStatus::Cancelled
        );
        assert_eq!(OrderStatus::after_fill(true).as_str(), "filled");
        assert_eq!(OrderStatus::after_out(0, true).as_str(), "expired");
        assert_eq!(OrderStatus::after_out(1, true).as_str(), "evicted");
        assert_eq!(OrderStatus::after_out(2, true).as_str(), "self_trade");
        assert_eq!(OrderStatus::after_out(200, true).as_str(), "self_trade");
        assert_eq!(OrderStatus::after_out(0, false), OrderStatus::Open);
    }
}
