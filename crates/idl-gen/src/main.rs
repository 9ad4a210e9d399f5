//! `orderbook-idl`: build the program's Anchor IDL (no anchor CLI needed),
//! complete what Anchor 1.2.2's builder drops ([`complete`]), type the
//! engine state the program keeps as bytes ([`layouts`]), and write it
//! to `idl/orderbook.json`, or with `--check` fail if the committed file
//! differs from a fresh build.
//!
//! Anchor's IDL builder runs `cargo test __anchor_private_print_idl
//! --features idl-build` in the program crate with its own `RUSTFLAGS`; a
//! separate target directory keeps that from invalidating the main build.

mod complete;
mod layouts;

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result};
use clap::Parser;

#[derive(Parser)]
#[command(about = "Write or check the orderbook program's Anchor IDL")]
struct Args {
    /// Program crate directory.
    #[arg(long, default_value = "programs/orderbook")]
    program: PathBuf,
    /// IDL file to write or check.
    #[arg(long, default_value = "idl/orderbook.json")]
    out: PathBuf,
    /// Target directory for the IDL build.
    #[arg(long, default_value = "target/idl")]
    target_dir: PathBuf,
    /// Do not write: exit non-zero if `out` differs from a fresh build.
    #[arg(long)]
    check: bool,
}

fn run(args: &Args) -> Result<bool> {
    let target = std::path::absolute(&args.target_dir)?;
    eprintln!(
        "[orderbook-idl] building the IDL of {} (target dir {})",
        args.program.display(),
        target.display()
    );
    let mut idl = anchor_lang_idl::build::IdlBuilder::new()
        .program_path(std::path::absolute(&args.program)?)
        .cargo_args(vec!["--target-dir".into(), target.display().to_string()])
        .build()
        .context("building the IDL failed (run with ANCHOR_LOG=1 for the build output)")?;
    complete::complete(&mut idl);
    layouts::type_engine_state(&mut idl);
    let json = serde_json::to_string_pretty(&idl)? + "\n";
    if args.check {
        let committed = std::fs::read_to_string(&args.out)
            .with_context(|| format!("reading {}", args.out.display()))?;
        if committed != json {
            eprintln!(
                "[orderbook-idl] {} is stale: run `cargo run -p orderbook-idl` and commit it",
                args.out.display()
            );
            return Ok(false);
        }
        eprintln!("[orderbook-idl] {} is up to date", args.out.display());
        return Ok(true);
    }
    if let Some(dir) = args.out.parent() {
        std::fs::create_dir_all(dir)?;
    }
    std::fs::write(&args.out, json)?;
    eprintln!(
        "[orderbook-idl] wrote {} ({} instructions)",
        args.out.display(),
        idl.instructions.len()
    );
    Ok(true)
}

fn main() -> ExitCode {
    // The builder turns a set RUSTUP_TOOLCHAIN into a broken `cargo +{toolchain}`.
    // SAFETY: single-threaded, before anything else runs.
    unsafe { std::env::remove_var("RUSTUP_TOOLCHAIN") };
    let args = Args::parse();
    match run(&args) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(e) => {
            eprintln!("[orderbook-idl] error: {e:#}");
            ExitCode::FAILURE
        }
    }
}
