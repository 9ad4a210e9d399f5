//! queue_cancel: a maker's cancel on a sealed batch market applies at its
//! batch's clear, before anything crosses.

use super::*;

/// The seller's ask posted at batch 0's clear; returns its order id.
async fn resting_ask(b: &mut BatchMarket) -> u64 {
    let seller = b.w.seller.clone();
    b.w.env.set_slot(BATCH_START).await;
    b.post(&seller, order(Side::Ask, OrderType::PostOnly, 100, 5))
        .await
        .unwrap();
    let ev = b.clear(0).await;
    b.crank().await;
    ev.iter()
        .find_map(|e| match e {
            ProgramEvent::OrderPosted(p) => Some(p.order_id),
            _ => None,
        })
        .expect("posted")
}

#[tokio::test]
async fn a_queued_cancel_removes_the_order_at_its_batchs_clear_and_the_crank_frees_the_lock() {
    let mut b = batch_market().await;
    let id = resting_ask(&mut b).await;
    let seller = b.w.seller.clone();
    // The last slot before batch 1's reveals: the cancel lands in batch 1.
    let slot = batch_clock().reveal_opens(1).unwrap() - 1;
    b.w.env.set_slot(slot).await;
    let ix = build::queue_cancel(&seller.key(), &b.w.market.keys, &b.batch, id);
    let ev = b.w.env.send(&[ix], &[&seller.owner]).await.unwrap();
    assert!(
        matches!(ev.as_slice(), [ProgramEvent::CancelQueued(c)] if c.batch == 1 && c.order_id == id)
    );
    // Still on the book until the clear.
    assert_eq!(
        b.w.env
            .trader_state(&seller)
            .await
            .balances
            .locked_base
            .get(),
        5_000
    );
    let ev = b.clear(1).await;
    assert!(ev.iter().any(|e| matches!(e, ProgramEvent::OrderOut(o) if o.order_id == id && o.reason == orderbook::types::OutReason::Cancelled)));
    b.crank().await;
    let state = b.w.env.trader_state(&seller).await;
    assert_eq!(
        (state.balances.locked_base.get(), state.open_orders),
        (0, 0)
    );
}

#[tokio::test]
async fn a_cancel_of_an_unknown_order_or_queued_twice_is_refused() {
    let mut b = batch_market().await;
    let id = resting_ask(&mut b).await;
    let seller = b.w.seller.clone();
    let k = b.w.market.keys;
    b.w.env
        .set_slot(batch_clock().reveal_opens(1).unwrap() - 1)
        .await;
    let unknown = build::queue_cancel(&seller.key(), &k, &b.batch, id + 1);
    b.refused(unknown, &[&seller.owner], code(E::OrderNotFound))
        .await;
    let first = build::queue_cancel(&seller.key(), &k, &b.batch, id);
    b.w.env.send(&[first], &[&seller.owner]).await.unwrap();
    let again = build::queue_cancel(&seller.key(), &k, &b.batch, id);
    b.refused(again, &[&seller.owner], code(E::CancelQueued))
        .await;
    // Another trader cannot cancel it.
    let buyer = b.w.buyer.clone();
    let foreign = build::queue_cancel(&buyer.key(), &k, &b.batch, id);
    b.refused(foreign, &[&buyer.owner], code(E::OrderNotFound))
        .await;
}
