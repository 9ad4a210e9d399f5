//! clear_batch: anyone clears a batch once its reveal window is over; its
//! orders trade at one price and settle through the crank.

use super::*;

const SALT: [u8; 32] = [5; 32];

impl BatchMarket {
    /// Commit `order` for `t` in batch 0 and reveal it (sent by the payer).
    async fn sealed(&mut self, t: &TestTrader, order: PlaceOrderArgs) {
        self.w.env.set_slot(BATCH_START).await;
        let commitment = self.commitment(t, &order, SALT);
        let entry = self.commit_entry(t, commitment).await;
        self.w
            .env
            .set_slot(batch_clock().reveal_opens(0).unwrap())
            .await;
        let payer = self.w.env.payer().pubkey();
        let ix = self.reveal_ix(&payer, t, entry, order, SALT);
        self.w.env.send(&[ix], &[]).await.unwrap();
    }

    fn clear_ix(&self, clearer: &Pubkey) -> Instruction {
        build::clear_batch(clearer, &self.w.market.keys, &self.batch)
    }
}

#[tokio::test]
async fn two_sealed_orders_trade_at_one_price_and_settle_through_the_crank() {
    let mut b = batch_market().await;
    let (buyer, seller) = (b.w.buyer.clone(), b.w.seller.clone());
    b.sealed(
        &buyer,
        order(Side::Bid, OrderType::ImmediateOrCancel, 102, 3),
    )
    .await;
    b.sealed(
        &seller,
        order(Side::Ask, OrderType::ImmediateOrCancel, 100, 5),
    )
    .await;
    b.w.env
        .set_slot(batch_clock().clearable_from(0).unwrap())
        .await;
    let clearer = b.w.env.payer();
    let before = b.w.env.lamports(&clearer.pubkey()).await;
    let ev =
        b.w.env
            .send(&[b.clear_ix(&clearer.pubkey())], &[])
            .await
            .unwrap();
    // Volume 3 from 100 to 102, the least imbalance everywhere (2 lots),
    // no reference yet (nothing traded, no book): the lower price.
    let cleared = match ev.first() {
        Some(ProgramEvent::BatchCleared(c)) => c.clone(),
        other => panic!("{other:?}"),
    };
    assert_eq!(
        (cleared.price, cleared.volume_base_lots, cleared.revealed),
        (100, 3, 2)
    );
    let fills = ev
        .iter()
        .filter(
            |e| matches!(e, ProgramEvent::SealedFilled(f) if f.price == 100 && f.base_lots == 3),
        )
        .count();
    assert_eq!(fills, 2);
    // The clearer got the two commit fees and pre-paid the events' rewards.
    let reward = b.w.env.market(&b.w.market).await.crank_reward_lamports;
    let queued = ev.len() as u64 - 1;
    let fee = 5_000;
    assert_eq!(
        b.w.env.lamports(&clearer.pubkey()).await,
        before + 2 * COMMIT_FEE - queued * reward - fee
    );
    // The crank settles both: the buyer holds 3 lots of base, the seller
    // 3 × 100 × 10 = 3,000 quote atoms less the taker fee; no lock is left.
    let k = b.w.market.keys;
    let crank = build::consume_events(
        &clearer.pubkey(),
        &k.market,
        &k.event_queue,
        &[buyer.account, seller.account],
        64,
    );
    b.w.env.send(&[crank], &[]).await.unwrap();
    let (bs, ss) = (
        b.w.env.trader_state(&buyer).await,
        b.w.env.trader_state(&seller).await,
    );
    assert_eq!(
        (
            bs.balances.locked_quote.get(),
            ss.balances.locked_base.get()
        ),
        (0, 0)
    );
    assert_eq!(bs.balances.free_base.get(), 3 * 1_000);
    assert_eq!(ss.balances.free_quote.get(), 3_000 - 2);
}

#[tokio::test]
async fn a_clear_before_the_reveal_window_ends_is_refused_and_changes_nothing() {
    let mut b = batch_market().await;
    let buyer = b.w.buyer.clone();
    b.sealed(
        &buyer,
        order(Side::Bid, OrderType::ImmediateOrCancel, 102, 3),
    )
    .await;
    b.w.env
        .set_slot(batch_clock().clearable_from(0).unwrap() - 1)
        .await;
    let payer = b.w.env.payer();
    let ix = b.clear_ix(&payer.pubkey());
    b.refused(ix, &[], code(E::BatchWindow)).await;
}

#[tokio::test]
async fn an_unrevealed_commitment_forfeits_its_bond_to_the_batch_account() {
    let mut b = batch_market().await;
    let buyer = b.w.buyer.clone();
    b.w.env.set_slot(BATCH_START).await;
    b.commit(&buyer, [3; 32]).await.unwrap();
    b.w.env
        .set_slot(batch_clock().clearable_from(0).unwrap())
        .await;
    let payer = b.w.env.payer();
    let held = b.w.env.lamports(&b.batch).await;
    let ev =
        b.w.env
            .send(&[b.clear_ix(&payer.pubkey())], &[])
            .await
            .unwrap();
    assert!(matches!(
        ev.as_slice(),
        [ProgramEvent::BatchCleared(c)] if c.forfeited == 1 && c.forfeited_lamports == BOND && c.clearer_paid_lamports == COMMIT_FEE
    ));
    // The bond stays, forfeited; the commit fee went to the clearer.
    assert_eq!(b.w.env.lamports(&b.batch).await, held - COMMIT_FEE);
}
