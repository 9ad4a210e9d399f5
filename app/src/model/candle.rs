//! OHLCV candles: what the indexer accumulates per batch and stores, and
//! what the feed keeps in memory for its candle channels.

/// Candle resolutions maintained, in seconds.
pub const CANDLE_RESOLUTIONS: [i64; 4] = [60, 300, 3_600, 86_400];

/// OHLCV of one bucket, prices in ticks: what the indexer accumulates per
/// batch and the feed keeps in memory.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Candle {
    pub open: i64,
    pub high: i64,
    pub low: i64,
    pub close: i64,
    pub base_lots: u128,
    pub quote: u128,
    pub trades: i64,
}

impl Candle {
    /// A bucket opened at `price`, with no volume yet.
    pub fn new(price: i64) -> Self {
        Self {
            open: price,
            high: price,
            low: price,
            close: price,
            base_lots: 0,
            quote: 0,
            trades: 0,
        }
    }

    /// Add one fill.
    pub fn add(&mut self, price: i64, base_lots: u64, quote: u64) {
        self.high = self.high.max(price);
        self.low = self.low.min(price);
        self.close = price;
        self.base_lots += u128::from(base_lots);
        self.quote += u128::from(quote);
        self.trades += 1;
    }

    /// Fold in `later`, the same bucket's fills that came after these.
    pub fn merge(&mut self, later: &Candle) {
        self.high = self.high.max(later.high);
        self.low = self.low.min(later.low);
        self.close = later.close;
        self.base_lots += later.base_lots;
        self.quote += later.quote;
        self.trades += later.trades;
    }
}

/// Start (unix seconds) of the `resolution`-second bucket holding `time`.
pub fn bucket_start(time: i64, resolution: i64) -> i64 {
    time - time.rem_euclid(resolution)
}
