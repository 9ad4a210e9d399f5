#!/usr/bin/env python3
"""Show that the check catches each kind of mistake: apply one mistake at a
time to a rendered overlay and require the step meant to catch it to fail,
naming it. A check that passed a broken manifest would be no check.

    mutations.py --venv .tools/k8s-venv --bin target/debug --out target/k8s
"""
import argparse
import copy
import subprocess
import sys
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent


def find(docs, kind, name):
    return next(d for d in docs if d["kind"] == kind and d["metadata"]["name"] == name)


def container(docs, name):
    return find(docs, "Deployment", name)["spec"]["template"]["spec"]["containers"][0]


def wrong_selector(docs):
    find(docs, "Service", "orderbook-feed")["spec"]["selector"]["app.kubernetes.io/name"] = "orderbook-fed"


def unknown_env(docs):
    container(docs, "orderbook-feed")["env"].append({"name": "ORDERBOOK_LISTEN_ADDR", "value": "0.0.0.0:8080"})


def invalid_field(docs):
    find(docs, "Deployment", "orderbook-keeper")["spec"]["replica"] = 1


def invalid_crd_field(docs):
    find(docs, "ServiceMonitor", "orderbook-feed")["spec"]["endpoints"][0]["intervall"] = "15s"


def unserved_probe_path(docs):
    container(docs, "orderbook-indexer")["readinessProbe"]["httpGet"]["path"] = "/ready"


def count_under_hpa(docs):
    find(docs, "Deployment", "orderbook-feed")["spec"]["replicas"] = 2


def second_keeper(docs):
    find(docs, "Deployment", "orderbook-keeper")["spec"]["replicas"] = 2


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--venv", type=Path, required=True)
    ap.add_argument("--bin", type=Path, required=True)
    ap.add_argument("--out", type=Path, required=True)
    a = ap.parse_args()
    venv, py = a.venv.resolve(), str((a.venv / "bin/python").resolve())
    check = [py, str(HERE / "k8s_check.py"), "--bin", str(a.bin.resolve())]
    validate = [str(venv / "bin/kubernetes-validate"), "--strict", "--quiet", "--no-warn"]
    schema = [str(venv / "bin/check-jsonschema"), "--schemafile", str(HERE / "schemas/servicemonitor.json")]
    smoke = [py, str(HERE / "smoke.py"), "--bin", str(a.bin.resolve()), "--overlay", "dev"]
    cases = [
        ("a Service selector that selects no pod", "dev", wrong_selector, check, "matches no pod template"),
        ("an environment variable the binary does not read", "dev", unknown_env, check, "ORDERBOOK_LISTEN_ADDR is not read"),
        ("a field the API does not have", "dev", invalid_field, validate, "replica"),
        ("a field the ServiceMonitor CRD does not have", "prod", invalid_crd_field, schema, "intervall"),
        ("a second keeper", "dev", second_keeper, check, "keeper must be replicas: 1"),
        ("a replica count on a Deployment an HPA scales", "dev", count_under_hpa, check, "sets replicas although an HPA"),
        ("a probe path the binary does not serve", "dev", unserved_probe_path, smoke, "does not serve this path"),
    ]
    failed = 0
    for what, overlay, mutate, cmd, expected in cases:
        docs = [d for d in yaml.safe_load_all((a.out / f"{overlay}.yaml").read_text()) if d]
        mutated = copy.deepcopy(docs)
        mutate(mutated)
        path = (a.out / f"mutant-{mutate.__name__}.yaml").resolve()
        if cmd is schema:
            mutated = [d for d in mutated if d["kind"] == "ServiceMonitor"][:1]
        path.write_text(yaml.safe_dump_all(mutated, sort_keys=False))
        r = subprocess.run(cmd + [str(path)], capture_output=True, text=True, cwd=HERE, timeout=600)
        output = r.stdout + r.stderr
        if r.returncode != 0 and expected in output:
            print(f"caught: {what} ({Path(cmd[1] if cmd[0] == py else cmd[0]).name})")
        else:
            failed += 1
            print(f"MISSED: {what}: exit {r.returncode}, expected {expected!r} in:\n{output[-2000:]}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
