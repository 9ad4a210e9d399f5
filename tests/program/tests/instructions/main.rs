//! Each instruction's success path and its error paths. Every failing
//! transaction is checked to leave every watched account (market accounts,
//! vaults, wallets, trader accounts, signers' lamports) byte-for-byte unchanged.
//! One module per instruction (or pair of instructions), one test binary.

mod cancel;
mod close_trader_account;
mod consume_events;
mod create_market;
mod deposit_withdraw;
mod open_trader_account;
mod place_order;
mod prune_expired_and_sweep_fees;
mod set_market_status;

use anchor_lang::error::ErrorCode as Anchor;
use orderbook::error::OrderbookError as E;
use orderbook::types::TokenKind;
use orderbook_client::events::ProgramEvent;
use orderbook_client::pda;
use orderbook_program_tests::*;

/// A market with two traders: the seller holds base, the buyer quote, both deposited.
struct TwoTraders {
    env: Env,
    market: TestMarket,
    seller: TestTrader,
    buyer: TestTrader,
}

async fn two_traders() -> TwoTraders {
    let mut env = Env::start().await;
    let market = env.create_market(MarketCfg::default()).await;
    let seller = env.trader(&market, 100_000_000, 1_000_000).await;
    let buyer = env.trader(&market, 1_000_000, 100_000_000).await;
    env.deposit(&market, &seller, TokenKind::Base, 50_000_000)
        .await
        .unwrap();
    env.deposit(&market, &buyer, TokenKind::Quote, 50_000_000)
        .await
        .unwrap();
    TwoTraders {
        env,
        market,
        seller,
        buyer,
    }
}

impl TwoTraders {
    fn watch(&self) -> Vec<anchor_lang::prelude::Pubkey> {
        let mut w = Env::market_watch(&self.market);
        w.extend(self.seller.watch());
        w.extend(self.buyer.watch());
        w
    }
    async fn place(
        &mut self,
        t: &TestTrader,
        args: PlaceOrderArgs,
    ) -> Result<Vec<ProgramEvent>, TxError> {
        self.env
            .send(
                &[build::place_order(&t.key(), &self.market.keys, args, None)],
                &[&t.owner],
            )
            .await
    }
    async fn fail(
        &mut self,
        ix: anchor_lang::solana_program::instruction::Instruction,
        signer: &Kp,
        want: TxError,
    ) {
        let watch = self.watch();
        self.env.expect_fail(&[ix], &[signer], want, &watch).await;
    }
}

fn seqs(events: &[ProgramEvent]) -> Vec<u64> {
    events.iter().map(|e| e.seq().1).collect()
}

fn placed_id(ev: &[ProgramEvent]) -> u64 {
    ev.iter()
        .find_map(|e| match e {
            ProgramEvent::OrderPlaced(p) => Some(p.order_id),
            _ => None,
        })
        .expect("an OrderPlaced event")
}
