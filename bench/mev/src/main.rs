//! `mev-bench`: run every strategy on seeded scenarios and print the table.

use clap::Parser;
use orderbook_mev_bench::report::{self, DEFAULT_BOND};

#[derive(Parser)]
#[command(
    about = "The leader-power adversary against the continuous book and the sealed batch auction"
)]
struct Args {
    /// Scenarios per strategy.
    #[arg(long, env = "MEV_BENCH_SCENARIOS", default_value_t = 1_000)]
    scenarios: u64,
    /// Seed of the first scenario (scenario i uses seed + i).
    #[arg(long, env = "MEV_BENCH_SEED", default_value_t = 1)]
    seed: u64,
    /// Bond per commitment, in quote atoms.
    #[arg(long, env = "MEV_BENCH_BOND", default_value_t = DEFAULT_BOND)]
    bond: i128,
}

fn main() {
    let args = Args::parse();
    let report = report::run(args.seed, args.scenarios, args.bond);
    println!(
        "mev-bench: {} scenarios from seed {}, gains and shortfalls in bps of the victim's notional\n",
        args.scenarios, args.seed
    );
    print!("{}", report.markdown());
}
