//! Each touched trader's balances, re-read from its account on chain
//! (events say what changed, the account says what is) and stored.

use std::collections::BTreeSet;

use anchor_lang::prelude::Pubkey;
use orderbook_chain::Chain;
use orderbook_engine::TraderState;
use tokio_postgres::Transaction;

use super::IndexError;
use crate::db;
use crate::model::{BalanceRow, Effects};

/// Re-read the balances of every trader the batch touched and store them;
/// returns the rows written.
pub async fn refresh<C: Chain + ?Sized>(
    t: &Transaction<'_>,
    market: &Pubkey,
    effects: &Effects<'_>,
    as_of_seq: i64,
    chain: &C,
) -> Result<Vec<BalanceRow>, IndexError> {
    let m = market.to_string();
    let ids = touched_traders(t, &m, effects).await?;
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let traders = db::traders::by_ids(t, &m, &ids).await?;
    let keys: Vec<Pubkey> = traders.iter().map(|trader| trader.trader_account).collect();
    let accounts = chain.accounts(&keys).await?;
    let mut out = Vec::with_capacity(traders.len());
    for (trader, account) in traders.into_iter().zip(accounts) {
        let state = account
            .and_then(|a| orderbook_client::accounts::trader(&a.data).ok())
            .map(|decoded| *decoded.state());
        let row = balance_row(trader.trader_id, trader.owner, state.as_ref());
        db::balances::store(t, &m, &row, as_of_seq).await?;
        out.push(row);
    }
    Ok(out)
}

/// The traders the events name, and the makers of the events a crank applied.
async fn touched_traders(
    t: &Transaction<'_>,
    market: &str,
    effects: &Effects<'_>,
) -> Result<Vec<i32>, IndexError> {
    let mut ids: BTreeSet<i32> = effects
        .touched_traders
        .iter()
        .map(|&id| id as i32)
        .collect();
    for consumed in &effects.consumed {
        let makers =
            db::queue_owners::in_range(t, market, consumed.first_queue_seq, consumed.count).await?;
        ids.extend(makers);
    }
    Ok(ids.into_iter().collect())
}

/// A trader's balances from its account; `None` (the account is gone) is a closed row.
fn balance_row(trader_id: u32, owner: Pubkey, state: Option<&TraderState>) -> BalanceRow {
    match state {
        Some(s) => BalanceRow {
            trader_id,
            owner,
            base_free: s.balances.free_base.get(),
            base_locked: s.balances.locked_base.get(),
            quote_free: s.balances.free_quote.get(),
            quote_locked: s.balances.locked_quote.get(),
            open_orders: s.open_orders,
            closed: false,
        },
        None => BalanceRow {
            trader_id,
            owner,
            base_free: 0,
            base_locked: 0,
            quote_free: 0,
            quote_locked: 0,
            open_orders: 0,
            closed: true,
        },
    }
}
