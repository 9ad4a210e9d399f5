//! A market's view as the database has it, at its ingest cursor.

use anchor_lang::prelude::Pubkey;
use tokio_postgres::Client;

use super::auction::{Auction, RECENT_CLEARS};
use super::{MarketView, RECENT_CANDLES, RECENT_TRADES};
use crate::db::{self, DbError};
use crate::feed::wire;

impl MarketView {
    /// Every table read in one repeatable-read transaction, so all are
    /// seen at the same point.
    pub async fn load(db: &mut Client, market: Pubkey) -> Result<Self, DbError> {
        let m = market.to_string();
        let mut view = Self::empty(market);
        let t = db
            .build_transaction()
            .isolation_level(tokio_postgres::IsolationLevel::RepeatableRead)
            .read_only(true)
            .start()
            .await?;
        view.seq = db::cursor::last_seq(&t, &m).await?;
        for order in db::orders::resting(&t, &m).await? {
            view.book.add(order);
        }
        for trader in db::traders::open(&t, &m).await? {
            view.set_owner(trader.trader_id, trader.owner);
        }
        for row in db::balances::all(&t, &m).await? {
            view.balances.insert(row.trader_id, row);
        }
        let newest_first = db::fills::before(&t, &m, i64::MAX, RECENT_TRADES as i64).await?;
        view.trades = newest_first.iter().rev().map(wire::Trade::from).collect();
        view.candles = db::candles::newest(&t, &m, RECENT_CANDLES as i64)
            .await?
            .into_iter()
            .collect();
        view.auction = Auction::load(
            db::batches::clock(&t, &m).await?,
            db::batches::open(&t, &m).await?,
            db::batches::recent_clears(&t, &m, RECENT_CLEARS as i64).await?,
        );
        t.commit().await?;
        Ok(view)
    }
}
