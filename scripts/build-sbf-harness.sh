#!/usr/bin/env bash
# Build bench/sbf-harness (the engine inside a tiny no_std program) as a real
# SBPF v0 ELF with Debian's rustc + sbpf-linker. Prints the .so path.
# `--batch` builds the variant with the batch auction's operations (its own
# target dir, so both .so files coexist) and prints its path instead.
set -euo pipefail
cd "$(dirname "$0")/.."
linker=$(scripts/sbf-toolchain.sh | tail -n 1)
cd bench/sbf-harness
target=target
features=()
if [ "${1:-}" = "--batch" ]; then
  target=target/batch
  features=(--features batch)
fi
echo "[build-sbf-harness] compiling for bpfel-unknown-none" >&2
RUSTC_BOOTSTRAP=1 RUSTC=/usr/bin/rustc \
CARGO_TARGET_BPFEL_UNKNOWN_NONE_RUSTFLAGS="-C linker=$linker -C panic=abort -C relocation-model=static -C link-arg=--llvm-args=-bpf-stack-size=4096 -C link-arg=--disable-math-builtins -C link-arg=--arch=v0" \
  /usr/bin/cargo build --locked -Z build-std=core,alloc --release --target bpfel-unknown-none \
  ${features[@]+"${features[@]}"} --target-dir "$target" >&2
so="$PWD/$target/bpfel-unknown-none/release/liborderbook_sbf_harness.so"
[ -f "$so" ] || { echo "[build-sbf-harness] error: $so was not produced" >&2; exit 1; }
echo "$so"
