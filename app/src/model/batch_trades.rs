//! The trades of a sealed batch clear, as `fills` rows (issue 25). A clear
//! fills every participant at one price without pairing them: a resting
//! order's `AuctionFilled`, a sealed order's `SealedFilled`. For the tape,
//! the candles and each trader's fills, the buyers and sellers of a clear
//! are paired in event order into maker/taker trades whose lots add up to
//! the clear's volume once, not twice.
//!
//! Roles: a resting order is the maker and the sealed order it met the
//! taker; two sealed orders trade with the seller as maker and the buyer as
//! taker. A sealed order has no book order id (0). Each trade is keyed by
//! the sequence number of a fill event it completes (every trade completes
//! at least one, each event is completed once, so keys never collide), and
//! each fill's fee is split over its trades pro rata, the completing trade
//! taking the remainder, so the trades' fees add up to the events'.

use anchor_lang::prelude::Pubkey;
use orderbook::events::OrderFilled;
use orderbook::types::Side;

/// One filled participant of a clear, as its event tells it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BatchFill {
    pub seq: u64,
    pub queue_seq: u64,
    pub trader_id: u32,
    pub side: Side,
    /// The resting order's id; `None` for a sealed order.
    pub resting_order: Option<u64>,
    pub base_lots: u64,
    /// Quote atoms at the clearing price.
    pub quote: u64,
    /// Positive: a fee; negative: a rebate.
    pub fee: i64,
}

/// A participant's fill not yet paired: lots left and fee not yet assigned.
struct Open {
    fill: BatchFill,
    lots_left: u64,
    fee_left: i64,
}

impl Open {
    fn new(fill: BatchFill) -> Self {
        Self {
            fill,
            lots_left: fill.base_lots,
            fee_left: fill.fee,
        }
    }

    /// Take `lots` of this fill; returns their fee (the remainder when they
    /// complete it) and whether they do.
    fn take(&mut self, lots: u64) -> (i64, bool) {
        self.lots_left -= lots;
        if self.lots_left == 0 {
            return (std::mem::take(&mut self.fee_left), true);
        }
        let share = i128::from(self.fill.fee) * i128::from(lots) / i128::from(self.fill.base_lots);
        let share = share as i64; // |share| <= |fee|
        self.fee_left -= share;
        (share, false)
    }
}

/// The trades of one clear at `price` on `market`, from its fills in event
/// order; fills of one side with nothing to meet (never, for a clear that
/// balances) are left out.
pub fn pair(market: Pubkey, price: u64, fills: &[BatchFill]) -> Vec<OrderFilled> {
    let side = |s: Side| {
        fills
            .iter()
            .filter(move |f| f.side == s && f.base_lots > 0)
            .map(|f| Open::new(*f))
            .collect::<Vec<_>>()
    };
    let (mut buys, mut sells) = (side(Side::Bid), side(Side::Ask));
    let (mut b, mut s) = (0, 0);
    let mut trades = Vec::new();
    while b < buys.len() && s < sells.len() {
        let (buy, sell) = (&mut buys[b], &mut sells[s]);
        let lots = buy.lots_left.min(sell.lots_left);
        let per_lot = buy.fill.quote / buy.fill.base_lots;
        let (buy_fee, buy_done) = buy.take(lots);
        let (sell_fee, sell_done) = sell.take(lots);
        let completed = if buy_done { &buy.fill } else { &sell.fill };
        let (maker, maker_fee, taker, taker_fee) = if buy.fill.resting_order.is_some() {
            (&buy.fill, buy_fee, &sell.fill, sell_fee)
        } else {
            (&sell.fill, sell_fee, &buy.fill, buy_fee)
        };
        trades.push(OrderFilled {
            market,
            seq: completed.seq,
            queue_seq: completed.queue_seq,
            maker_trader_id: maker.trader_id,
            taker_trader_id: taker.trader_id,
            maker_order_id: maker.resting_order.unwrap_or(0),
            taker_order_id: 0,
            taker_side: taker.side,
            price,
            base_lots: lots,
            quote: lots * per_lot,
            taker_fee: taker_fee.unsigned_abs(),
            maker_fee,
            maker_out: false,
        });
        b += usize::from(buy_done);
        s += usize::from(sell_done);
    }
    trades
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fill(seq: u64, side: Side, resting: Option<u64>, lots: u64, fee: i64) -> BatchFill {
        BatchFill {
            seq,
            queue_seq: seq + 100,
            trader_id: seq as u32,
            side,
            resting_order: resting,
            base_lots: lots,
            quote: lots * 1_000,
            fee,
        }
    }

    #[test]
    fn trades_add_up_to_the_volume_once_with_unique_keys_and_every_fee() {
        // A sealed bid of 5 meets two resting asks (2 and 3); a sealed ask
        // of 4 meets a sealed bid of 4.
        let fills = [
            fill(10, Side::Bid, None, 5, 7),
            fill(11, Side::Ask, Some(900), 2, -1),
            fill(12, Side::Ask, Some(901), 3, -2),
            fill(13, Side::Bid, None, 4, 5),
            fill(14, Side::Ask, None, 4, 5),
        ];
        let trades = pair(Pubkey::default(), 100, &fills);
        let lots: u64 = trades.iter().map(|t| t.base_lots).sum();
        assert_eq!(lots, 9, "the clear's volume, once");
        let mut keys: Vec<u64> = trades.iter().map(|t| t.seq).collect();
        keys.dedup();
        assert_eq!(keys.len(), trades.len(), "keys never collide");
        let fees: i64 = trades
            .iter()
            .map(|t| t.taker_fee as i64 + t.maker_fee)
            .sum();
        assert_eq!(fees, fills.iter().map(|f| f.fee).sum::<i64>());
        // Resting orders are makers; sealed against sealed, the seller is.
        assert_eq!(
            trades
                .iter()
                .map(|t| (t.maker_order_id, t.taker_side, t.base_lots))
                .collect::<Vec<_>>(),
            vec![(900, Side::Bid, 2), (901, Side::Bid, 3), (0, Side::Bid, 4)]
        );
        assert_eq!(
            (trades[2].maker_trader_id, trades[2].taker_trader_id),
            (14, 13)
        );
        assert!(
            trades
                .iter()
                .all(|t| t.quote == t.base_lots * 1_000 && t.price == 100)
        );
    }

    #[test]
    fn a_resting_bid_is_the_maker_of_a_sealed_ask() {
        let fills = [
            fill(20, Side::Ask, None, 3, 2),
            fill(21, Side::Bid, Some(77), 3, -1),
        ];
        let trades = pair(Pubkey::default(), 50, &fills);
        assert_eq!(trades.len(), 1);
        let t = &trades[0];
        assert_eq!(
            (
                t.maker_order_id,
                t.maker_trader_id,
                t.taker_side,
                t.taker_fee,
                t.maker_fee
            ),
            (77, 21, Side::Ask, 2, -1)
        );
    }
}
