//! queue_post_only: a maker's quote on a sealed batch market rests at its
//! batch's clear, before anything crosses.

use super::*;

#[tokio::test]
async fn a_queued_post_rests_at_the_clear_and_a_sealed_bid_fills_against_it_at_one_price() {
    let mut b = batch_market().await;
    let (buyer, seller) = (b.w.buyer.clone(), b.w.seller.clone());
    b.w.env.set_time(NOW).await;
    b.w.env.set_slot(BATCH_START).await;
    let ask = PlaceOrderArgs {
        client_order_id: 77,
        expiry: (NOW + 600) as u64,
        ..order(Side::Ask, OrderType::PostOnly, 100, 5)
    };
    let ev = b.post(&seller, ask).await.unwrap();
    assert!(
        matches!(ev.as_slice(), [ProgramEvent::PostQueued(p)] if p.batch == 0 && p.base_lots == 5)
    );
    // The ask's base locks at once.
    assert_eq!(
        b.w.env
            .trader_state(&seller)
            .await
            .balances
            .locked_base
            .get(),
        5_000
    );
    // A sealed bid in the same batch.
    let bid = order(Side::Bid, OrderType::ImmediateOrCancel, 101, 3);
    let commitment = b.commitment(&buyer, &bid, [4; 32]);
    let entry = b.commit_entry(&buyer, commitment).await;
    b.w.env
        .set_slot(batch_clock().reveal_opens(0).unwrap())
        .await;
    let payer = b.w.env.payer().pubkey();
    let reveal = b.reveal_ix(&payer, &buyer, entry, bid, [4; 32]);
    b.w.env.send(&[reveal], &[]).await.unwrap();
    let ev = b.clear(0).await;
    let posted = ev.iter().find_map(|e| match e {
        ProgramEvent::OrderPosted(p) => Some(p.clone()),
        _ => None,
    });
    // It carries what the maker queued, for an indexer to show.
    assert!(
        matches!(&posted, Some(p) if p.client_order_id == 77 && p.order_type == OrderType::PostOnly
            && p.expiry == (NOW + 600) as u64 && p.base_lots == 5),
        "{ev:?}"
    );
    let posted = posted.map(|p| p.order_id);
    assert!(ev.iter().any(
        |e| matches!(e, ProgramEvent::BatchCleared(c) if c.price == 100 && c.volume_base_lots == 3)
    ));
    assert!(
        ev.iter().any(
            |e| matches!(e, ProgramEvent::AuctionFilled(f) if f.base_lots == 3 && !f.order_gone)
        )
    );
    b.crank().await;
    // The seller sold 3 lots at 100 (3,000 atoms; the 100 ppm rebate rounds
    // to 0) and keeps 2 lots resting; the buyer holds 3 lots.
    let (ss, bs) = (
        b.w.env.trader_state(&seller).await,
        b.w.env.trader_state(&buyer).await,
    );
    assert_eq!(ss.balances.locked_base.get(), 2_000);
    assert_eq!(bs.balances.free_base.get(), 3_000);
    // The posted order is the seller's, by the id the crank wrote.
    assert!(
        ss.orders
            .iter()
            .any(|o| o.in_use != 0 && Some(o.order_seq) == posted)
    );
}

#[tokio::test]
async fn only_affordable_post_only_orders_queue() {
    let mut b = batch_market().await;
    let seller = b.w.seller.clone();
    b.w.env.set_slot(BATCH_START).await;
    let k = b.w.market.keys.market;
    let limit = build::queue_post_only(
        &seller.key(),
        &k,
        &b.batch,
        order(Side::Ask, OrderType::Limit, 100, 5),
    );
    b.refused(limit, &[&seller.owner], code(E::SealedOrderType))
        .await;
    let unaffordable = order(Side::Ask, OrderType::PostOnly, 100, 1_000_000_000);
    let ix = build::queue_post_only(&seller.key(), &k, &b.batch, unaffordable);
    b.refused(ix, &[&seller.owner], code(E::InsufficientFunds))
        .await;
}
