//! commit_encrypted_order: a commitment like commit_order's, with the
//! order's ciphertext emitted (not stored) for keepers; refused on a market
//! that names no beacon and for a ciphertext out of range, changing nothing.

use orderbook::instructions::MAX_ORDER_CIPHERTEXT_BYTES;

use super::*;

const SALT: [u8; 32] = [4; 32];
/// Solana's largest transaction on the wire.
const PACKET_DATA_SIZE: usize = 1_232;

#[tokio::test]
async fn an_encrypted_commitment_takes_its_entry_and_emits_its_ciphertext_and_reveals_as_any() {
    let mut b = batch_market().await;
    b.w.env.set_slot(BATCH_START).await;
    let buyer = b.w.buyer.clone();
    let order = order(Side::Bid, OrderType::ImmediateOrCancel, 102, 3);
    let commitment = b.commitment(&buyer, &order, SALT);
    let ciphertext = vec![0xc1; MAX_ORDER_CIPHERTEXT_BYTES];
    let before = b.w.env.lamports(&buyer.key()).await;
    let ix = build::commit_encrypted_order(
        &buyer.key(),
        &b.w.market.keys.market,
        &b.batch,
        0,
        commitment,
        ciphertext.clone(),
    );
    // The longest ciphertext still fits a packet, with a fee payer other
    // than the owner (two signatures).
    let tx = b.w.env.sign(&[ix], &[&buyer.owner]).await.unwrap();
    let wire = 1 + 64 * tx.signatures.len() + tx.message_data().len();
    assert!(wire <= PACKET_DATA_SIZE, "{wire} bytes");
    let ev = b.w.env.process(tx).await.unwrap();
    let entry = match ev.as_slice() {
        [
            ProgramEvent::OrderCommitted(c),
            ProgramEvent::OrderEncrypted(e),
        ] => {
            assert_eq!((c.commitment, c.batch), (commitment, 0));
            assert_eq!((e.batch, e.entry, e.seq), (0, c.entry, c.seq + 1));
            assert_eq!(e.ciphertext, ciphertext);
            c.entry
        }
        other => panic!("{other:?}"),
    };
    assert_eq!(
        b.w.env.lamports(&buyer.key()).await,
        before - BOND - COMMIT_FEE,
        "bond and fee as for any commitment"
    );
    // Whoever decrypts it reveals it like any sealed order.
    b.w.env
        .set_slot(batch_clock().reveal_opens(0).unwrap())
        .await;
    let payer = b.w.env.payer().pubkey();
    let reveal = b.reveal_ix(&payer, &buyer, entry, order, SALT);
    let ev = b.w.env.send(&[reveal], &[]).await.unwrap();
    assert!(matches!(ev.as_slice(), [ProgramEvent::OrderRevealed(_)]));
}

#[tokio::test]
async fn without_a_beacon_or_with_a_ciphertext_out_of_range_it_is_refused_changing_nothing() {
    let mut b = batch_market().await;
    b.w.env.set_slot(BATCH_START).await;
    let buyer = b.w.buyer.clone();
    let k = b.w.market.keys.market;
    for (len, want) in [
        (0, E::CiphertextLength),
        (MAX_ORDER_CIPHERTEXT_BYTES + 1, E::CiphertextLength),
    ] {
        let ix =
            build::commit_encrypted_order(&buyer.key(), &k, &b.batch, 0, [1; 32], vec![1; len]);
        b.refused(ix, &[&buyer.owner], code(want)).await;
    }
    let mut plain = batch_market_with(orderbook::instructions::BatchModeArgs {
        beacon_chain_hash: [0; 32],
        ..batch_args()
    })
    .await;
    plain.w.env.set_slot(BATCH_START).await;
    let buyer = plain.w.buyer.clone();
    let k = plain.w.market.keys.market;
    let ix = build::commit_encrypted_order(&buyer.key(), &k, &plain.batch, 0, [1; 32], vec![1; 8]);
    plain.refused(ix, &[&buyer.owner], code(E::NoBeacon)).await;
    // Its plain commitments still work.
    plain.commit(&buyer, [1; 32]).await.unwrap();
}
