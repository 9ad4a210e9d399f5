//! What the sealed batch auction promises against a leader-power adversary
//! (issue 25), checked on 300 seeded scenarios: the attacks that profit on
//! the continuous book (so the harness is not vacuous) earn nothing and
//! cost the victim nothing in batch mode; the batch mode's own attacks are
//! priced out by the bond; and the cancel grace closes the hole a leader
//! censoring makers' cancels for its slots would otherwise open.

use std::sync::LazyLock;

use orderbook_mev_bench::report::{self, DEFAULT_BOND, Report, Row};

const SCENARIOS: u64 = 300;

static REPORT: LazyLock<Report> = LazyLock::new(|| report::run(1, SCENARIOS, DEFAULT_BOND));

fn report() -> &'static Report {
    &REPORT
}

fn assert_harmless(row: &Row) {
    for (i, o) in row.outcomes.iter().enumerate() {
        assert!(
            o.adversary_gain <= 0,
            "{} {}: scenario {i} earns {o:?}",
            row.mode,
            row.strategy
        );
        assert_eq!(
            o.victim_shortfall, 0,
            "{} {}: scenario {i} {o:?}",
            row.mode, row.strategy
        );
    }
}

#[test]
fn the_continuous_book_is_exploitable_so_the_harness_is_not_vacuous() {
    let r = report();
    let sandwich = r.row("continuous", "sandwich");
    assert!(
        sandwich.profitable_share() > 0.5,
        "sandwich profitable in {:.0}%",
        100.0 * sandwich.profitable_share()
    );
    let snipe = r.row("continuous", "cancel snipe");
    assert!(snipe.profitable_share() > 0.5);
    assert!(r.row("continuous", "back-run").profitable_share() > 0.0);
    assert!(r.row("continuous", "quote fade").profitable_share() > 0.0);
    // The seal closes what the uniform price leaves: read in the commit
    // window, the victim's order is still sandwiched in its own batch in
    // some scenarios.
    assert!(r.row("batch, unsealed", "sandwich").profitable_share() > 0.0);
}

#[test]
fn in_batch_mode_ordering_attacks_earn_nothing_and_cost_the_victim_nothing() {
    let r = report();
    for strategy in ["sandwich", "back-run", "quote fade"] {
        assert_harmless(r.row("batch", strategy));
    }
    let snipe = r
        .rows
        .iter()
        .find(|row| row.mode == "batch" && row.strategy == "cancel snipe")
        .unwrap();
    assert_harmless(snipe);
}

#[test]
fn selective_reveal_loses_at_the_default_bond_and_the_break_even_is_printed() {
    let r = report();
    let selective = r.row("batch", "selective reveal");
    assert!(
        selective.mean_gain() <= 0.0,
        "mean gain {}",
        selective.mean_gain()
    );
    assert!(r.selective_breakeven_bond < DEFAULT_BOND as f64);
    assert!(
        r.markdown()
            .contains("selective reveal breaks even at a bond of")
    );
}

#[test]
fn censoring_a_reveal_costs_the_victim_at_most_its_bond_and_earns_the_leader_nothing() {
    let r = report();
    // Eight reveal slots outlast one leader's four: the reveal lands.
    assert_harmless(r.row("batch", "censor reveal (R = 8)"));
    // Four do not: the victim forfeits its bond and does not trade.
    for o in &r.row("batch", "censor reveal (R = 4)").outcomes {
        assert_eq!(o.adversary_gain, 0);
        assert!(o.victim_shortfall <= DEFAULT_BOND, "{o:?}");
    }
}

#[test]
fn a_junk_commit_flood_costs_the_adversary_and_only_delays_the_victim() {
    let r = report();
    for o in &r.row("batch", "junk-commit flood").outcomes {
        assert!(o.adversary_gain < 0);
        assert_eq!(o.victim_shortfall, 0);
    }
}

#[test]
fn the_same_seed_gives_the_same_table() {
    assert_eq!(
        report::run(7, 40, DEFAULT_BOND).markdown(),
        report::run(7, 40, DEFAULT_BOND).markdown()
    );
}

#[test]
fn the_cancel_grace_stops_a_leader_that_holds_makers_cancels() {
    let r = report();
    // With the grace, cancels held for the leader's four slots still apply
    // before the sniper's batch crosses.
    let with_grace = r
        .rows
        .iter()
        .find(|row| row.mode == "batch" && row.strategy.starts_with("cancel snipe + censor"))
        .unwrap();
    assert_harmless(with_grace);
    // Without it the leader outlasts the two-slot commit window.
    assert!(
        r.row("batch, no grace", "cancel snipe + censor")
            .profitable_share()
            > 0.5
    );
}
