//! settle_trader: on a Closed market, the authority settles a trader who
//! holds funds (orders cancelled, balances and rent to the owner), and
//! anyone closes an empty trader account.

use super::*;

#[tokio::test]
async fn a_stranger_cannot_settle_an_account_holding_funds() {
    let mut f = closed_market_with_a_queued_fill().await;
    let (maker, k) = (f.maker.clone(), f.m.keys);
    let stranger = f.env.payer();
    let ix = settle_ix(&stranger.pubkey(), &maker, &k);
    f.refused(ix, &[], code(E::SettleNeedsAuthority)).await;
}

#[tokio::test]
async fn the_authority_cannot_settle_while_the_queue_owes_the_trader() {
    let mut f = closed_market_with_a_queued_fill().await;
    let (maker, k) = (f.maker.clone(), f.m.keys);
    let authority = f.m.authority.insecure_clone();
    let ix = settle_ix(&authority.pubkey(), &maker, &k);
    f.refused(ix, &[&authority], code(E::EventsPending)).await;
}

#[tokio::test]
async fn a_payout_to_a_token_account_not_the_owners_is_refused() {
    let mut f = closed_market_with_a_queued_fill().await;
    let (maker, taker, k) = (f.maker.clone(), f.taker.clone(), f.m.keys);
    f.crank().await;
    let authority = f.m.authority.insecure_clone();
    let mut ix = settle_ix(&authority.pubkey(), &maker, &k);
    ix.accounts[9].pubkey = taker.base_wallet;
    f.refused(ix, &[&authority], code(E::NotOwnersTokenAccount))
        .await;
}

#[tokio::test]
async fn the_authority_settles_a_funded_trader_cancelling_orders_and_refunding_rewards() {
    let mut f = closed_market_with_a_queued_fill().await;
    let (maker, k) = (f.maker.clone(), f.m.keys);
    f.crank().await;
    let authority = f.m.authority.insecure_clone();
    let balances = f.env.trader_state(&maker).await.balances;
    let base_before = f.env.token_balance(&maker.base_wallet).await;
    let quote_before = f.env.token_balance(&maker.quote_wallet).await;
    let lamports_before = f.env.lamports(&maker.key()).await;
    let rent = f.env.lamports(&maker.account).await;
    let ev = f
        .env
        .send(&[settle_ix(&authority.pubkey(), &maker, &k)], &[&authority])
        .await
        .unwrap();
    let cancelled = ev
        .iter()
        .filter(|e| matches!(e, ProgramEvent::OrderCancelled(_)))
        .count();
    assert_eq!(cancelled, 2);
    assert!(matches!(
        ev.last(),
        Some(ProgramEvent::TraderAccountClosed(_))
    ));
    let base = balances.free_base.get() + balances.locked_base.get();
    assert_eq!(
        f.env.token_balance(&maker.base_wallet).await,
        base_before + base
    );
    let quote = balances.free_quote.get();
    assert_eq!(
        f.env.token_balance(&maker.quote_wallet).await,
        quote_before + quote
    );
    // Its rent, and the reward its expiring order pre-paid.
    assert_eq!(
        f.env.lamports(&maker.key()).await,
        lamports_before + rent + f.reward
    );
    assert!(!f.env.exists(&maker.account).await);
}

#[tokio::test]
async fn anyone_closes_an_emptied_trader_account_and_its_rent_goes_to_the_owner() {
    let mut f = closed_market_with_a_queued_fill().await;
    let taker = f.taker.clone();
    f.crank().await;
    let rent = f.env.lamports(&taker.account).await;
    let before = f.env.lamports(&taker.key()).await;
    empty_and_settle_by_stranger(&mut f, &taker).await;
    assert_eq!(f.env.lamports(&taker.key()).await, before + rent);
    assert!(!f.env.exists(&taker.account).await);
}
