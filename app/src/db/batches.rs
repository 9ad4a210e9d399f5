//! `batch_markets`, `batch_entries`, `batch_clears`: sealed batch markets
//! (issue 25). A committed entry's order fields stay NULL until its reveal.

use tokio_postgres::{GenericClient, Transaction};

use orderbook::types::Side;
use orderbook_engine::batch::EntryKind;

use super::{DbError, bigint_column, column, enum_column, num, u64_text};
use crate::model::effects::{BatchChanges, EntryChange};
use crate::model::{PendingEntry, StoredEnum};

/// A batch market's clock and parameters.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BatchClockRow {
    pub batch_account: String,
    pub start_slot: u64,
    pub commit_slots: u16,
    pub grace_slots: u16,
    pub reveal_slots: u16,
    pub entries_per_batch: u32,
    pub entries_per_trader: u16,
    pub bond_lamports: u64,
    pub commit_fee_lamports: u64,
}

/// What a batch not yet cleared holds, by entry kind.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct BatchCounts {
    pub batch: u64,
    /// Sealed orders, revealed or not.
    pub commitments: u32,
    pub revealed: u32,
    pub posts: u32,
    pub cancels: u32,
}

/// One batch's clear.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BatchClearRow {
    pub batch: u64,
    /// `None`: nothing crossed.
    pub price_ticks: Option<u64>,
    pub volume_base_lots: u64,
    pub revealed: u32,
    pub forfeited: u32,
    pub seq: u64,
}

pub async fn write(
    t: &Transaction<'_>,
    market: &str,
    changes: &BatchChanges<'_>,
) -> Result<(), DbError> {
    if let Some((seq, e)) = changes.enabled {
        t.execute(
            "INSERT INTO batch_markets (market, batch_account, start_slot, commit_slots, grace_slots,
                 reveal_slots, entries_per_batch, entries_per_trader, bond_lamports, commit_fee_lamports,
                 enabled_seq)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9::text::numeric, $10::text::numeric, $11)
             ON CONFLICT DO NOTHING",
            &[
                &market,
                &e.batch_account.to_string(),
                &crate::model::i64_of(e.start_slot)?,
                &i32::from(e.commit_slots),
                &i32::from(e.grace_slots),
                &i32::from(e.reveal_slots),
                &(e.entries_per_batch as i32),
                &i32::from(e.entries_per_trader),
                &num(e.bond_lamports),
                &num(e.commit_fee_lamports),
                &seq,
            ],
        )
        .await?;
    }
    insert_entries(t, market, &changes.entries).await?;
    reveal_entries(t, market, &changes.entries).await?;
    insert_clears(t, market, changes).await
}

/// The rows commits, posts and cancels add (reveals fill theirs in later).
async fn insert_entries(
    t: &Transaction<'_>,
    market: &str,
    entries: &[(i64, EntryChange<'_>)],
) -> Result<(), DbError> {
    let new: Vec<&(i64, EntryChange<'_>)> = entries
        .iter()
        .filter(|(_, e)| !matches!(e, EntryChange::Revealed(_)))
        .collect();
    if new.is_empty() {
        return Ok(());
    }
    let field = |f: fn(&EntryChange<'_>) -> Option<String>| column(&new, move |(_, e)| f(e));
    t.execute(
        "INSERT INTO batch_entries (market, batch, entry, trader_id, kind, commitment, side, price,
             max_base_lots, client_order_id, order_id, queued_seq)
         SELECT $1, u.batch, u.entry, u.tid, u.kind, u.commitment, u.side, u.price::bigint,
             u.lots::numeric, u.coid::numeric, u.oid::bigint, u.seq
         FROM UNNEST($2::bigint[], $3::int[], $4::int[], $5::text[], $6::bytea[], $7::int2[],
             $8::text[], $9::text[], $10::text[], $11::text[], $12::bigint[])
             AS u(batch, entry, tid, kind, commitment, side, price, lots, coid, oid, seq)
         ON CONFLICT DO NOTHING",
        &[
            &market,
            &bigint_column(&new, |(_, e)| e.key().0)?,
            &column(&new, |(_, e)| e.key().1 as i32),
            &column(&new, |(_, e)| trader_of(e) as i32),
            &column(&new, |(_, e)| kind_of(e)),
            &column(&new, |(_, e)| match e {
                EntryChange::Committed(c) => Some(c.commitment.to_vec()),
                _ => None,
            }),
            &column(&new, |(_, e)| match e {
                EntryChange::Post(p) => Some(p.side.code()),
                _ => None,
            }),
            &field(|e| match e {
                EntryChange::Post(p) => Some(num(p.price)),
                _ => None,
            }),
            &field(|e| match e {
                EntryChange::Post(p) => Some(num(p.base_lots)),
                _ => None,
            }),
            &field(|e| match e {
                EntryChange::Post(p) => Some(num(p.client_order_id)),
                _ => None,
            }),
            &field(|e| match e {
                EntryChange::Cancel(c) => Some(num(c.order_id)),
                _ => None,
            }),
            &column(&new, |(seq, _)| *seq),
        ],
    )
    .await?;
    Ok(())
}

/// Reveals fill in their committed rows' order fields.
async fn reveal_entries(
    t: &Transaction<'_>,
    market: &str,
    entries: &[(i64, EntryChange<'_>)],
) -> Result<(), DbError> {
    let reveals: Vec<(i64, &orderbook::events::OrderRevealed)> = entries
        .iter()
        .filter_map(|(seq, e)| match e {
            EntryChange::Revealed(r) => Some((*seq, *r)),
            _ => None,
        })
        .collect();
    if reveals.is_empty() {
        return Ok(());
    }
    t.execute(
        "UPDATE batch_entries b SET kind = 'revealed', side = u.side, order_type = u.ot,
             price = u.price::bigint, max_base_lots = u.lots::numeric, client_order_id = u.coid::numeric,
             revealed_seq = u.seq
         FROM UNNEST($2::bigint[], $3::int[], $4::int2[], $5::int2[], $6::text[], $7::text[],
             $8::text[], $9::bigint[])
             AS u(batch, entry, side, ot, price, lots, coid, seq)
         WHERE b.market = $1 AND b.batch = u.batch AND b.entry = u.entry",
        &[
            &market,
            &bigint_column(&reveals, |(_, r)| r.batch)?,
            &column(&reveals, |(_, r)| r.entry as i32),
            &column(&reveals, |(_, r)| r.side.code()),
            &column(&reveals, |(_, r)| r.order_type.code()),
            &column(&reveals, |(_, r)| num(r.price)),
            &column(&reveals, |(_, r)| num(r.max_base_lots)),
            &column(&reveals, |(_, r)| num(r.client_order_id)),
            &column(&reveals, |(seq, _)| *seq),
        ],
    )
    .await?;
    Ok(())
}

async fn insert_clears(
    t: &Transaction<'_>,
    market: &str,
    changes: &BatchChanges<'_>,
) -> Result<(), DbError> {
    let clears = &changes.clears;
    if clears.is_empty() {
        return Ok(());
    }
    t.execute(
        "INSERT INTO batch_clears (market, batch, price, volume_base_lots, revealed, forfeited,
             forfeited_lamports, clearer, seq)
         SELECT $1, u.batch, NULLIF(u.price, 0), u.volume::numeric, u.revealed, u.forfeited,
             u.forfeited_lamports::numeric, u.clearer, u.seq
         FROM UNNEST($2::bigint[], $3::bigint[], $4::text[], $5::int[], $6::int[], $7::text[],
             $8::text[], $9::bigint[])
             AS u(batch, price, volume, revealed, forfeited, forfeited_lamports, clearer, seq)
         ON CONFLICT DO NOTHING",
        &[
            &market,
            &bigint_column(clears, |(_, c)| c.batch)?,
            &bigint_column(clears, |(_, c)| c.price)?,
            &column(clears, |(_, c)| num(c.volume_base_lots)),
            &column(clears, |(_, c)| c.revealed as i32),
            &column(clears, |(_, c)| c.forfeited as i32),
            &column(clears, |(_, c)| num(c.forfeited_lamports)),
            &column(clears, |(_, c)| c.clearer.to_string()),
            &column(clears, |(seq, _)| *seq),
        ],
    )
    .await?;
    Ok(())
}

fn trader_of(e: &EntryChange<'_>) -> u32 {
    match e {
        EntryChange::Committed(c) => c.trader_id,
        EntryChange::Revealed(r) => r.trader_id,
        EntryChange::Post(p) => p.trader_id,
        EntryChange::Cancel(c) => c.trader_id,
    }
}

fn kind_of(e: &EntryChange<'_>) -> &'static str {
    PendingEntry::kind_name(match e {
        EntryChange::Committed(_) => EntryKind::Committed,
        EntryChange::Revealed(_) => EntryKind::Revealed,
        EntryChange::Post(_) => EntryKind::Post,
        EntryChange::Cancel(_) => EntryKind::Cancel,
    })
}

/// Every entry of the batches not yet cleared, by (batch, entry index).
pub async fn pending_entries(
    db: &impl GenericClient,
    market: &str,
) -> Result<Vec<((u64, u32), PendingEntry)>, DbError> {
    let rows = db
        .query(
            "SELECT e.batch, e.entry, e.trader_id, e.kind, e.commitment, e.side, e.price,
                 e.max_base_lots::text, e.order_id
             FROM batch_entries e
             WHERE e.market = $1 AND NOT EXISTS (
                 SELECT 1 FROM batch_clears c WHERE c.market = e.market AND c.batch = e.batch)
             ORDER BY e.batch, e.entry",
            &[&market],
        )
        .await?;
    rows.iter().map(pending_entry).collect()
}

fn pending_entry(r: &tokio_postgres::Row) -> Result<((u64, u32), PendingEntry), DbError> {
    let bad = |what: &str| DbError::Corrupt(format!("batch_entries {what}"));
    let kind_text: String = r.try_get(3)?;
    let kind = PendingEntry::kind_named(&kind_text).ok_or_else(|| bad("kind"))?;
    let commitment = match r.try_get::<_, Option<Vec<u8>>>(4)? {
        Some(bytes) => Some(<[u8; 32]>::try_from(bytes).map_err(|_| bad("commitment"))?),
        None => None,
    };
    let order = match r.try_get::<_, Option<i16>>(5)? {
        Some(_) => {
            let side: Side = enum_column(r, 5)?;
            let price: i64 = r.try_get(6)?;
            let price = u64::try_from(price).map_err(|_| bad("price"))?;
            Some((side, price, u64_text(r, 7)?))
        }
        None => None,
    };
    let cancels = r
        .try_get::<_, Option<i64>>(8)?
        .map(|id| u64::try_from(id).map_err(|_| bad("order_id")))
        .transpose()?;
    let key = (
        u64::try_from(r.try_get::<_, i64>(0)?).map_err(|_| bad("batch"))?,
        u32::try_from(r.try_get::<_, i32>(1)?).map_err(|_| bad("entry"))?,
    );
    let trader_id = u32::try_from(r.try_get::<_, i32>(2)?).map_err(|_| bad("trader_id"))?;
    Ok((
        key,
        PendingEntry {
            trader_id,
            kind,
            commitment,
            order,
            cancels,
        },
    ))
}

/// The market's batch clock, if it is a batch market.
pub async fn clock(
    db: &impl GenericClient,
    market: &str,
) -> Result<Option<BatchClockRow>, DbError> {
    let row = db
        .query_opt(
            "SELECT batch_account, start_slot, commit_slots, grace_slots, reveal_slots,
                 entries_per_batch, entries_per_trader, bond_lamports::text, commit_fee_lamports::text
             FROM batch_markets WHERE market = $1",
            &[&market],
        )
        .await?;
    row.map(|r| {
        let small = |i: usize| u16::try_from(r.get::<_, i32>(i)).map_err(|_| corrupt(i));
        Ok(BatchClockRow {
            batch_account: r.get(0),
            start_slot: u64::try_from(r.get::<_, i64>(1)).map_err(|_| corrupt(1))?,
            commit_slots: small(2)?,
            grace_slots: small(3)?,
            reveal_slots: small(4)?,
            entries_per_batch: u32::try_from(r.get::<_, i32>(5)).map_err(|_| corrupt(5))?,
            entries_per_trader: small(6)?,
            bond_lamports: u64_text(&r, 7)?,
            commit_fee_lamports: u64_text(&r, 8)?,
        })
    })
    .transpose()
}

fn corrupt(column: usize) -> DbError {
    DbError::Corrupt(format!("batch_markets column {column} out of range"))
}

/// The batches not yet cleared that hold entries, oldest first.
pub async fn open(db: &impl GenericClient, market: &str) -> Result<Vec<BatchCounts>, DbError> {
    let rows = db
        .query(
            "SELECT e.batch,
                 count(*) FILTER (WHERE e.kind IN ('committed', 'revealed'))::int,
                 count(*) FILTER (WHERE e.kind = 'revealed')::int,
                 count(*) FILTER (WHERE e.kind = 'post')::int,
                 count(*) FILTER (WHERE e.kind = 'cancel')::int
             FROM batch_entries e
             WHERE e.market = $1 AND NOT EXISTS (
                 SELECT 1 FROM batch_clears c WHERE c.market = e.market AND c.batch = e.batch)
             GROUP BY e.batch ORDER BY e.batch",
            &[&market],
        )
        .await?;
    Ok(rows
        .iter()
        .map(|r| BatchCounts {
            batch: r.get::<_, i64>(0) as u64,
            commitments: r.get::<_, i32>(1) as u32,
            revealed: r.get::<_, i32>(2) as u32,
            posts: r.get::<_, i32>(3) as u32,
            cancels: r.get::<_, i32>(4) as u32,
        })
        .collect())
}

/// The `limit` newest clears, oldest first.
pub async fn recent_clears(
    db: &impl GenericClient,
    market: &str,
    limit: i64,
) -> Result<Vec<BatchClearRow>, DbError> {
    let rows = db
        .query(
            "SELECT batch, price, volume_base_lots::text, revealed, forfeited, seq FROM (
                 SELECT * FROM batch_clears WHERE market = $1 ORDER BY batch DESC LIMIT $2) c
             ORDER BY batch",
            &[&market, &limit],
        )
        .await?;
    rows.iter()
        .map(|r| {
            Ok(BatchClearRow {
                batch: r.get::<_, i64>(0) as u64,
                price_ticks: r.get::<_, Option<i64>>(1).map(|p| p as u64),
                volume_base_lots: u64_text(r, 2)?,
                revealed: r.get::<_, i32>(3) as u32,
                forfeited: r.get::<_, i32>(4) as u32,
                seq: r.get::<_, i64>(5) as u64,
            })
        })
        .collect()
}

/// Entry `entry` of `batch` (its kind), and the batch's clear if it is
/// cleared; `None` when the indexer holds no such entry.
pub async fn entry_with_clear(
    db: &impl GenericClient,
    market: &str,
    batch: u64,
    entry: u32,
) -> Result<Option<(String, Option<BatchClearRow>)>, DbError> {
    let batch_i64 = crate::model::i64_of(batch).map_err(|e| DbError::Corrupt(e.to_string()))?;
    let row = db
        .query_opt(
            "SELECT e.kind, c.batch IS NOT NULL, c.price, c.volume_base_lots::text, c.revealed,
                 c.forfeited, c.seq
             FROM batch_entries e
             LEFT JOIN batch_clears c ON c.market = e.market AND c.batch = e.batch
             WHERE e.market = $1 AND e.batch = $2 AND e.entry = $3",
            &[&market, &batch_i64, &(entry as i32)],
        )
        .await?;
    let Some(r) = row else { return Ok(None) };
    let kind: String = r.try_get(0)?;
    let clear = if r.try_get::<_, bool>(1)? {
        Some(BatchClearRow {
            batch,
            price_ticks: r.try_get::<_, Option<i64>>(2)?.map(|p| p as u64),
            volume_base_lots: u64_text(&r, 3)?,
            revealed: r.try_get::<_, i32>(4)? as u32,
            forfeited: r.try_get::<_, i32>(5)? as u32,
            seq: r.try_get::<_, i64>(6)? as u64,
        })
    } else {
        None
    };
    Ok(Some((kind, clear)))
}
