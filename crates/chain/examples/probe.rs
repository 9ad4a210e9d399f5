use std::time::Instant;

use anchor_lang::solana_program::system_instruction;
use orderbook_chain::Chain;
use orderbook_chain::in_process::InProcessChain;
use solana_keypair::{Keypair, Signer};

#[tokio::main]
async fn main() {
    let chain = InProcessChain::start().await;
    let payer = chain.payer();
    for i in 0..5u64 {
        let to = Keypair::new().pubkey();
        let t = Instant::now();
        let bh = chain.latest_blockhash().await.unwrap();
        let t1 = t.elapsed();
        let tx = solana_transaction::Transaction::new_signed_with_payer(
            &[system_instruction::transfer(
                &payer.pubkey(),
                &to,
                1_000_000 + i,
            )],
            Some(&payer.pubkey()),
            &[&payer],
            bh,
        );
        chain.send_and_confirm(&tx).await.unwrap();
        println!("blockhash {:?} total {:?}", t1, t.elapsed());
    }
}
