//! sweep_forfeits: the fee authority, and only it, takes the bonds that
//! unrevealed sealed orders forfeited.

use super::*;

impl BatchMarket {
    /// Batch 0 with one commitment never revealed, cleared: its bond forfeited.
    async fn forfeited(&mut self) {
        let buyer = self.w.buyer.clone();
        self.w.env.set_slot(BATCH_START).await;
        self.commit(&buyer, [3; 32]).await.unwrap();
        self.clear(0).await;
    }

    fn sweep_ix(&self, signer: &Pubkey, destination: &Pubkey) -> Instruction {
        build::sweep_forfeits(signer, &self.w.market.keys.market, &self.batch, destination)
    }
}

#[tokio::test]
async fn the_fee_authority_takes_the_forfeited_bonds_once() {
    let mut b = batch_market().await;
    b.forfeited().await;
    let fee_authority = b.w.market.fee_authority.insecure_clone();
    let destination = Pubkey::new_unique();
    let held = b.w.env.lamports(&b.batch).await;
    let ix = b.sweep_ix(&fee_authority.pubkey(), &destination);
    let ev = b.w.env.send(&[ix], &[&fee_authority]).await.unwrap();
    assert!(matches!(
        ev.as_slice(),
        [ProgramEvent::ForfeitsSwept(s)] if s.lamports == BOND && s.destination == destination
    ));
    assert_eq!(b.w.env.lamports(&destination).await, BOND);
    assert_eq!(b.w.env.lamports(&b.batch).await, held - BOND);
    // Nothing is left to take: a second sweep moves nothing.
    let again = b.sweep_ix(&fee_authority.pubkey(), &destination);
    let ev = b.w.env.send(&[again], &[&fee_authority]).await.unwrap();
    assert!(matches!(ev.as_slice(), [ProgramEvent::ForfeitsSwept(s)] if s.lamports == 0));
    assert_eq!(b.w.env.lamports(&destination).await, BOND);
}

#[tokio::test]
async fn anyone_but_this_markets_fee_authority_is_refused_and_nothing_moves() {
    let mut b = batch_market().await;
    b.forfeited().await;
    let seller = b.w.seller.clone();
    let ix = b.sweep_ix(&seller.key(), &seller.key());
    b.refused(ix, &[&seller.owner], code(E::NotFeeAuthority))
        .await;
    // The market authority is not the fee authority either.
    let authority = b.w.market.authority.insecure_clone();
    let ix = b.sweep_ix(&authority.pubkey(), &authority.pubkey());
    b.refused(ix, &[&authority], code(E::NotFeeAuthority)).await;
    // Another market's fee authority, naming this batch account with its
    // own (continuous) market.
    let continuous = b.w.env.create_market(MarketCfg::default()).await;
    let other_fees = continuous.fee_authority.insecure_clone();
    let ix = build::sweep_forfeits(
        &other_fees.pubkey(),
        &continuous.keys.market,
        &b.batch,
        &other_fees.pubkey(),
    );
    b.refused(ix, &[&other_fees], code(E::NotBatchMarket)).await;
}
