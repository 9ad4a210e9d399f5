//! The strategies run under the batch mode's rules. Each acts on the same
//! information as in the continuous book; the batch clock decides which
//! batch its orders land in.

use orderbook_engine::Side;
use orderbook_engine::auction::BatchPhase;

use super::{BatchMarket, Queued, Rules, Sealed};
use crate::continuous::{ADVERSARY, ALL_LOTS, VICTIM};
use crate::scenario::{MAKERS, Outcome, Quote, Scenario};

/// Batches one scenario runs (the victim's, and those reactions land in).
const BATCHES: u64 = 4;
/// The victim commits in batch 0.
const VICTIM_BATCH: u64 = 0;

/// Orders and queued actions per batch, and who committed what.
#[derive(Default, Clone)]
struct Plan {
    queued: Vec<(u64, Queued)>,
    sealed: Vec<(u64, Sealed)>,
    /// Commitments never revealed: (batch, trader).
    withheld: Vec<(u64, u32)>,
}

impl Plan {
    fn victim(s: &Scenario) -> Self {
        let mut plan = Self::default();
        plan.commit(VICTIM_BATCH, victim_order(s));
        plan
    }
    fn commit(&mut self, k: u64, o: Sealed) {
        self.sealed.push((k, o));
    }
    fn withhold(&mut self, k: u64, trader: u32) {
        self.withheld.push((k, trader));
    }
    fn queue(&mut self, k: u64, q: Queued) {
        self.queued.push((k, q));
    }
    /// Run every batch in turn on the scenario's book: commit fees for every
    /// commitment, bonds forfeited for the withheld ones.
    fn run(&self, rules: &Rules, bids: &[Quote], asks: &[Quote]) -> BatchMarket {
        let mut m = BatchMarket::new(rules, bids, asks);
        for &(_, o) in &self.sealed {
            m.pay(o.trader, -rules.commit_fee);
        }
        for &(_, trader) in &self.withheld {
            m.pay(trader, -rules.commit_fee - rules.bond);
        }
        for k in 0..BATCHES {
            let queued: Vec<Queued> = self
                .queued
                .iter()
                .filter(|q| q.0 == k)
                .map(|q| q.1)
                .collect();
            let sealed: Vec<Sealed> = self
                .sealed
                .iter()
                .filter(|o| o.0 == k)
                .map(|o| o.1)
                .collect();
            let withheld: Vec<u32> = self
                .withheld
                .iter()
                .filter(|w| w.0 == k)
                .map(|w| w.1)
                .collect();
            m.clear(k, &queued, &sealed, &withheld);
        }
        m
    }
}

fn victim_order(s: &Scenario) -> Sealed {
    Sealed {
        trader: VICTIM,
        side: s.victim_side,
        limit: s.victim_limit,
        lots: s.victim_lots,
        salt: 1,
    }
}

/// The batch a commitment or a post-only order sent at `slot` lands in.
fn lands_in(rules: &Rules, slot: u64) -> u64 {
    rules
        .schedule
        .committing_batch(slot)
        .expect("after the start")
}

/// The batch a cancel sent at `slot` applies to.
fn cancel_lands_in(rules: &Rules, slot: u64) -> u64 {
    rules
        .schedule
        .cancelling_batch(slot)
        .expect("after the start")
}

/// The first slot at which anyone can read the victim's order: its reveal.
fn victim_revealed_at(rules: &Rules) -> u64 {
    rules.schedule.reveal_opens(VICTIM_BATCH).expect("in range")
}

fn inside(side: Side, price: u64, ticks: u64) -> u64 {
    match side {
        Side::Bid => price - ticks,
        Side::Ask => price + ticks,
    }
}

/// The victim's gain marked to `fair` in the batch market without the adversary.
pub fn baseline(s: &Scenario, rules: &Rules, fair: u64) -> i128 {
    Plan::victim(s)
        .run(rules, &s.bids, &s.asks)
        .position(VICTIM)
        .marked(fair)
}

fn outcome(s: &Scenario, rules: &Rules, plan: &Plan, fair: u64, adversary: u32) -> Outcome {
    let m = plan.run(rules, &s.bids, &s.asks);
    Outcome {
        adversary_gain: m.position(adversary).marked(fair),
        victim_shortfall: baseline(s, rules, fair) - m.position(VICTIM).marked(fair),
        notional: s.notional(),
    }
}

/// Sandwich: the continuous plan (buy the cheap side at every depth,
/// re-offer one tick inside the victim's limit) sent when the adversary
/// learns the victim's order, at its reveal. Best depth kept; doing
/// nothing is a choice. `sealed: false` lets the adversary read the order
/// in the commit window, as if it were plaintext: the uniform price alone,
/// without the seal, does not stop it.
pub fn sandwich(s: &Scenario, rules: &Rules, sealed: bool) -> Outcome {
    let k = if sealed {
        lands_in(rules, victim_revealed_at(rules))
    } else {
        VICTIM_BATCH
    };
    let reoffer = inside(s.victim_side, s.victim_limit, 1);
    let mut best = Outcome {
        notional: s.notional(),
        ..Outcome::default()
    };
    for depth in [10, 30, 60, 120, 240, s.victim_lots] {
        let mut plan = Plan::victim(s);
        plan.commit(
            k,
            Sealed {
                trader: ADVERSARY,
                side: s.victim_side,
                limit: inside(s.victim_side, reoffer, 1),
                lots: depth,
                salt: 2,
            },
        );
        plan.queue(
            k,
            Queued::Post(ADVERSARY, s.victim_side.opposite(), reoffer, depth),
        );
        let o = outcome(s, rules, &plan, s.fair, ADVERSARY);
        if o.adversary_gain > best.adversary_gain {
            best = o;
        }
    }
    best
}

/// Back-run: the victim's trade moves fair value; makers re-quote and the
/// adversary takes whatever is stale, both as soon as the move is known
/// (the victim's reveal).
pub fn back_run(s: &Scenario, rules: &Rules) -> Outcome {
    let fair = s.fair_after_victim;
    let seen = victim_revealed_at(rules);
    let k = lands_in(rules, seen);
    let mut plan = Plan::victim(s);
    requote(&mut plan, s, rules, seen, seen, fair);
    plan.commit(
        k,
        Sealed {
            trader: ADVERSARY,
            side: s.victim_side,
            limit: inside(s.victim_side, fair, 1),
            lots: ALL_LOTS,
            salt: 3,
        },
    );
    let mut o = outcome(s, rules, &plan, fair, ADVERSARY);
    o.adversary_gain = o.adversary_gain.max(0); // it may prefer to do nothing
    o
}

/// Every maker cancels its quotes (landing at `cancel_slot`) and posts new
/// ones around `fair` (sent at `post_slot`).
fn requote(
    plan: &mut Plan,
    s: &Scenario,
    rules: &Rules,
    cancel_slot: u64,
    post_slot: u64,
    fair: u64,
) {
    let (bids, asks) = s.requotes(fair);
    for maker in 1..=MAKERS {
        plan.queue(
            cancel_lands_in(rules, cancel_slot),
            Queued::CancelAll(maker),
        );
    }
    let k = lands_in(rules, post_slot);
    for (side, quotes) in [(Side::Bid, bids), (Side::Ask, asks)] {
        for (maker, price, lots) in quotes {
            plan.queue(k, Queued::Post(maker, side, price, lots));
        }
    }
}

/// Quote fade: maker 1 sees the victim's order at its reveal, pulls its
/// quotes on the victim's opposite side and re-posts them one tick inside
/// the victim's limit.
pub fn quote_fade(s: &Scenario, rules: &Rules) -> Outcome {
    let fader = 1;
    let seen = victim_revealed_at(rules);
    let k = lands_in(rules, seen);
    let opposite = s.victim_side.opposite();
    let mut plan = Plan::victim(s);
    plan.queue(cancel_lands_in(rules, seen), Queued::CancelAll(fader));
    let own = |quotes: &[Quote]| -> Vec<Quote> {
        quotes.iter().filter(|q| q.0 == fader).copied().collect()
    };
    let (kept, faded) = match opposite {
        Side::Ask => (own(&s.bids), own(&s.asks)),
        Side::Bid => (own(&s.asks), own(&s.bids)),
    };
    for (_, price, lots) in kept {
        plan.queue(k, Queued::Post(fader, s.victim_side, price, lots));
    }
    let lots = faded.iter().map(|q| q.2).sum();
    plan.queue(
        k,
        Queued::Post(
            fader,
            opposite,
            inside(s.victim_side, s.victim_limit, 1),
            lots,
        ),
    );
    let honest = Plan::victim(s)
        .run(rules, &s.bids, &s.asks)
        .position(fader)
        .marked(s.fair);
    let mut o = outcome(s, rules, &plan, s.fair, fader);
    o.adversary_gain -= honest;
    if o.adversary_gain <= 0 {
        // Fading does not pay: it quotes honestly instead.
        o.adversary_gain = 0;
        o.victim_shortfall = 0;
    }
    o
}

/// Cancel snipe: news at the first slot of a commit window; every maker
/// sends a cancel and a re-quote at once, the adversary a sealed take of
/// the stale quotes. `censor`: the leader also holds the makers' cancels
/// and re-quotes back for its slots. The victims are the makers.
pub fn cancel_snipe(s: &Scenario, rules: &Rules, censor: bool) -> Outcome {
    let fair = s.fair_after_news;
    let side = if fair > s.fair { Side::Bid } else { Side::Ask };
    let news = rules.schedule.commit_opens(1).expect("in range");
    let delay = if censor { rules.leader_slots } else { 0 };
    let makers_value =
        |m: &BatchMarket| -> i128 { (1..=MAKERS).map(|t| m.position(t).marked(fair)).sum() };
    let mut honest = Plan::default();
    requote(&mut honest, s, rules, news, news, fair);
    let baseline = makers_value(&honest.run(rules, &s.bids, &s.asks));

    let mut plan = Plan::default();
    requote(&mut plan, s, rules, news + delay, news + delay, fair);
    plan.commit(
        lands_in(rules, news),
        Sealed {
            trader: ADVERSARY,
            side,
            limit: inside(side, fair, 1),
            lots: ALL_LOTS,
            salt: 4,
        },
    );
    let m = plan.run(rules, &s.bids, &s.asks);
    Outcome {
        adversary_gain: m.position(ADVERSARY).marked(fair),
        victim_shortfall: baseline - makers_value(&m),
        notional: s.stale_notional(),
    }
}

/// Selective reveal: commit an ask `margin` ticks above fair and a bid as
/// far below, both `lots`, in the victim's batch; after the victim's
/// reveal, reveal only the side that trades against it and forfeit the
/// other's bond. Returns the outcome with the bond counted.
pub fn selective_reveal(s: &Scenario, rules: &Rules, margin: u64, lots: u64) -> Outcome {
    let opposite = s.victim_side.opposite();
    let limit = match opposite {
        Side::Ask => s.fair + margin,
        Side::Bid => s.fair - margin,
    };
    let mut plan = Plan::victim(s);
    plan.commit(
        VICTIM_BATCH,
        Sealed {
            trader: ADVERSARY,
            side: opposite,
            limit,
            lots,
            salt: 5,
        },
    );
    plan.withhold(VICTIM_BATCH, ADVERSARY);
    outcome(s, rules, &plan, s.fair, ADVERSARY)
}

/// Censoring the victim's reveal: the leader of the reveal window's first
/// slots drops it; the victim resends every slot. It reveals once the
/// leader's slots end, if the window is still open; else its bond is
/// forfeited (to the forfeit pool, not the leader) and it does not trade.
pub fn censor_reveal(s: &Scenario, rules: &Rules) -> Outcome {
    let lands = victim_revealed_at(rules) + rules.leader_slots;
    let mut plan = Plan::default();
    if rules.schedule.phase(VICTIM_BATCH, lands) == BatchPhase::Revealing {
        plan = Plan::victim(s);
    } else {
        plan.withhold(VICTIM_BATCH, VICTIM);
    }
    outcome(s, rules, &plan, s.fair, ADVERSARY)
}

/// Junk flood: the adversary fills the victim's batch with commitments it
/// never reveals (as many accounts as the per-trader cap requires), ahead
/// of the victim's commit; the victim commits in the next batch.
pub fn junk_flood(s: &Scenario, rules: &Rules) -> Outcome {
    let mut plan = Plan::default();
    for i in 0..rules.batch_capacity {
        let sybil = ADVERSARY + (i / rules.entries_per_trader) as u32;
        plan.withhold(VICTIM_BATCH, sybil);
    }
    let mut victim = victim_order(s);
    victim.salt = 9;
    plan.commit(VICTIM_BATCH + 1, victim);
    let m = plan.run(rules, &s.bids, &s.asks);
    let sybils = rules.batch_capacity.div_ceil(rules.entries_per_trader) as u32;
    let gain: i128 = (0..sybils)
        .map(|i| m.position(ADVERSARY + i).marked(s.fair))
        .sum();
    Outcome {
        adversary_gain: gain,
        victim_shortfall: baseline(s, rules, s.fair) - m.position(VICTIM).marked(s.fair),
        notional: s.notional(),
    }
}

/// What the batch mode itself costs the victim against the continuous book,
/// with no adversary: a sweeping order pays the uniform price on every lot.
pub fn uniform_price_cost(s: &Scenario, rules: &Rules) -> Outcome {
    let mut book = crate::continuous::Exchange::new(&s.bids, &s.asks);
    book.take(VICTIM, s.victim_side, s.victim_limit, s.victim_lots);
    let continuous = book.position(VICTIM).marked(s.fair);
    Outcome {
        adversary_gain: 0,
        victim_shortfall: continuous - baseline(s, rules, s.fair),
        notional: s.notional(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::batch::{DEFAULT_BOND, default_rules};
    use rand::SeedableRng;
    use rand::rngs::StdRng;
    use rand::seq::SliceRandom;

    /// A busy batch: the victim, makers re-quoting (cancels and posts), and
    /// sealed orders of several traders on both sides at several prices.
    fn busy_plan(s: &Scenario) -> Plan {
        let mut plan = Plan::victim(s);
        let slot = rules_for_tests()
            .schedule
            .commit_opens(VICTIM_BATCH)
            .unwrap();
        requote(
            &mut plan,
            s,
            &rules_for_tests(),
            slot,
            slot,
            s.fair_after_news,
        );
        for (i, offset) in [0u64, 3, 7, 12, 20].into_iter().enumerate() {
            let trader = ADVERSARY + i as u32;
            plan.commit(
                VICTIM_BATCH,
                Sealed {
                    trader,
                    side: Side::Bid,
                    limit: s.fair + offset,
                    lots: 17 + offset,
                    salt: 20,
                },
            );
            plan.commit(
                VICTIM_BATCH,
                Sealed {
                    trader,
                    side: Side::Ask,
                    limit: s.fair - offset,
                    lots: 23 + offset,
                    salt: 21,
                },
            );
        }
        plan
    }

    fn rules_for_tests() -> Rules {
        default_rules(DEFAULT_BOND)
    }

    #[test]
    fn clearing_any_arrival_order_gives_the_same_market() {
        let rules = default_rules(DEFAULT_BOND);
        for seed in 0..200 {
            let s = Scenario::generate(seed);
            let plan = busy_plan(&s);
            let expected = plan.run(&rules, &s.bids, &s.asks).canonical();
            let mut rng = StdRng::seed_from_u64(seed);
            for _ in 0..4 {
                let mut shuffled = plan.clone();
                shuffled.sealed.shuffle(&mut rng);
                shuffled.queued.shuffle(&mut rng);
                assert_eq!(
                    shuffled.run(&rules, &s.bids, &s.asks).canonical(),
                    expected,
                    "seed {seed}"
                );
            }
        }
    }
}
