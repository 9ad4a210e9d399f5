//! The keeper's spend rules against the attacks the security review found:
//! a market built to make the keeper pre-pay rewards that its creator then
//! collects, and a flood of events on a market that pays too little. The
//! keeper's own lamports are the judge.

use std::sync::Arc;

use anchor_lang::prelude::Pubkey;
use anchor_lang::solana_program::system_instruction;
use orderbook::instructions::PlaceOrderArgs;
use orderbook::types::{OrderType, SelfTradeMode, Side};
use orderbook_chain::Chain;
use orderbook_chain::rpc::RpcChain;
use orderbook_chain::scenario::{self, Funding, MarketSetup, TraderSetup};
use orderbook_client::{accounts as decode, ix};
use orderbook_keeper::spend::SpendLimits;
use orderbook_keeper::{Keeper, KeeperConfig};
use orderbook_test_support::node::LocalNode;
use solana_keypair::Keypair;
use solana_signer::Signer;

struct Arena {
    _node: LocalNode,
    chain: Arc<RpcChain>,
    payer: Keypair,
}

impl Arena {
    async fn new() -> Self {
        let node = LocalNode::start().await.expect("a node");
        let chain = Arc::new(node.chain());
        let payer = node.funded(1_000).await.expect("faucet");
        Self {
            _node: node,
            chain,
            payer,
        }
    }

    /// The chain's clock (`Clock::unix_timestamp`, which follows wall time).
    async fn now(&self) -> i64 {
        let clock = self
            .chain
            .account(&solana_sdk_ids::sysvar::clock::ID)
            .await
            .unwrap()
            .unwrap();
        let clock: anchor_lang::prelude::Clock = bincode::deserialize(&clock.data).unwrap();
        clock.unix_timestamp
    }

    /// Wait until the chain's clock is past `unix`.
    async fn wait_past(&self, unix: i64) {
        while self.now().await <= unix {
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
    }

    async fn market(&self, crank_reward_lamports: u64) -> MarketSetup {
        let args = orderbook::instructions::CreateMarketArgs {
            crank_reward_lamports,
            ..scenario::standard_market_args(self.payer.pubkey())
        };
        scenario::create_market(self.chain.as_ref(), &self.payer, args, 256, 512)
            .await
            .expect("market")
    }

    async fn trader(&self, m: &MarketSetup) -> TraderSetup {
        scenario::trader(
            self.chain.as_ref(),
            &self.payer,
            m,
            Funding {
                lamports: 10_000_000_000,
                base_atoms: 1_000_000_000,
                quote_atoms: 1_000_000_000,
                deposit_pct: 100,
            },
        )
        .await
        .expect("trader")
    }

    async fn keeper(&self, spend: SpendLimits) -> Keeper<RpcChain> {
        let kp = Keypair::new();
        scenario::send(
            self.chain.as_ref(),
            &self.payer,
            &[system_instruction::transfer(
                &self.payer.pubkey(),
                &kp.pubkey(),
                1_000_000_000,
            )],
            &[],
        )
        .await
        .expect("fund keeper");
        Keeper::new(
            self.chain.clone(),
            kp,
            KeeperConfig {
                priority_fee_percentile: 0,
                spend,
                ..KeeperConfig::default()
            },
        )
    }

    async fn lamports(&self, key: &Pubkey) -> u64 {
        self.chain
            .account(key)
            .await
            .unwrap()
            .map_or(0, |a| a.lamports)
    }

    async fn send(
        &self,
        ixs: &[anchor_lang::solana_program::instruction::Instruction],
        signer: &Keypair,
    ) {
        scenario::send(self.chain.as_ref(), &self.payer, ixs, &[signer])
            .await
            .expect("send");
    }

    async fn queue_len(&self, m: &MarketSetup) -> usize {
        let q = self
            .chain
            .account(&m.keys.event_queue)
            .await
            .unwrap()
            .unwrap();
        decode::event_queue(&q.data).unwrap().len()
    }
}

fn net_metric(k: &Keeper<RpcChain>, market: &Pubkey) -> i64 {
    k.metrics
        .net_lamports
        .with_label_values(&[&market.to_string()])
        .get()
}

/// Finding 1: a market with the highest crank reward and many one-lot
/// post-only orders that expire within seconds. The keeper used to send
/// `prune_expired`, pre-pay a reward per pruned order, and crank the events
/// only on its next pass, after the attacker had collected them. Now the
/// orders pre-pay their own exit, the keeper prunes and cranks in one
/// transaction, and the attacker racing it (pruning and cranking between the
/// keeper's passes) cannot make it lose a lamport.
#[tokio::test]
async fn the_keeper_cannot_be_drained_through_expiring_orders() {
    let arena = Arena::new().await;
    let reward = orderbook::state::MAX_CRANK_REWARD_LAMPORTS;
    let m = arena.market(reward).await;
    let attacker = arena.trader(&m).await;
    let expiry = arena.now().await + 2;
    let orders: Vec<PlaceOrderArgs> = (0..30)
        .map(|i| PlaceOrderArgs {
            expiry: expiry as u64,
            ..PlaceOrderArgs::new(Side::Ask, OrderType::PostOnly, 1_000 + i, 1)
        })
        .collect();
    scenario::place_all(arena.chain.as_ref(), &arena.payer, &m, &attacker, &orders)
        .await
        .expect("attack orders");
    arena.wait_past(expiry).await;

    let mut keeper = arena.keeper(SpendLimits::default()).await;
    let start = arena.lamports(&keeper.payer()).await;
    let owner = attacker.owner.insecure_clone();
    for round in 0..8 {
        // The attacker moves first every other round: prune alone (leaving
        // the events for whoever cranks), or prune and crank its own.
        let prune = ix::prune_expired(&owner.pubkey(), &m.keys, Side::Ask, 4);
        match round % 4 {
            0 => arena.send(&[prune], &owner).await,
            2 => {
                let crank = ix::consume_events(
                    &owner.pubkey(),
                    &m.keys.market,
                    &m.keys.event_queue,
                    &[attacker.account],
                    64,
                );
                arena.send(&[prune, crank], &owner).await;
            }
            _ => {}
        }
        keeper.pass().await.expect("pass");
    }
    let end = arena.lamports(&keeper.payer()).await;
    assert!(end >= start, "keeper lost {} lamports", start - end);
    assert_eq!(
        net_metric(&keeper, &m.keys.market),
        end as i64 - start as i64
    );
    let asks = arena.chain.account(&m.keys.asks).await.unwrap().unwrap();
    assert!(
        decode::book(&asks.data).unwrap().orders.is_empty(),
        "all expired orders pruned"
    );
    assert_eq!(arena.queue_len(&m).await, 0);
    // Every reward the attacker pre-paid went to whoever cranked; none of it
    // came out of the keeper.
    let market = decode::market(
        &arena
            .chain
            .account(&m.keys.market)
            .await
            .unwrap()
            .unwrap()
            .data,
    )
    .unwrap();
    assert_eq!(market.pending_crank_lamports, 0);
}

/// Finding 1: events flooded onto a market whose reward does not cover the
/// fee (self-trade `Out`s on a zero-reward market) are left alone unless the
/// operator subsidizes that market on purpose, and then only within its cap.
#[tokio::test]
async fn the_keeper_does_not_pay_for_unpaid_work_unless_told_to() {
    let arena = Arena::new().await;
    let m = arena.market(0).await;
    let flooder = arena.trader(&m).await;
    let asks: Vec<PlaceOrderArgs> = (0..16)
        .map(|i| PlaceOrderArgs::new(Side::Ask, OrderType::Limit, 100 + i, 1))
        .collect();
    scenario::place_all(arena.chain.as_ref(), &arena.payer, &m, &flooder, &asks)
        .await
        .expect("asks");
    let sweep = PlaceOrderArgs {
        self_trade: SelfTradeMode::CancelProvide,
        match_limit: 16,
        ..PlaceOrderArgs::new(Side::Bid, OrderType::ImmediateOrCancel, 200, 16)
    };
    scenario::place_all(arena.chain.as_ref(), &arena.payer, &m, &flooder, &[sweep])
        .await
        .expect("self-trade flood");
    assert_eq!(arena.queue_len(&m).await, 16);

    let mut keeper = arena.keeper(SpendLimits::default()).await;
    let start = arena.lamports(&keeper.payer()).await;
    let before = arena.chain.transaction_count().await.unwrap();
    for _ in 0..3 {
        keeper.pass().await.expect("pass");
    }
    assert_eq!(
        arena.chain.transaction_count().await.unwrap(),
        before,
        "no transaction sent"
    );
    assert_eq!(arena.lamports(&keeper.payer()).await, start);
    let refused = keeper
        .metrics
        .refused
        .with_label_values(&[&m.keys.market.to_string(), "crank", "unprofitable"])
        .get();
    assert_eq!(refused, 3);

    // Subsidized, with a cap of two transactions' fees per hour.
    let mut paid = arena
        .keeper(SpendLimits {
            subsidized: vec![m.keys.market],
            max_per_market_hour: 10_000,
            ..SpendLimits::default()
        })
        .await;
    paid.cfg.max_events_per_tx = 4;
    let start = arena.lamports(&paid.payer()).await;
    for _ in 0..3 {
        paid.pass().await.expect("pass");
    }
    assert_eq!(
        arena.queue_len(&m).await,
        8,
        "two transactions of four events"
    );
    assert_eq!(arena.lamports(&paid.payer()).await, start - 10_000);
    assert_eq!(net_metric(&paid, &m.keys.market), -10_000);
}
