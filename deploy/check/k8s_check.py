#!/usr/bin/env python3
"""Check a rendered overlay (`kubectl kustomize deploy/overlays/<name>`)
for meaning, which schemas cannot: every selector selects a pod template,
every reference (HPA target, probe port, Service and ServiceMonitor port,
ConfigMap and Secret key) names something that exists, every environment
variable of our containers is one its binary reads (from the `[env: …]`
clap prints in `--help`), the keeper is a singleton and the indexer has a
standby and a PodDisruptionBudget.

    k8s_check.py --bin target/debug rendered.yaml

Exit 1 with one line per mistake. Probe and scrape *paths* are checked by
the smoke run (smoke.py), against the running binaries.
"""
import argparse
import re
import subprocess
import sys
from functools import cache
from pathlib import Path

import yaml

# Our images and the binary each runs (the Dockerfile's targets).
BINARIES = {"orderbook-app": "orderbook-app", "orderbook-keeper": "orderbook-keeper",
            "orderbook-node": "orderbook-node"}
WORKLOADS = ("Deployment", "StatefulSet")


def image_name(image: str) -> str:
    """`registry/orderbook-app:0.1.0@sha…` → `orderbook-app`."""
    return image.split("@")[0].rsplit("/", 1)[-1].split(":")[0]


@cache
def env_vars(binary: Path, subcommand: str | None) -> frozenset[str]:
    """The environment variables `binary [subcommand]` reads, as clap lists them."""
    cmd = [str(binary)] + ([subcommand] if subcommand else []) + ["--help"]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True, timeout=60).stdout
    return frozenset(re.findall(r"\[env: ([A-Z0-9_]+)=", out))


def subset(selector: dict, labels: dict) -> bool:
    return bool(selector) and all(labels.get(k) == v for k, v in selector.items())


class Checker:
    def __init__(self, docs: list[dict], bin_dir: Path):
        self.docs = docs
        self.bin_dir = bin_dir
        self.errors: list[str] = []

    def of(self, *kinds: str) -> list[dict]:
        return [d for d in self.docs if d["kind"] in kinds]

    def named(self, kind: str, name: str) -> dict | None:
        return next((d for d in self.of(kind) if d["metadata"]["name"] == name), None)

    def fail(self, where: dict, message: str) -> None:
        self.errors.append(f"{where['kind']}/{where['metadata']['name']}: {message}")

    def templates(self) -> list[tuple[dict, dict]]:
        """(workload, pod template labels) for every Deployment and StatefulSet."""
        return [(w, w["spec"]["template"]["metadata"].get("labels", {})) for w in self.of(*WORKLOADS)]

    def selected(self, selector: dict) -> list[dict]:
        return [w for w, labels in self.templates() if subset(selector, labels)]

    def run(self) -> list[str]:
        self.check_workload_selectors()
        self.check_services()
        self.check_hpas()
        self.check_pdbs()
        self.check_service_monitors()
        for workload in self.of(*WORKLOADS):
            for container in workload["spec"]["template"]["spec"]["containers"]:
                self.check_container(workload, container)
        self.check_keeper_singleton()
        self.check_indexer_standby()
        return self.errors

    def check_workload_selectors(self) -> None:
        for w, labels in self.templates():
            selector = w["spec"]["selector"].get("matchLabels", {})
            if not subset(selector, labels):
                self.fail(w, f"selector {selector} does not match its pod template's labels {labels}")

    def check_services(self) -> None:
        for svc in self.of("Service"):
            selector = svc["spec"].get("selector", {})
            targets = self.selected(selector)
            if not targets:
                self.fail(svc, f"selector {selector} matches no pod template")
                continue
            for port in svc["spec"]["ports"]:
                target = port.get("targetPort", port["port"])
                for w in targets:
                    if not self.has_port(w, target):
                        self.fail(svc, f"targetPort {target!r} is not a port of {w['kind']}/{w['metadata']['name']}")

    def has_port(self, workload: dict, port) -> bool:
        for c in workload["spec"]["template"]["spec"]["containers"]:
            for p in c.get("ports", []):
                if port in (p.get("name"), p["containerPort"]):
                    return True
        return False

    def check_hpas(self) -> None:
        for hpa in self.of("HorizontalPodAutoscaler"):
            ref = hpa["spec"]["scaleTargetRef"]
            target = self.named(ref["kind"], ref["name"])
            if target is None or target["apiVersion"] != ref.get("apiVersion", target["apiVersion"]):
                self.fail(hpa, f"scaleTargetRef {ref['kind']}/{ref['name']} ({ref.get('apiVersion')}) is not in the rendering")
            elif hpa["spec"].get("minReplicas", 1) > hpa["spec"]["maxReplicas"]:
                self.fail(hpa, "minReplicas > maxReplicas")
            elif "replicas" in target["spec"]:
                self.fail(target, "sets replicas although an HPA scales it (every kubectl apply would reset the count)")

    def check_pdbs(self) -> None:
        for pdb in self.of("PodDisruptionBudget"):
            if not self.selected(pdb["spec"]["selector"].get("matchLabels", {})):
                self.fail(pdb, "selector matches no pod template")

    def check_service_monitors(self) -> None:
        for sm in self.of("ServiceMonitor"):
            selector = sm["spec"]["selector"].get("matchLabels", {})
            services = [s for s in self.of("Service") if subset(selector, s["metadata"].get("labels", {}))]
            if not services:
                self.fail(sm, f"selector {selector} matches no Service's labels")
            for ep in sm["spec"]["endpoints"]:
                for s in services:
                    if ep.get("port") not in [p.get("name") for p in s["spec"]["ports"]]:
                        self.fail(sm, f"endpoint port {ep.get('port')!r} is not a named port of Service/{s['metadata']['name']}")

    def check_container(self, workload: dict, c: dict) -> None:
        where = {"kind": workload["kind"], "metadata": {"name": f"{workload['metadata']['name']} container {c['name']}"}}
        for kind in ("startupProbe", "livenessProbe", "readinessProbe"):
            probe = c.get(kind, {})
            for action in ("httpGet", "tcpSocket", "grpc"):
                if action in probe and not self.has_port(workload, probe[action]["port"]):
                    self.fail(where, f"{kind} port {probe[action]['port']!r} is not one of its ports")
        for env in c.get("env", []):
            self.check_ref(where, env.get("valueFrom", {}))
        binary = BINARIES.get(image_name(c["image"]))
        if binary is None:
            return
        args = c.get("args", [])
        subcommand = args[0] if binary == "orderbook-app" and args else None
        known = env_vars(self.bin_dir / binary, subcommand)
        for env in c.get("env", []):
            if env["name"] not in known:
                self.fail(where, f"{env['name']} is not read by `{binary}{' ' + subcommand if subcommand else ''}` (its --help lists no such [env:])")
        sec = c.get("securityContext", {})
        if not sec.get("readOnlyRootFilesystem") or sec.get("allowPrivilegeEscalation", True):
            self.fail(where, "needs readOnlyRootFilesystem: true and allowPrivilegeEscalation: false")
        pod_sec = workload["spec"]["template"]["spec"].get("securityContext", {})
        if not (pod_sec.get("runAsNonRoot") or sec.get("runAsNonRoot")):
            self.fail(where, "needs runAsNonRoot: true")
        if workload["kind"] == "Deployment" and workload["metadata"]["name"] != "orderbook-demo":
            for kind in ("livenessProbe", "readinessProbe"):
                if kind not in c:
                    self.fail(where, f"has no {kind}")

    def check_ref(self, where: dict, value_from: dict) -> None:
        for ref_kind, kind in (("configMapKeyRef", "ConfigMap"), ("secretKeyRef", "Secret")):
            ref = value_from.get(ref_kind)
            if not ref:
                continue
            obj = self.named(kind, ref["name"])
            if obj is None:
                if kind == "ConfigMap":
                    self.fail(where, f"ConfigMap {ref['name']} is not in the rendering")
                continue  # a Secret created at deploy time (docs/deploy.md lists them)
            data = {**obj.get("data", {}), **obj.get("stringData", {})}
            if ref["key"] not in data:
                self.fail(where, f"{kind} {ref['name']} has no key {ref['key']!r}")

    def workloads_running(self, image: str, subcommand: str | None = None) -> list[dict]:
        found = []
        for w in self.of(*WORKLOADS):
            for c in w["spec"]["template"]["spec"]["containers"]:
                args = c.get("args", [])
                if image_name(c["image"]) == image and (subcommand is None or args[:1] == [subcommand]):
                    found.append(w)
        return found

    def check_keeper_singleton(self) -> None:
        keepers = self.workloads_running("orderbook-keeper")
        if len(keepers) != 1:
            self.errors.append(f"expected one keeper workload, found {len(keepers)}")
        for k in keepers:
            if k["spec"].get("replicas", 1) != 1 or k["spec"].get("strategy", {}).get("type") != "Recreate":
                self.fail(k, "the keeper must be replicas: 1 with strategy Recreate (two would crank twice)")
            if any(h["spec"]["scaleTargetRef"]["name"] == k["metadata"]["name"] for h in self.of("HorizontalPodAutoscaler")):
                self.fail(k, "the keeper must not be autoscaled")

    def check_indexer_standby(self) -> None:
        indexers = self.workloads_running("orderbook-app", "index")
        if len(indexers) != 1:
            self.errors.append(f"expected one indexer workload, found {len(indexers)}")
        for ix in indexers:
            replicas = ix["spec"].get("replicas", 1)
            if replicas < 2:
                self.fail(ix, f"replicas {replicas}: the indexer needs a standby (2 or more)")
            labels = ix["spec"]["template"]["metadata"].get("labels", {})
            pdbs = [p for p in self.of("PodDisruptionBudget")
                    if subset(p["spec"]["selector"].get("matchLabels", {}), labels)]
            if not any(p["spec"].get("minAvailable", 0) >= 1 or p["spec"].get("maxUnavailable", replicas) < replicas
                       for p in pdbs):
                self.fail(ix, "no PodDisruptionBudget keeps one indexer available")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--bin", type=Path, required=True, help="directory of the built binaries")
    ap.add_argument("rendered", type=Path)
    a = ap.parse_args()
    docs = [d for d in yaml.safe_load_all(a.rendered.read_text()) if d]
    errors = Checker(docs, a.bin).run()
    for e in errors:
        print(f"{a.rendered.name}: {e}", file=sys.stderr)
    if not errors:
        print(f"{a.rendered.name}: {len(docs)} objects; selectors, references, environment and roles check out")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
