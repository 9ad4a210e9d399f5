//! An order's status as the `orders` table and the feed's L3 channel name it.

use orderbook::types::OutReason;

/// By name on every wire (`rename_all`), and in the `orders.status` column.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
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

    /// The status named `name` (as [`OrderStatus::as_str`] writes it).
    pub fn from_name(name: &str) -> Option<Self> {
        [
            Self::Open,
            Self::Filled,
            Self::Cancelled,
            Self::Expired,
            Self::Evicted,
            Self::SelfTrade,
        ]
        .into_iter()
        .find(|s| s.as_str() == name)
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

    /// After an `OrderOut` event that did or did not remove the order.
    pub fn after_out(reason: OutReason, order_gone: bool) -> Self {
        if !order_gone {
            return Self::Open;
        }
        match reason {
            OutReason::Expired => Self::Expired,
            OutReason::Evicted => Self::Evicted,
            OutReason::SelfTrade => Self::SelfTrade,
            // Batch markets: a queued cancel, or an entry whose unfilled rest
            // was released (as an IOC remainder is cancelled).
            OutReason::Cancelled | OutReason::Released => Self::Cancelled,
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
        let out = |reason| OrderStatus::after_out(reason, true).as_str();
        assert_eq!(out(OutReason::Expired), "expired");
        assert_eq!(out(OutReason::Evicted), "evicted");
        assert_eq!(out(OutReason::SelfTrade), "self_trade");
        assert_eq!(out(OutReason::Cancelled), "cancelled");
        assert_eq!(out(OutReason::Released), "cancelled");
        assert_eq!(
            OrderStatus::after_out(OutReason::Expired, false),
            OrderStatus::Open
        );
    }
}
