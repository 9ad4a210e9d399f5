#!/usr/bin/env bash
# Install the toolchain that compiles no_std crates to real SBF without
# Solana's platform-tools: Debian's rustc (built on LLVM 22) with the library
# sources for -Zbuild-std, and sbpf-linker built against the system LLVM 22.
# Idempotent: skips what is already there. Prints the linker path on stdout's
# last line. Override the install dir with ORDERBOOK_TOOLS.
set -euo pipefail

LLVM_MAJOR=22
SBPF_LINKER_VERSION=0.2.6
TOOLS="${ORDERBOOK_TOOLS:-$HOME/.cache/orderbook-sbf}"
PKGS=(rustc-web cargo-web rust-web-src "llvm-${LLVM_MAJOR}-dev" "libpolly-${LLVM_MAJOR}-dev" libzstd-dev)

LOG_TAG=sbf-toolchain
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  apt_install "${missing[@]}"
else
  log "Debian packages present"
fi

[ -x /usr/bin/rustc ] || die "/usr/bin/rustc missing after installing rustc-web"
[ -d /usr/lib/rustlib/src/rust/library ] || die "rust library sources missing (/usr/lib/rustlib/src/rust/library): install rust-web-src"
rustc_llvm=$(/usr/bin/rustc -vV | sed -n 's/^LLVM version: \([0-9]*\).*/\1/p')
[ "$rustc_llvm" = "$LLVM_MAJOR" ] || die "/usr/bin/rustc is built on LLVM $rustc_llvm but llvm-${LLVM_MAJOR}-dev is installed: the two must match (update LLVM_MAJOR in $0)"
[ -d "/usr/lib/llvm-${LLVM_MAJOR}" ] || die "/usr/lib/llvm-${LLVM_MAJOR} missing"

linker="$TOOLS/bin/sbpf-linker"
have=""
[ -x "$linker" ] && have=$("$linker" --version 2>/dev/null | sed -n 's/^sbpf-linker \([0-9.]*\).*/\1/p' | head -1)
linker_llvm=""
[ -x "$linker" ] && linker_llvm=$("$linker" --version 2>/dev/null | sed -n 's/^LLVM \([0-9]*\).*/\1/p' | head -1)
if [ "$have" = "$SBPF_LINKER_VERSION" ] && [ "$linker_llvm" = "$LLVM_MAJOR" ]; then
  log "sbpf-linker $have (LLVM $linker_llvm) present in $TOOLS"
else
  log "building sbpf-linker $SBPF_LINKER_VERSION against LLVM $LLVM_MAJOR into $TOOLS (about 2 minutes on 2 cores)"
  # llvm-sys reads LLVM_SYS_<major><minor>_PREFIX; a computed variable name
  # cannot be a shell assignment prefix, so it goes through env(1).
  env LLVM_PREFIX="/usr/lib/llvm-${LLVM_MAJOR}" "LLVM_SYS_${LLVM_MAJOR}1_PREFIX=/usr/lib/llvm-${LLVM_MAJOR}" \
    cargo install sbpf-linker --version "$SBPF_LINKER_VERSION" --locked --no-default-features \
    --features "bpf-linker/llvm-${LLVM_MAJOR}" --root "$TOOLS" --force >&2 \
    || die "building sbpf-linker failed (see above)"
  "$linker" --version >&2
fi
echo "$linker"
