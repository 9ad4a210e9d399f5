//! The `balances` table: each touched trader's balances, re-read from its
//! account on chain (events say what changed, the account says what is).

use std::collections::BTreeSet;

use anchor_lang::prelude::Pubkey;
use orderbook_chain::Chain;
use orderbook_engine::TraderState;
use tokio_postgres::Transaction;

use super::BalanceRow;
use super::effects::Effects;
use super::tables::num;
use crate::indexer::IndexError;

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
    let traders = trader_accounts(t, &m, &ids).await?;
    let keys: Vec<Pubkey> = traders.iter().map(|(_, _, account)| *account).collect();
    let accounts = chain.accounts(&keys).await?;
    let mut out = Vec::with_capacity(traders.len());
    for ((trader_id, owner, _), account) in traders.into_iter().zip(accounts) {
        let state = account
            .and_then(|a| orderbook_client::accounts::trader(&a.data).ok())
            .map(|decoded| *decoded.state());
        let row = balance_row(trader_id, owner, state.as_ref());
        store(t, &m, &row, as_of_seq).await?;
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
        let first = consumed.first_queue_seq;
        for r in t
            .query(
                "SELECT DISTINCT trader_id FROM queue_owners
                 WHERE market = $1 AND queue_seq >= $2 AND queue_seq < $3",
                &[&market, &first, &(first + i64::from(consumed.count))],
            )
            .await?
        {
            ids.insert(r.get(0));
        }
    }
    Ok(ids.into_iter().collect())
}

/// (trader id, owner, trader account) of each id known to the `traders` table.
async fn trader_accounts(
    t: &Transaction<'_>,
    market: &str,
    ids: &[i32],
) -> Result<Vec<(u32, Pubkey, Pubkey)>, IndexError> {
    let parse = |s: &str| {
        s.parse::<Pubkey>()
            .map_err(|e| IndexError::Corrupt(format!("{s}: {e}")))
    };
    t.query(
        "SELECT trader_id, owner, trader_account FROM traders WHERE market = $1 AND trader_id = ANY($2)",
        &[&market, &ids],
    )
    .await?
    .iter()
    .map(|r| {
        let (id, owner, account): (i32, String, String) = (r.get(0), r.get(1), r.get(2));
        Ok((id as u32, parse(&owner)?, parse(&account)?))
    })
    .collect()
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

/// Write `row` to the `balances` table (a closed trader's row is deleted).
async fn store(
    t: &Transaction<'_>,
    market: &str,
    row: &BalanceRow,
    as_of_seq: i64,
) -> Result<(), IndexError> {
    let trader_id = row.trader_id as i32;
    if row.closed {
        t.execute(
            "DELETE FROM balances WHERE market = $1 AND trader_id = $2",
            &[&market, &trader_id],
        )
        .await?;
        return Ok(());
    }
    t.execute(
        "INSERT INTO balances (market, trader_id, owner, base_free, base_locked, quote_free, quote_locked,
             open_orders, as_of_seq)
         VALUES ($1, $2, $3, $4::text::numeric, $5::text::numeric, $6::text::numeric, $7::text::numeric, $8, $9)
         ON CONFLICT (market, trader_id) DO UPDATE SET base_free = EXCLUDED.base_free,
             base_locked = EXCLUDED.base_locked, quote_free = EXCLUDED.quote_free,
             quote_locked = EXCLUDED.quote_locked, open_orders = EXCLUDED.open_orders,
             as_of_seq = EXCLUDED.as_of_seq",
        &[
            &market,
            &trader_id,
            &row.owner.to_string(),
            &num(row.base_free),
            &num(row.base_locked),
            &num(row.quote_free),
            &num(row.quote_locked),
            &(row.open_orders as i32),
            &as_of_seq,
        ],
    )
    .await?;
    Ok(())
}
