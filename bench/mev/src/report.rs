//! Every strategy over many scenarios, and the table the bench prints.

use orderbook_engine::auction::{BatchSchedule, DEFAULT_COMMIT_SLOTS, DEFAULT_GRACE_SLOTS};

pub use crate::batch::{DEFAULT_BOND, DEFAULT_COMMIT_FEE, default_rules};
use crate::batch::{Rules, attacks};
use crate::continuous;
use crate::scenario::{Outcome, Scenario};

/// The selective-reveal strategy's fixed choice: margin from fair value in
/// ticks and lots per commitment (the grid's best on average is printed).
pub const SELECTIVE_GRID: [(u64, u64); 9] = [
    (5, 50),
    (5, 100),
    (5, 200),
    (15, 50),
    (15, 100),
    (15, 200),
    (40, 50),
    (40, 100),
    (40, 200),
];

/// One row of the table: a strategy in a mode over every scenario.
pub struct Row {
    pub mode: &'static str,
    pub strategy: String,
    pub outcomes: Vec<Outcome>,
}

impl Row {
    pub fn profitable_share(&self) -> f64 {
        let n = self
            .outcomes
            .iter()
            .filter(|o| o.adversary_gain > 0)
            .count();
        n as f64 / self.outcomes.len() as f64
    }
    pub fn gains_bps(&self) -> Vec<f64> {
        sorted(self.outcomes.iter().map(Outcome::gain_bps))
    }
    pub fn shortfalls_bps(&self) -> Vec<f64> {
        sorted(self.outcomes.iter().map(Outcome::shortfall_bps))
    }
    pub fn mean_gain(&self) -> f64 {
        self.outcomes
            .iter()
            .map(|o| o.adversary_gain as f64)
            .sum::<f64>()
            / self.outcomes.len() as f64
    }
}

fn sorted(values: impl Iterator<Item = f64>) -> Vec<f64> {
    let mut v: Vec<f64> = values.collect();
    v.sort_by(f64::total_cmp);
    v
}

/// The value at quantile `q` of sorted `v` (nearest rank).
pub fn quantile(v: &[f64], q: f64) -> f64 {
    let rank = ((q * v.len() as f64).ceil() as usize).clamp(1, v.len());
    v[rank - 1]
}

/// Every strategy on `scenarios` scenarios from `seed`, at `bond`.
pub fn run(seed: u64, scenarios: u64, bond: i128) -> Report {
    let all: Vec<Scenario> = (0..scenarios)
        .map(|i| Scenario::generate(seed.wrapping_add(i)))
        .collect();
    let rules = default_rules(bond);
    let mut short_reveal = rules;
    short_reveal.schedule =
        BatchSchedule::new(0, DEFAULT_COMMIT_SLOTS, DEFAULT_GRACE_SLOTS, 4).expect("valid");
    let mut no_grace = rules;
    no_grace.schedule = BatchSchedule::new(0, DEFAULT_COMMIT_SLOTS, 0, 8).expect("valid");
    let row = |mode, strategy: &str, f: &dyn Fn(&Scenario) -> Outcome| Row {
        mode,
        strategy: strategy.to_string(),
        outcomes: all.iter().map(f).collect(),
    };
    let (margin, lots) = best_selective(&all, &rules);
    let rows = vec![
        row("continuous", "sandwich", &continuous::sandwich),
        row("continuous", "back-run", &continuous::back_run),
        row("continuous", "quote fade", &continuous::quote_fade),
        row("continuous", "cancel snipe", &continuous::cancel_snipe),
        row("batch", "sandwich", &|s| attacks::sandwich(s, &rules, true)),
        row("batch", "back-run", &|s| attacks::back_run(s, &rules)),
        row("batch", "quote fade", &|s| attacks::quote_fade(s, &rules)),
        row("batch", "cancel snipe", &|s| {
            attacks::cancel_snipe(s, &rules, false)
        }),
        row("batch", "cancel snipe + censor cancels", &|s| {
            attacks::cancel_snipe(s, &rules, true)
        }),
        row("batch, no grace", "cancel snipe + censor cancels", &|s| {
            attacks::cancel_snipe(s, &no_grace, true)
        }),
        row(
            "batch",
            &format!("selective reveal ({margin} ticks, {lots} lots)"),
            &|s| attacks::selective_reveal(s, &rules, margin, lots),
        ),
        row("batch", "censor reveal (R = 8)", &|s| {
            attacks::censor_reveal(s, &rules)
        }),
        row("batch", "censor reveal (R = 4)", &|s| {
            attacks::censor_reveal(s, &short_reveal)
        }),
        row("batch", "junk-commit flood", &|s| {
            attacks::junk_flood(s, &rules)
        }),
        row("batch, unsealed", "sandwich", &|s| {
            attacks::sandwich(s, &rules, false)
        }),
        row("batch", "no adversary: uniform price vs continuous", &|s| {
            attacks::uniform_price_cost(s, &rules)
        }),
    ];
    // The bond that makes the mean selective reveal break even: what it
    // earns before the forfeited bond.
    let selective_breakeven_bond = rows[10].mean_gain() + bond as f64;
    Report {
        rows,
        bond,
        selective_breakeven_bond,
    }
}

/// The selective-reveal choice with the best mean gain before the bond.
fn best_selective(all: &[Scenario], rules: &Rules) -> (u64, u64) {
    *SELECTIVE_GRID
        .iter()
        .max_by_key(|&&(margin, lots)| {
            all.iter()
                .map(|s| attacks::selective_reveal(s, rules, margin, lots).adversary_gain)
                .sum::<i128>()
        })
        .expect("non-empty grid")
}

pub struct Report {
    pub rows: Vec<Row>,
    pub bond: i128,
    pub selective_breakeven_bond: f64,
}

impl Report {
    pub fn row(&self, mode: &str, strategy_prefix: &str) -> &Row {
        self.rows
            .iter()
            .find(|r| r.mode == mode && r.strategy.starts_with(strategy_prefix))
            .expect("row exists")
    }

    /// The table as Markdown.
    pub fn markdown(&self) -> String {
        let mut out = String::from(
            "| mode | strategy | profitable | adversary gain p50 / p95 / max (bps) | victim shortfall p50 / p95 / max (bps) |\n\
             |---|---|---:|---:|---:|\n",
        );
        for r in &self.rows {
            let (g, v) = (r.gains_bps(), r.shortfalls_bps());
            out += &format!(
                "| {} | {} | {:.0}% | {:.1} / {:.1} / {:.1} | {:.1} / {:.1} / {:.1} |\n",
                r.mode,
                r.strategy,
                100.0 * r.profitable_share(),
                quantile(&g, 0.5),
                quantile(&g, 0.95),
                quantile(&g, 1.0),
                quantile(&v, 0.5),
                quantile(&v, 0.95),
                quantile(&v, 1.0),
            );
        }
        out += &format!(
            "\nbond {} quote atoms; selective reveal breaks even at a bond of {:.0} quote atoms\n",
            self.bond, self.selective_breakeven_bond
        );
        out
    }
}
