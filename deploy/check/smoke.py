#!/usr/bin/env python3
"""The manifest smoke run: start every container a rendered overlay runs
from our images as a local process, with the command, args and environment
the manifest gives it, as many as its replicas, and check that they work
together the way the manifests claim.

Service names (and external endpoints named with --map-host) are mapped to
loopback ports; each container's ports to free local ones; volumes to
scratch directories. PostgreSQL and Redis (a stock-image StatefulSet or a
CloudNativePG Cluster) are this machine's PostgreSQL, in a scratch database
reached through a proxy this script can cut, and a scratch redis-server.
When the overlay has no chain (prod: an external RPC) a local
orderbook-node stands in for it, and when it has no demo a demo market is
started beside it.

Checked, each by state with a bound on the wait (never a speed):
  1. every probe (startup, liveness, readiness) of every process answers 200;
  2. every path a ServiceMonitor scrapes answers Prometheus text;
  3. the feed replicas serve the market the indexers index;
  4. a database outage turns the feed's and the indexers' /readyz to 503
     while /livez stays 200 and no process exits; back, they are ready again;
  5. killing the indexer that leads the market makes the standby lead it.

    smoke.py --bin target/debug --overlay dev rendered.yaml
"""
import argparse
import base64
import json
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from k8s_check import BINARIES, WORKLOADS, image_name, subset

ROOT = Path(__file__).resolve().parents[2]
# Paths inside our images, and where the same files are in the repository.
IMAGE_PATHS = {"/usr/share/orderbook/web": ROOT / "app/web/dist"}
STOCK_DATABASE = ("postgres",)
STOCK_BROKER = ("redis",)
# Bounds on waiting for a state (generous: the CI machine may be loaded).
START_DEADLINE = 240.0
STATE_DEADLINE = 120.0


_HANDED_OUT: set[int] = set()


def free_port() -> int:
    """A free loopback port below the kernel's ephemeral range: between
    handing it out and the process binding it, the outgoing connections of
    the processes already started cannot take it (they draw from that range)."""
    try:
        low = int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    except (OSError, ValueError):
        low = 32768
    for _ in range(1000):
        port = random.randrange(10_000, max(low, 10_001))
        if port in _HANDED_OUT:
            continue
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
        _HANDED_OUT.add(port)
        return port
    raise SystemExit("smoke: no free port below the ephemeral range")


def get(url: str) -> tuple[int, str]:
    """(status, body) of GET url; (0, reason) when nothing answers."""
    try:
        with urllib.request.urlopen(url, timeout=5) as r:
            return r.status, r.read().decode(errors="replace")
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode(errors="replace")
    except (OSError, urllib.error.URLError) as e:
        return 0, str(e)


def wait_for(what: str, check, deadline: float = STATE_DEADLINE):
    """Poll check() until it returns a true value; fail naming `what` and its last answer."""
    end = time.monotonic() + deadline
    last = None
    while time.monotonic() < end:
        ok, last = check()
        if ok:
            return last
        time.sleep(0.5)
    raise SystemExit(f"smoke: gave up waiting ({deadline:.0f} s) for {what}; last: {last}")


class Proxy:
    """A TCP proxy to PostgreSQL that can be cut (every connection closed,
    new ones closed on accept) and restored: a database outage on demand."""

    def __init__(self, target: tuple[str, int]):
        self.target = target
        self.port = free_port()
        self.up = True
        self.conns: list[socket.socket] = []
        self.lock = threading.Lock()
        self.server = socket.create_server(("127.0.0.1", self.port))
        threading.Thread(target=self.accept, daemon=True).start()

    def accept(self) -> None:
        while True:
            client, _ = self.server.accept()
            if not self.up:
                client.close()
                continue
            try:
                upstream = socket.create_connection(self.target, timeout=5)
            except OSError:
                client.close()
                continue
            with self.lock:
                if not self.up:  # cut while connecting: no connection outlives a cut
                    client.close()
                    upstream.close()
                    continue
                self.conns += [client, upstream]
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self.pipe, args=(a, b), daemon=True).start()

    @staticmethod
    def pipe(a: socket.socket, b: socket.socket) -> None:
        try:
            while data := a.recv(65536):
                b.sendall(data)
        except OSError:
            pass
        for s in (a, b):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def cut(self) -> None:
        with self.lock:
            self.up = False
            for s in self.conns:
                try:
                    s.shutdown(socket.SHUT_RDWR)
                    s.close()
                except OSError:
                    pass
            self.conns.clear()

    def restore(self) -> None:
        self.up = True


def solana_keypair_json() -> str:
    """A new keypair in the Solana CLI's file format (seed ‖ public key)."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    key = Ed25519PrivateKey.generate()
    seed = key.private_bytes(serialization.Encoding.Raw, serialization.PrivateFormat.Raw,
                             serialization.NoEncryption())
    public = key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return json.dumps(list(seed + public))


@dataclass(eq=False)  # compared by identity (`in self.killed`)
class Instance:
    """One replica of one container, run as a local process."""
    workload: dict
    container: dict
    index: int
    ports: dict = field(default_factory=dict)  # containerPort → local port
    dirs: dict = field(default_factory=dict)  # mountPath → local dir
    proc: subprocess.Popen | None = None
    log: Path | None = None
    home: Path | None = None  # its working directory: the read-only root

    @property
    def name(self) -> str:
        return f"{self.workload['metadata']['name']}-{self.index}"

    def local_port(self, port) -> int:
        for p in self.container.get("ports", []):
            if port in (p.get("name"), p["containerPort"]):
                return self.ports[p["containerPort"]]
        raise SystemExit(f"smoke: {self.name} has no port {port!r}")

    def url(self, port, path: str) -> str:
        return f"http://127.0.0.1:{self.local_port(port)}{path}"

    def probes(self) -> list[tuple[str, str]]:
        found = []
        for kind in ("startupProbe", "livenessProbe", "readinessProbe"):
            http = self.container.get(kind, {}).get("httpGet")
            if http:
                found.append((kind, self.url(http["port"], http["path"])))
        return found


class Smoke:
    def __init__(self, a):
        self.a = a
        self.docs = [d for d in yaml.safe_load_all(a.rendered.read_text()) if d]
        self.work = Path(tempfile.mkdtemp(prefix=f"k8s-smoke-{a.overlay}-"))
        self.logs = a.log_dir or self.work / "logs"
        self.logs.mkdir(parents=True, exist_ok=True)
        self.instances: list[Instance] = []
        self.killed: list[Instance] = []  # by the failover check, on purpose
        self.extra: list[subprocess.Popen] = []
        self.redis_password = "smoke-" + base64.b16encode(os.urandom(8)).decode().lower()
        self.db_name = f"orderbook_k8s_smoke_{a.overlay}_{os.getpid()}"

    # ---- what the rendering holds ----

    def of(self, *kinds):
        return [d for d in self.docs if d["kind"] in kinds]

    def named(self, kind, name):
        return next((d for d in self.of(kind) if d["metadata"]["name"] == name), None)

    def stock(self, workload, images) -> bool:
        return any(image_name(c["image"]) in images for c in workload["spec"]["template"]["spec"]["containers"])

    def ours(self):
        return [w for w in self.of(*WORKLOADS)
                if all(image_name(c["image"]) in BINARIES for c in w["spec"]["template"]["spec"]["containers"])]

    # ---- backing services ----

    def start_backing(self) -> None:
        admin = self.a.postgres
        subprocess.run(["psql", admin, "-qc", f"CREATE DATABASE {self.db_name}"], check=True)
        host = re.search(r"host=(\S+)", admin).group(1)
        port = int(re.search(r"port=(\d+)", admin).group(1))
        user = re.search(r"user=(\S+)", admin).group(1)
        self.proxy = Proxy((host, port))
        self.database_url = f"host=127.0.0.1 port={self.proxy.port} user={user} dbname={self.db_name}"
        self.redis_port = free_port()
        password = self.redis_password_of_manifests() or self.redis_password
        self.redis_password = password
        self.extra.append(subprocess.Popen(
            ["redis-server", "--port", str(self.redis_port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--requirepass", password],
            stdout=open(self.logs / "redis.log", "w"), stderr=subprocess.STDOUT))

    def redis_password_of_manifests(self) -> str | None:
        """The password of a redis:// URL a rendered Secret or ConfigMap holds
        (the dev overlay's), which the stand-in Redis must then require."""
        for obj in self.of("Secret", "ConfigMap"):
            for key in {**obj.get("data", {}), **obj.get("stringData", {})}:
                value = self.secret_value(obj["metadata"]["name"], key) if obj["kind"] == "Secret" \
                    else obj["data"][key]
                m = re.match(r"rediss?://[^:/@]*:([^@]+)@", value or "")
                if m:
                    return m.group(1)
        return None

    def secret_value(self, name, key) -> str | None:
        secret = self.named("Secret", name)
        if secret is None:
            return None
        if key in secret.get("stringData", {}):
            return secret["stringData"][key]
        if key in secret.get("data", {}):
            return base64.b64decode(secret["data"][key]).decode()
        return None

    def external_secret(self, name, key) -> str:
        """What an operator creates before `kubectl apply` (docs/deploy.md)."""
        if key in ("url", "uri") and ("redis" in name):
            return f"redis://:{self.redis_password}@127.0.0.1:{self.redis_port}"
        if key in ("url", "uri"):
            return self.database_url
        if key == "keypair.json":
            return solana_keypair_json()
        raise SystemExit(f"smoke: no stand-in for Secret {name} key {key}")

    # ---- services → loopback ----

    def cnpg_cluster(self, service: str) -> dict | None:
        """The CloudNativePG Cluster behind one of its Services (`<cluster>-rw`, `-ro`, `-r`)."""
        for suffix in ("-rw", "-ro", "-r"):
            if service.endswith(suffix):
                return self.named("Cluster", service.removesuffix(suffix))
        return None

    def service_port(self, service: str, port) -> int:
        """The local port behind `service:port` (a Service of the rendering, or a stand-in)."""
        svc = self.named("Service", service)
        if svc is None:
            if self.cnpg_cluster(service):
                return self.proxy.port
            raise SystemExit(f"smoke: the manifests name Service {service}, which is not in the rendering")
        spec_port = next((p for p in svc["spec"]["ports"] if port in (p["port"], p.get("name"))), None)
        if spec_port is None:
            raise SystemExit(f"smoke: Service {service} has no port {port}")
        targets = [w for w in self.of(*WORKLOADS)
                   if subset(svc["spec"]["selector"], w["spec"]["template"]["metadata"].get("labels", {}))]
        if any(self.stock(w, STOCK_DATABASE) for w in targets):
            return self.proxy.port
        if any(self.stock(w, STOCK_BROKER) for w in targets):
            return self.redis_port
        for inst in self.instances:
            if inst.workload in targets:
                return inst.local_port(spec_port.get("targetPort", spec_port["port"]))
        raise SystemExit(f"smoke: Service {service} selects nothing this run starts")

    def rewrite(self, inst: Instance, value: str) -> str:
        if re.match(r"postgres(ql)?://", value) or "dbname=" in value:
            return self.database_url
        for path, local in sorted(inst.dirs.items(), key=lambda kv: -len(kv[0])):
            if value.startswith(path):
                return str(local) + value[len(path):]
        for path, local in IMAGE_PATHS.items():
            if value.startswith(path):
                return str(local) + value[len(path):]
        m = re.fullmatch(r"0\.0\.0\.0:(\d+)", value)
        if m:
            return f"127.0.0.1:{inst.ports[int(m.group(1))]}"
        for host, service in self.a.map_host:
            for scheme, local_scheme, port in (("https", "http", "rpc"), ("http", "http", "rpc"),
                                               ("wss", "ws", "pubsub"), ("ws", "ws", "pubsub")):
                prefix = f"{scheme}://{host}"
                if value.startswith(prefix):
                    return f"{local_scheme}://127.0.0.1:{self.service_port(service, port)}{value[len(prefix):]}"
        ns = r"(?:\.[a-z0-9-]+(?:\.svc(?:\.cluster\.local)?)?)?"
        return re.sub(r"(?<![\w.-])([a-z0-9]([-a-z0-9]*[a-z0-9])?)" + ns + r":(\d+)",
                      lambda m: f"127.0.0.1:{self.service_port(m.group(1), int(m.group(3)))}"
                      if self.named("Service", m.group(1)) or self.cnpg_cluster(m.group(1))
                      else m.group(0), value)

    def env_of(self, inst: Instance) -> dict:
        env = {"PATH": os.environ["PATH"], "HOME": str(inst.home)}
        for e in inst.container.get("env", []):
            if "value" in e:
                value = e["value"]
            else:
                ref = e["valueFrom"].get("configMapKeyRef") or e["valueFrom"]["secretKeyRef"]
                if "configMapKeyRef" in e["valueFrom"]:
                    value = self.named("ConfigMap", ref["name"])["data"][ref["key"]]
                else:
                    value = self.secret_value(ref["name"], ref["key"])
                    if value is None:
                        value = self.external_secret(ref["name"], ref["key"])
            env[e["name"]] = self.rewrite(inst, value)
        return env

    # ---- processes ----

    def prepare(self, workload, container, index) -> Instance:
        inst = Instance(workload, container, index)
        for p in container.get("ports", []):
            inst.ports[p["containerPort"]] = free_port()
        volumes = {v["name"]: v for v in workload["spec"]["template"]["spec"].get("volumes", [])}
        for mount in container.get("volumeMounts", []):
            local = self.work / inst.name / "volumes" / mount["name"]
            local.mkdir(parents=True)
            secret = volumes.get(mount["name"], {}).get("secret")
            if secret:
                for item in secret.get("items", []):
                    value = self.secret_value(secret["secretName"], item["key"]) \
                        or self.external_secret(secret["secretName"], item["key"])
                    (local / item["path"]).write_text(value)
                    (local / item["path"]).chmod(0o400)
            inst.dirs[mount["mountPath"]] = local
        # The read-only root filesystem: the process starts in an empty
        # directory, its HOME, which must still be empty when it stops.
        inst.home = self.work / inst.name / "root"
        inst.home.mkdir(parents=True)
        return inst

    def start(self, inst: Instance) -> None:
        binary = self.a.bin / BINARIES[image_name(inst.container["image"])]
        cmd = [str(binary)] + [self.rewrite(inst, x) for x in inst.container.get("args", [])]
        inst.log = self.logs / f"{inst.name}.log"
        inst.proc = subprocess.Popen(cmd, env=self.env_of(inst), cwd=inst.home,
                                     stdout=open(inst.log, "w"), stderr=subprocess.STDOUT)
        print(f"smoke: started {inst.name}: {' '.join(cmd[1:]) or '(no args)'}")

    def start_all(self) -> None:
        workloads = self.ours()
        plan = []
        for w in workloads:
            for i in range(self.replicas(w)):
                for c in w["spec"]["template"]["spec"]["containers"]:
                    plan.append(self.prepare(w, c, i))
        self.instances = list(plan)
        chain = [i for i in plan if image_name(i.container["image"]) == "orderbook-node"]
        if not chain:
            self.start_standin_node()
        for inst in chain:
            self.start(inst)
            self.wait_probes(inst)
        if not any(i.container.get("args", [])[:1] == ["demo"] for i in plan):
            self.start_standin_demo()
        for inst in plan:
            if inst not in chain:
                self.start(inst)

    def replicas(self, workload) -> int:
        """As many as the cluster would start: the HPA's minimum where one scales it."""
        for hpa in self.of("HorizontalPodAutoscaler"):
            ref = hpa["spec"]["scaleTargetRef"]
            if (ref["kind"], ref["name"]) == (workload["kind"], workload["metadata"]["name"]):
                return hpa["spec"].get("minReplicas", 1)
        return workload["spec"].get("replicas", 1)

    def start_standin_node(self) -> None:
        """The external RPC of an overlay without a chain, as a Service the map can name."""
        rpc, ws = free_port(), free_port()
        self.extra.append(subprocess.Popen(
            [str(self.a.bin / "orderbook-node"), "--rpc-addr", f"127.0.0.1:{rpc}", "--ws-addr",
             f"127.0.0.1:{ws}", "--ledger", str(self.work / "standin-ledger")],
            stdout=open(self.logs / "standin-node.log", "w"), stderr=subprocess.STDOUT))
        self.docs.append({"kind": "Service", "apiVersion": "v1", "metadata": {"name": "standin-node"},
                          "spec": {"selector": {"standin": "node"},
                                   "ports": [{"name": "rpc", "port": 8899}, {"name": "pubsub", "port": 8900}]}})
        standin = {"kind": "StatefulSet", "metadata": {"name": "standin-node"},
                   "spec": {"template": {"metadata": {"labels": {"standin": "node"}}, "spec": {"containers": []}}}}
        self.docs.append(standin)
        inst = Instance(standin, {"name": "node", "image": "orderbook-node",
                                  "ports": [{"name": "rpc", "containerPort": 8899},
                                            {"name": "pubsub", "containerPort": 8900}]}, 0,
                        ports={8899: rpc, 8900: ws})
        self.instances.append(inst)
        wait_for("the stand-in node's /health", lambda: (get(inst.url("rpc", "/health"))[0] == 200, None),
                 START_DEADLINE)
        self.a.map_host = [(h, "standin-node" if s == "auto" else s) for h, s in self.a.map_host]

    def start_standin_demo(self) -> None:
        rpc = f"http://127.0.0.1:{self.service_port(self.chain_service(), 'rpc')}"
        self.extra.append(subprocess.Popen(
            [str(self.a.bin / "orderbook-app"), "demo", "--rpc-url", rpc, "--market-file",
             str(self.work / "demo-market")],
            stdout=open(self.logs / "standin-demo.log", "w"), stderr=subprocess.STDOUT))

    def chain_service(self) -> str:
        return "standin-node" if self.named("Service", "standin-node") else "orderbook-node"

    def alive(self) -> None:
        """Every process still runs, but those this run killed on purpose."""
        for inst in self.instances:
            if inst.proc and inst.proc.poll() is not None and inst not in self.killed:
                raise SystemExit(f"smoke: {inst.name} exited ({inst.proc.returncode}); see {inst.log}")

    def wait_probes(self, inst: Instance) -> None:
        for kind, url in inst.probes():
            def answered(url=url, kind=kind):
                self.alive()
                code, body = get(url)
                if code == 404:
                    # Not a state that passes: the binary has no such route.
                    raise SystemExit(f"smoke: {inst.name}'s {kind} {url}: 404, the binary does not serve this path")
                return code == 200, f"{code} {body[:200]}"
            wait_for(f"{inst.name}'s {kind} {url}", answered, START_DEADLINE)
            print(f"smoke: {inst.name} {kind} {url.split('/', 3)[-1]}: 200")

    def stop_all(self) -> None:
        procs = [i.proc for i in self.instances if i.proc] + self.extra
        for p in procs:
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
        end = time.monotonic() + 30
        for p in procs:
            try:
                p.wait(max(0.1, end - time.monotonic()))
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()

    # ---- the checks ----

    def of_command(self, subcommand):
        return [i for i in self.instances if i.proc and i.container.get("args", [])[:1] == [subcommand]]

    def check_scrapes(self) -> None:
        for sm in self.of("ServiceMonitor"):
            services = [s for s in self.of("Service")
                        if subset(sm["spec"]["selector"]["matchLabels"], s["metadata"].get("labels", {}))]
            for svc in services:
                for inst in self.instances:
                    if not inst.proc or not subset(svc["spec"]["selector"], inst.workload["spec"]["template"]["metadata"]["labels"]):
                        continue
                    for ep in sm["spec"]["endpoints"]:
                        port = next(p for p in svc["spec"]["ports"] if p.get("name") == ep["port"])
                        url = inst.url(port.get("targetPort", port["port"]), ep.get("path", "/metrics"))
                        code, body = get(url)
                        if code != 200 or "# HELP orderbook_" not in body:
                            raise SystemExit(f"smoke: ServiceMonitor/{sm['metadata']['name']} scrapes {url}: {code} {body[:200]}")
                        print(f"smoke: {inst.name} scraped at {ep.get('path', '/metrics')}: {len(body)} bytes of orderbook_ metrics")

    def market(self) -> str:
        feeds = self.of_command("feed")

        def served():
            self.alive()
            markets = []
            for f in feeds:
                code, body = get(f.url("http", "/api/markets"))
                markets.append(json.loads(body)["markets"] if code == 200 else [])
            ok = all(markets) and len({m[0]["market"] for m in markets}) == 1
            return ok, markets
        markets = wait_for("every feed replica to serve the indexed market", served)
        market = markets[0][0]["market"]
        print(f"smoke: {len(feeds)} feed replicas serve market {market}")
        return market

    def check_database_outage(self) -> None:
        watched = self.of_command("feed") + self.of_command("index")
        ready = [(i, next(u for k, u in i.probes() if k == "readinessProbe")) for i in watched]
        live = [next(u for k, u in i.probes() if k == "livenessProbe") for i in watched]
        self.proxy.cut()
        print("smoke: database cut")
        for inst, url in ready:
            def down(url=url):
                self.alive()
                code, body = get(url)
                return code == 503 and '"database":"down"' in body, f"{code} {body[:200]}"
            wait_for(f"{inst.name}'s /readyz to report the database down", down)
        for url in live:
            def live_answers(url=url):
                code, body = get(url)
                if code not in (0, 200):
                    raise SystemExit(f"smoke: {url} answered {code} during the database outage: "
                                     "liveness must not depend on it")
                return code == 200, f"{code} {body[:200]}"
            wait_for(f"{url} during the database outage", live_answers)
        self.alive()
        print(f"smoke: database down: {len(ready)} processes not ready, all live, none exited")
        self.proxy.restore()
        for inst, url in ready:
            wait_for(f"{inst.name}'s /readyz after the database returned",
                     lambda url=url: (get(url)[0] == 200, get(url)))
        print("smoke: database back: all ready again")

    def check_failover(self, market: str) -> None:
        indexers = self.of_command("index")
        port = "ops"

        def leaders():
            found = []
            for i in indexers:
                if i.proc.poll() is not None:
                    continue
                code, body = get(i.url(port, "/metrics"))
                if re.search(r'orderbook_indexer_leading\{market="' + market + r'"\} 1\b', body):
                    found.append(i)
            return len(found) == 1, found
        leader = wait_for(f"one indexer to lead {market}", leaders)[0]
        self.killed.append(leader)
        leader.proc.kill()
        leader.proc.wait()
        print(f"smoke: killed {leader.name}, the leader of {market}")
        standby = wait_for(f"the standby to lead {market}", leaders)[0]
        print(f"smoke: {standby.name} leads {market} now")

    def check_roots_untouched(self) -> None:
        for inst in self.instances:
            home = inst.home
            if home and any(home.iterdir()):
                raise SystemExit(f"smoke: {inst.name} wrote {sorted(p.name for p in home.iterdir())} outside its "
                                 "volumes (the root filesystem is read-only on the cluster)")

    def run(self) -> None:
        self.start_backing()
        try:
            self.start_all()
            for inst in self.instances:
                if inst.proc:
                    self.wait_probes(inst)
            self.check_scrapes()
            market = self.market()
            self.check_database_outage()
            self.check_failover(market)
            self.alive()
        finally:
            self.stop_all()
            subprocess.run(["psql", self.a.postgres, "-qc", f"DROP DATABASE IF EXISTS {self.db_name} WITH (FORCE)"])
        self.check_roots_untouched()
        print(f"smoke: {self.a.overlay}: ok")
        shutil.rmtree(self.work, ignore_errors=True)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--bin", type=Path, required=True, help="directory of the built binaries")
    ap.add_argument("--overlay", required=True)
    ap.add_argument("--postgres", default="host=127.0.0.1 port=5432 user=postgres dbname=postgres",
                    help="an administrative connection to the local PostgreSQL (libpq key=value)")
    ap.add_argument("--map-host", action="append", default=[], type=lambda s: tuple(s.split("=", 1)),
                    help="HOST=SERVICE: an external endpoint the manifests name, served by SERVICE "
                         "('auto': the stand-in node when the overlay has no chain)")
    ap.add_argument("--log-dir", type=Path)
    ap.add_argument("rendered", type=Path)
    a = ap.parse_args()
    a.bin = a.bin.resolve()
    smoke = Smoke(a)
    try:
        smoke.run()
    except SystemExit as e:
        print(e, file=sys.stderr)
        for log in sorted(smoke.logs.glob("*.log")):
            print(f"--- {log.name} (last lines)", file=sys.stderr)
            print("\n".join(log.read_text(errors="replace").splitlines()[-15:]), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
