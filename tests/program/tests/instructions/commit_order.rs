//! commit_order: a sealed order's commitment lands in the batch whose
//! commit window is open, the one it was hashed for; the owner pays the
//! bond and the commit fee.

use super::*;

#[tokio::test]
async fn a_commitment_shows_only_the_trader_and_the_batch_and_takes_the_bond_and_fee() {
    let mut b = batch_market().await;
    b.w.env.set_slot(BATCH_START).await;
    let buyer = b.w.buyer.clone();
    let before = (
        b.w.env.lamports(&buyer.key()).await,
        b.w.env.lamports(&b.batch).await,
    );
    let ev = b.commit(&buyer, [7; 32]).await.unwrap();
    assert!(matches!(
        ev.as_slice(),
        [ProgramEvent::OrderCommitted(e)] if e.batch == 0 && e.entry == 0 && e.commitment == [7; 32] && e.bond_lamports == BOND
    ));
    // The environment's payer pays the transaction fee.
    assert_eq!(
        b.w.env.lamports(&buyer.key()).await,
        before.0 - BOND - COMMIT_FEE
    );
    assert_eq!(
        b.w.env.lamports(&b.batch).await,
        before.1 + BOND + COMMIT_FEE
    );
    // The trader's balances are untouched: nothing locks.
    let state = b.w.env.trader_state(&buyer).await;
    assert_eq!(state.balances.locked_quote.get(), 0);
}

#[tokio::test]
async fn before_the_first_window_a_duplicate_or_over_the_cap_a_commitment_is_refused() {
    let mut b = batch_market().await;
    let buyer = b.w.buyer.clone();
    let k = b.w.market.keys.market;
    b.w.env.set_slot(BATCH_START - 1).await;
    let early = build::commit_order(&buyer.key(), &k, &b.batch, 0, [1; 32]);
    b.refused(early, &[&buyer.owner], code(E::BatchWindow))
        .await;
    b.w.env.set_slot(BATCH_START).await;
    b.commit(&buyer, [1; 32]).await.unwrap();
    let again = build::commit_order(&buyer.key(), &k, &b.batch, 0, [1; 32]);
    b.refused(again, &[&buyer.owner], code(E::DuplicateCommitment))
        .await;
    b.commit(&buyer, [2; 32]).await.unwrap();
    let third = build::commit_order(&buyer.key(), &k, &b.batch, 0, [3; 32]);
    b.refused(third, &[&buyer.owner], code(E::BatchEntryCap))
        .await;
}

#[tokio::test]
async fn a_commitment_landing_after_its_batchs_window_closed_is_refused_bond_untouched() {
    let mut b = batch_market().await;
    let buyer = b.w.buyer.clone();
    let k = b.w.market.keys.market;
    b.w.env
        .set_slot(batch_clock().commit_opens(1).unwrap())
        .await;
    let late = build::commit_order(&buyer.key(), &k, &b.batch, 0, [1; 32]);
    b.refused(late, &[&buyer.owner], code(E::BatchWindow)).await;
    let ahead = build::commit_order(&buyer.key(), &k, &b.batch, 2, [1; 32]);
    b.refused(ahead, &[&buyer.owner], code(E::BatchWindow))
        .await;
    let on_time = build::commit_order(&buyer.key(), &k, &b.batch, 1, [1; 32]);
    b.w.env.send(&[on_time], &[&buyer.owner]).await.unwrap();
}

#[tokio::test]
async fn a_continuous_market_takes_no_commitment_even_with_another_markets_batch_account() {
    let mut b = batch_market().await;
    b.w.env.set_slot(BATCH_START).await;
    let continuous = b.w.env.create_market(MarketCfg::default()).await;
    let trader = b.w.env.trader(&continuous, 0, 0).await;
    let ix = build::commit_order(&trader.key(), &continuous.keys.market, &b.batch, 0, [1; 32]);
    let mut watch = Env::market_watch(&continuous);
    watch.extend(trader.watch());
    watch.push(b.batch);
    b.w.env
        .expect_fail(&[ix], &[&trader.owner], code(E::NotBatchMarket), &watch)
        .await;
}
