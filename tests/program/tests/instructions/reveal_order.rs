//! reveal_order: anyone holding a committed order and its salt reveals it
//! in its batch's reveal window; its funds lock and the bond goes back.

use super::*;

const SALT: [u8; 32] = [9; 32];

fn ioc_bid() -> PlaceOrderArgs {
    order(Side::Bid, OrderType::ImmediateOrCancel, 100, 3)
}

/// `b`'s buyer commits `order` with `SALT` in batch 0; returns its entry.
async fn committed(b: &mut BatchMarket, order: &PlaceOrderArgs) -> u32 {
    b.w.env.set_slot(BATCH_START).await;
    let buyer = b.w.buyer.clone();
    let commitment = b.commitment(&buyer, order, SALT);
    b.commit_entry(&buyer, commitment).await
}

#[tokio::test]
async fn a_stranger_reveals_for_the_trader_whose_funds_lock_and_whose_bond_comes_back() {
    let mut b = batch_market().await;
    let entry = committed(&mut b, &ioc_bid()).await;
    b.w.env
        .set_slot(batch_clock().reveal_opens(0).unwrap())
        .await;
    let revealer = b.w.env.payer();
    let buyer = b.w.buyer.clone();
    let before = b.w.env.lamports(&buyer.key()).await;
    let ix = b.reveal_ix(&revealer.pubkey(), &buyer, entry, ioc_bid(), SALT);
    let ev = b.w.env.send(&[ix], &[]).await.unwrap();
    assert!(matches!(
        ev.as_slice(),
        [ProgramEvent::OrderRevealed(e)] if e.entry == entry && e.revealer == revealer.pubkey() && e.bond_refunded_lamports == BOND && e.price == 100
    ));
    assert_eq!(b.w.env.lamports(&buyer.key()).await, before + BOND);
    // 3 lots × 100 ticks × 1 × 10 atoms = 3,000, plus the taker fee rounded up.
    let state = b.w.env.trader_state(&buyer).await;
    assert_eq!(state.balances.locked_quote.get(), 3_000 + 2);
    // Revealed once.
    let again = b.reveal_ix(&revealer.pubkey(), &buyer, entry, ioc_bid(), SALT);
    b.refused(again, &[], code(E::NotCommitted)).await;
}

#[tokio::test]
async fn outside_the_reveal_window_with_another_salt_or_order_or_owner_a_reveal_is_refused() {
    let mut b = batch_market().await;
    let entry = committed(&mut b, &ioc_bid()).await;
    let (buyer, seller) = (b.w.buyer.clone(), b.w.seller.clone());
    let payer = b.w.env.payer().pubkey();
    let clock = batch_clock();
    // In the grace (no reveals yet) and once the batch may be cleared.
    for slot in [
        clock.grace_opens(0).unwrap(),
        clock.clearable_from(0).unwrap(),
    ] {
        b.w.env.set_slot(slot).await;
        let ix = b.reveal_ix(&payer, &buyer, entry, ioc_bid(), SALT);
        b.refused(ix, &[], code(E::BatchWindow)).await;
    }
    b.w.env.set_slot(clock.reveal_opens(0).unwrap()).await;
    let wrong_salt = b.reveal_ix(&payer, &buyer, entry, ioc_bid(), [8; 32]);
    b.refused(wrong_salt, &[], code(E::CommitmentMismatch))
        .await;
    let other_price = order(Side::Bid, OrderType::ImmediateOrCancel, 101, 3);
    let wrong_order = b.reveal_ix(&payer, &buyer, entry, other_price, SALT);
    b.refused(wrong_order, &[], code(E::CommitmentMismatch))
        .await;
    // The seller's account is not the committing trader's: another owner.
    let foreign = b.reveal_ix(&payer, &seller, entry, ioc_bid(), SALT);
    b.refused(foreign, &[], code(E::ForeignEntry)).await;
}

#[tokio::test]
async fn a_sealed_fill_or_kill_or_an_unaffordable_order_is_refused_at_its_reveal() {
    let mut b = batch_market().await;
    let fok = order(Side::Bid, OrderType::FillOrKill, 100, 3);
    let entry = committed(&mut b, &fok).await;
    let huge = order(Side::Bid, OrderType::ImmediateOrCancel, 100, 1_000_000_000);
    let buyer = b.w.buyer.clone();
    let huge_commitment = b.commitment(&buyer, &huge, SALT);
    let huge_entry = b.commit_entry(&buyer, huge_commitment).await;
    b.w.env
        .set_slot(batch_clock().reveal_opens(0).unwrap())
        .await;
    let payer = b.w.env.payer().pubkey();
    let ix = b.reveal_ix(&payer, &buyer, entry, fok, SALT);
    b.refused(ix, &[], code(E::SealedOrderType)).await;
    let ix = b.reveal_ix(&payer, &buyer, huge_entry, huge, SALT);
    b.refused(ix, &[], code(E::InsufficientFunds)).await;
}
