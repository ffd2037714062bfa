#!/usr/bin/env python3
"""Benchmarks Strongroom's local engine side by side with Podman.

Measures, in one run on this host:
  1. time from `apply` of an application with 1, 10 and 50 instances until
     every instance is healthy, next to Podman 4.3 (runc) starting the same
     image the same number of times, one after another, until each serves HTTP;
  2. time from an instance's process being killed until its replacement
     passes its readiness check (median over several kills);
  3. resident memory of the control plane, idle and with 200 instances.

Run as root after `cargo build --release -p strongroom`:
    python3 bench/run.py [--sizes 1,10,50] [--kills 10] [--memory-instances 200]

Everything it starts (registry, server, containers, networks) is removed at
the end, also when a step fails. Traffic goes only to loopback and to the
addresses of the bridges this script's platform and Podman create.
"""

import argparse
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BINARY = os.path.join(ROOT, "target", "release", "strongroom")
TENANT = "bench"
SUBNET = "10.231.0.0/24"
PODMAN = ["podman", "--runtime", "runc"]
PODMAN_RUN = ["run", "-d", "--ulimit", "nofile=1024:1024", "--ulimit", "nproc=4096:4096"]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def http_ok(ip, port=8080, timeout=0.5):
    try:
        with socket.create_connection((ip, port), timeout=timeout) as s:
            s.settimeout(timeout)
            s.sendall(b"GET / HTTP/1.0\r\n\r\n")
            return s.recv(64).startswith(b"HTTP/1.")
    except OSError:
        return False


class Platform:
    """A registry with the sample image and a `strongroom server`, all temporary."""

    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="strongroom-bench-")
        self.data_dir = os.path.join(self.dir, "data")
        self.registry = f"127.0.0.1:{free_port()}"
        self.listen = f"127.0.0.1:{free_port()}"
        self.server = None
        subprocess.run([os.path.join(ROOT, "scripts/registry.sh"), "start", os.path.join(self.dir, "registry"), self.registry], check=True, stdout=subprocess.DEVNULL)
        self.image = f"{self.registry}/samples/httpd:1.0"
        subprocess.run([os.path.join(ROOT, "scripts/build-sample-image.sh"), self.image], check=True, stdout=subprocess.DEVNULL)
        log = open(os.path.join(self.dir, "server.log"), "ab")
        self.server = subprocess.Popen([BINARY, "--data-dir", self.data_dir, "server", "--listen", self.listen], stdout=log, stderr=log)
        self.url = f"http://{self.listen}"
        deadline = time.monotonic() + 30
        while True:
            try:
                self.request("GET", "/api/v1/healthz")
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)
        self.apply(tenant_manifest())

    def token(self):
        with open(os.path.join(self.data_dir, "admin.token")) as f:
            return f.read().strip()

    def request(self, method, path, body=None):
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(self.url + path, data=data, method=method)
        request.add_header("Content-Type", "application/json")
        if os.path.exists(os.path.join(self.data_dir, "admin.token")):
            request.add_header("Authorization", "Bearer " + self.token())
        with urllib.request.urlopen(request, timeout=10) as response:
            return json.loads(response.read() or b"null")

    def apply(self, text):
        return self.request("POST", "/api/v1/apply", {"files": [{"name": "bench.yaml", "content": text}], "dryRun": False})

    def app(self, name):
        return self.request("GET", f"/api/v1/tenants/{TENANT}/applications/{name}")

    def healthy_instances(self, name):
        instances = (self.app(name).get("status") or {}).get("instances") or []
        return [i for i in instances if i.get("healthy")]

    def delete(self, name):
        self.request("DELETE", f"/api/v1/tenants/{TENANT}/applications/{name}")
        while True:
            try:
                self.app(name)
            except urllib.error.HTTPError as error:
                if error.code == 404:
                    return
                raise
            time.sleep(0.2)

    def rss_kib(self):
        with open(f"/proc/{self.server.pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
        return 0

    def close(self):
        if self.server and self.server.poll() is None:
            self.server.terminate()
            self.server.wait(timeout=30)
        subprocess.run([BINARY, "--data-dir", self.data_dir, "down", "--purge"], stdout=subprocess.DEVNULL)
        subprocess.run([os.path.join(ROOT, "scripts/registry.sh"), "stop", os.path.join(self.dir, "registry")])
        shutil.rmtree(self.dir, ignore_errors=True)


def tenant_manifest():
    return f"apiVersion: strongroom/v1\nkind: Tenant\nmetadata:\n  name: {TENANT}\nspec:\n  network:\n    subnet: {SUBNET}\n"


def app_manifest(name, image, desired):
    return f"""apiVersion: strongroom/v1
kind: Application
metadata:
  name: {name}
  tenant: {TENANT}
spec:
  owner: bench
  contact: bench@bank.example
  securityLevel: 3
  networkZone: business
  image: {image}
  ports:
    - name: http
      port: 8080
  resources:
    memory: 32Mi
  instances:
    desired: {desired}
    max: 1000
  healthChecks:
    readiness:
      http:
        port: http
      period: 1s
  stopGracePeriod: 2s
"""


def strongroom_start(platform, count):
    name = f"start{count}"
    started = time.monotonic()
    platform.apply(app_manifest(name, platform.image, count))
    while len(platform.healthy_instances(name)) < count:
        time.sleep(0.02)
    elapsed = time.monotonic() - started
    ips = [i["ip"] for i in platform.healthy_instances(name)]
    assert all(http_ok(ip) for ip in ips), "an instance reported healthy does not answer"
    platform.delete(name)
    return elapsed


def podman_start(image, count):
    names = [f"strongroom-bench-{os.getpid()}-{i}" for i in range(count)]
    try:
        started = time.monotonic()
        for name in names:
            subprocess.run(PODMAN + PODMAN_RUN + ["--name", name, image], check=True, stdout=subprocess.DEVNULL)
        for name in names:
            ip = subprocess.run(PODMAN + ["inspect", name, "--format", "{{.NetworkSettings.IPAddress}}"], check=True, capture_output=True, text=True).stdout.strip()
            while not http_ok(ip):
                time.sleep(0.01)
        return time.monotonic() - started
    finally:
        subprocess.run(PODMAN + ["rm", "-f", "-t", "0"] + names, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def recovery_times(platform, kills):
    """Kills the process of each of `kills` instances once and times its return.

    Each instance is killed only once: a second failure of the same instance
    would wait for the restart backoff, which is what a crash loop should get.
    """
    name = "recovery"
    platform.apply(app_manifest(name, platform.image, kills))
    while len(platform.healthy_instances(name)) < kills:
        time.sleep(0.05)
    times = []
    runtime_root = os.path.join(platform.data_dir, "engine", "runtime", "runtime")
    for ordinal in range(kills):
        instance = next(i for i in platform.app(name)["status"]["instances"] if i["name"] == f"{name}-{ordinal}")
        state = json.loads(subprocess.run(["runc", "--root", runtime_root, "state", instance["containerId"]], check=True, capture_output=True).stdout)
        killed = time.monotonic()
        os.kill(state["pid"], signal.SIGKILL)
        while True:
            instance = next(i for i in platform.app(name)["status"]["instances"] if i["name"] == f"{name}-{ordinal}")
            if instance["restarts"] > 0 and instance["healthy"]:
                break
            time.sleep(0.01)
        times.append(time.monotonic() - killed)
    platform.delete(name)
    return times


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1,10,50", help="instance counts to start, comma-separated")
    parser.add_argument("--kills", type=int, default=10, help="instances killed once each for the recovery measurement")
    parser.add_argument("--memory-instances", type=int, default=200, help="instances running for the memory measurement")
    args = parser.parse_args()
    if not os.path.exists(BINARY):
        sys.exit(f"error: {BINARY} not found: run `cargo build --release -p strongroom` first")

    platform = Platform()
    try:
        print(f"# host: {os.cpu_count()} cores, kernel {os.uname().release}")
        subprocess.run(PODMAN + ["pull", "-q", "--tls-verify=false", platform.image], check=True, stdout=subprocess.DEVNULL)
        print("warm-up (pull and unpack the image once):", f"{strongroom_start(platform, 1):.2f} s")
        time.sleep(1)
        idle = platform.rss_kib()

        print("\n| instances | Strongroom apply → all healthy | Podman 4.3 run → all answering | speed-up |")
        print("|---:|---:|---:|---:|")
        for count in [int(n) for n in args.sizes.split(",")]:
            ours = strongroom_start(platform, count)
            theirs = podman_start(platform.image, count)
            print(f"| {count} | {ours:.2f} s | {theirs:.2f} s | {theirs / ours:.1f}× |", flush=True)

        times = recovery_times(platform, args.kills)
        print(f"\nrecovery after kill -9 ({len(times)} kills): median {statistics.median(times):.3f} s, "
              f"min {min(times):.3f} s, max {max(times):.3f} s")

        name = "memory"
        platform.apply(app_manifest(name, platform.image, args.memory_instances))
        while len(platform.healthy_instances(name)) < args.memory_instances:
            time.sleep(0.5)
        time.sleep(2)
        loaded = platform.rss_kib()
        print(f"\ncontrol-plane RSS: idle {idle / 1024:.1f} MiB, with {args.memory_instances} instances {loaded / 1024:.1f} MiB")
        platform.delete(name)
    finally:
        platform.close()


if __name__ == "__main__":
    main()
