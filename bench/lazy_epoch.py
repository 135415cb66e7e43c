#!/usr/bin/python3
"""Lazy-read benchmark: a training epoch on a partial clone that fetches on demand.

    /usr/bin/python3 bench/lazy_epoch.py [--build DIR] [--repeats N] [--no-results-md]

Workload A (5,000 64x64x3 PNG images in 10 class folders, `import --labels`) is served by
`hangar server` on a free loopback port. Rows, each epoch in a fresh process, through
`hangar.torch.Dataset(...).loader(batch_size=64, shuffle=True, num_workers=0|2)`:
  local        a full clone (`hangar clone URL`): the epoch every later one is compared with
  lazy first   a fresh copy of `hangar clone --lazy URL --max-bytes 10%`: its first epoch reads
               the other 90% from the server (the loader's prefetch thread fetches ahead)
  lazy second  the next epoch in that copy: everything is local by then
Two loops: "data" touches every batch (one element read: the input pipeline alone) and "train"
runs the README's model step (Flatten + Linear, cross-entropy, Adam) on every batch.
Bytes on the wire: /sys/class/net/lo/statistics/rx_bytes over the first lazy epoch (both
directions, TCP/IP headers included; keep the machine quiet), against the stored bytes of the
chunks the epoch needed (`drop-data --dry-run --json`'s stored_bytes of the full clone minus
those of the 10% clone). Peer rows come from bench/peers.tsv (hangar-py 0.5.2 and git-lfs have
no lazy read: their way to read the other 90% is to fetch it, then read). Writes
bench/out/lazy_epoch.{json,md} and the "Lazy reads (issue 13)" section of bench/RESULTS.md.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import signal
import statistics
import subprocess
import sys
import time

BENCH = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(BENCH)
sys.path.insert(0, BENCH)
import python_loader  # noqa: E402  (make_classes, splice; imports no hangar)

SECTION = "## Lazy reads (issue 13)"
PY = "/usr/bin/python3"
BATCH = 64
N, SIZE = 5000, 64

# One epoch in a fresh process: argv = repo, workers, loop ("data" or "train"), seed.
EPOCH = r"""
import json, math, sys, time
import torch, hangar, hangar.torch
repo, workers, loop, seed = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4])
def lo():
    with open("/sys/class/net/lo/statistics/rx_bytes") as f:
        return int(f.read())
ds = hangar.torch.Dataset(repo, columns=("images", "labels"), ref="main")
torch.set_num_threads(1)  # the model on one core; the other runs the fetch (and the server)
torch.manual_seed(0)
model = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(64 * 64 * 3, 10))
opt = torch.optim.Adam(model.parameters(), lr=1e-4)
n, wire0, t0 = 0, lo(), time.perf_counter()
for x, y in ds.loader(batch_size=64, shuffle=True, num_workers=workers, seed=seed):
    if loop == "train":
        loss = torch.nn.functional.cross_entropy(model(x.float() / 255), y)
        opt.zero_grad(); loss.backward(); opt.step()
    else:
        int(x[0, 0, 0, 0]) + int(y[0])
    n += len(y)
s = time.perf_counter() - t0
with open("/proc/self/status") as f:
    hwm = next(int(l.split()[1]) for l in f if l.startswith("VmHWM"))
print(json.dumps({"samples": n, "seconds": s, "wire_bytes": lo() - wire0,
                  "peak_mb": hwm / 1024, "lazy": ds.lazy}))
"""

# Every sample of both columns, equal in two repositories: argv = repo_a, repo_b.
SAME = r"""
import sys, numpy as np, hangar
a, b = (hangar.Repository(p).checkout("main") for p in sys.argv[1:3])
keys = list(a["images"].keys())
same = all(np.array_equal(a[c].get_batch(keys), b[c].get_batch(keys)) for c in ("images", "labels"))
print("true" if same else "false")
"""


def sh(*args, **kw) -> str:
    return subprocess.run([str(a) for a in args], check=True, capture_output=True, text=True,
                          **kw).stdout


class Bench:
    def __init__(self, build: str, work: str) -> None:
        self.h = os.path.join(build, "cli", "hangar")
        self.env = dict(os.environ, PYTHONPATH=os.path.join(build, "python"))
        self.work = work
        self.server: subprocess.Popen | None = None

    def hangar(self, *args) -> str:
        return sh(self.h, *args)

    def serve(self, repo: str) -> str:
        port_file = os.path.join(self.work, "port")
        if os.path.exists(port_file):
            os.remove(port_file)
        self.server = subprocess.Popen([self.h, "server", repo, "--port", "0", "--port-file",
                                        port_file], stdout=subprocess.DEVNULL,
                                       stderr=subprocess.DEVNULL)
        for _ in range(200):
            if os.path.exists(port_file) and open(port_file).read().strip():
                return f"http://127.0.0.1:{open(port_file).read().strip()}"
            time.sleep(0.05)
        raise SystemExit("bench: the server did not start")

    def stop(self) -> None:
        if self.server:
            self.server.send_signal(signal.SIGTERM)
            self.server.wait()
            self.server = None

    def epoch(self, repo: str, workers: int, loop: str, seed: int) -> dict:
        out = subprocess.run([PY, "-c", EPOCH, repo, str(workers), loop, str(seed)], env=self.env,
                             check=True, capture_output=True, text=True)
        return json.loads(out.stdout)

    def stored_bytes(self, repo: str) -> int:
        return json.loads(self.hangar("-C", repo, "drop-data", "--dry-run", "--json"))["stored_bytes"]

    def local_count(self, repo: str) -> int:
        cols = json.loads(self.hangar("-C", repo, "summary", "--json"))["columns"]
        return sum(c["local_count"] for c in cols)


def measure(a) -> dict:
    build = os.path.abspath(a.build)
    out = os.path.join(BENCH, "out")
    data = os.path.join(out, "data", f"A-{N}-{SIZE}")
    work = os.path.join(out, "lazy")
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    if not os.path.exists(os.path.join(data, "deletes.txt")):
        shutil.rmtree(data, ignore_errors=True)
        sh(os.path.join(build, "bench", "bench_gen_workload"), data, N, SIZE)
    python_loader.make_classes(argparse.Namespace(src=os.path.join(data, "base"),
                                                  dst=os.path.join(work, "classes")))
    b = Bench(build, work)
    src, full, lazy0 = (os.path.join(work, d) for d in ("src", "full", "lazy0"))
    b.hangar("init", src)
    b.hangar("-C", src, "import", "images", os.path.join(work, "classes"), "--labels", "labels")
    b.hangar("-C", src, "commit", "-m", "base")
    url = b.serve(src)
    rows, t0 = [], time.time()
    try:
        clone_s = []
        for _ in range(3):  # the transfer rate this machine gets: whole clones, median of 3
            shutil.rmtree(full, ignore_errors=True)
            t = time.perf_counter()
            got = json.loads(b.hangar("clone", url, full, "--json"))
            clone_s.append(time.perf_counter() - t)
        clone = json.loads(b.hangar("clone", "--lazy", url, lazy0, "--max-bytes", "10%", "--json"))
        needed = b.stored_bytes(full) - b.stored_bytes(lazy0)
        total = json.loads(b.hangar("-C", full, "summary", "--json"))["columns"]
        count = sum(c["count"] for c in total)
        info = {"samples": N, "clone_lazy_10pct": clone, "chunk_bytes_needed": needed,
                "full_clone_s": statistics.median(clone_s),
                "full_clone_bytes": got["bytes_received"],
                "local_at_start": b.local_count(lazy0), "count": count}
        same = True
        for loop in ("data", "train"):
            for workers in (0, 2):
                local, first, second, wire = [], [], [], []
                b.epoch(full, workers, loop, 99)  # warm-up: page cache, torch import
                for r in range(a.repeats):
                    local.append(b.epoch(full, workers, loop, r)["seconds"])
                    copy = os.path.join(work, f"lazy-{loop}-{workers}-{r}")
                    shutil.copytree(lazy0, copy, symlinks=True)
                    e1 = b.epoch(copy, workers, loop, r)
                    assert e1["lazy"] and e1["samples"] == N, e1
                    first.append(e1["seconds"])
                    wire.append(e1["wire_bytes"])
                    if b.local_count(copy) != count:
                        raise SystemExit(f"bench: {copy} is not all local after its first epoch")
                    second.append(b.epoch(copy, workers, loop, r + 100)["seconds"])
                    if r == 0:
                        same = same and sh(PY, "-c", SAME, full, copy, env=b.env).strip() == "true"
                    shutil.rmtree(copy)
                rows.append({"loop": loop, "workers": workers, "local_s": local,
                             "lazy_first_s": first, "lazy_second_s": second, "wire_bytes": wire})
                m = statistics.median
                print(f"{loop:5} {workers} workers: local {N / m(local):8.0f}/s  lazy first "
                      f"{N / m(first):8.0f}/s ({m(local) / m(first):.2f}x)  second "
                      f"{N / m(second):8.0f}/s ({m(local) / m(second):.2f}x)  wire "
                      f"{m(wire) / needed:.3f}x of {needed} B", flush=True)
        info["same_samples"] = same
    finally:
        b.stop()
    info["seconds"] = time.time() - t0
    return {"rows": rows, "info": info}


def peers() -> dict:
    """Workload A's 'fetch data, the rest' and 'read every sample in the clone' seconds of
    hangar-py and git-lfs from bench/peers.tsv (workload, step, hangar-py s, MB, git-lfs s)."""
    got: dict = {}
    with open(os.path.join(BENCH, "peers.tsv")) as f:
        for line in f:
            p = line.rstrip("\n").split("\t")
            if len(p) >= 5 and p[0] == "A" and p[1] in ("fetch_rest", "read_clone"):
                got[p[1]] = {"hangar-py": float(p[2]), "git-lfs": float(p[4])}
    return got


def report(res: dict, command: str, results_md: str | None) -> str:
    m = statistics.median
    info = res["info"]
    needed = info["chunk_bytes_needed"]
    with open("/proc/meminfo") as f:
        mem = int(f.readline().split()[1])
    import torch
    md = [SECTION, "",
          f"Produced by `{command}` on {time.strftime('%Y-%m-%d', time.gmtime())} "
          f"({os.cpu_count()} cores, {mem / 1048576:.0f} GiB, {platform.system()} "
          f"{platform.release()}; torch {torch.__version__}); raw figures in "
          "`bench/out/lazy_epoch.json`. Workload A (5,000 64x64x3 images in 10 classes + labels) "
          "served by `hangar server` on loopback. Each epoch is a fresh process running "
          "`hangar.torch.Dataset(...).loader(batch_size=64, shuffle=True, num_workers=W)` over "
          "all keys, timed from `iter(loader)` to the last batch (median of "
          f"{len(res['rows'][0]['local_s'])}). *local*: a full clone. *lazy first*: a fresh copy "
          "of `hangar clone --lazy URL --max-bytes 10%` "
          f"({info['local_at_start']} of {info['count']} samples local), whose first epoch "
          "fetches the rest through the loader's prefetch thread. *lazy second*: the next epoch "
          "in that copy. *data*: each batch touched only (the input pipeline alone); *train*: the "
          "README's model step on each batch (torch on one thread: 2 cores are shared with the fetch and "
          "the server). Wire: loopback bytes during the first lazy epoch "
          "(both directions, TCP/IP headers included) over the stored bytes of the chunks it "
          f"needed ({needed / 1e6:.1f} MB). Every sample of a lazy copy equal to the full "
          f"clone's after its first epoch: {info['same_samples']}.", "",
          "| loop | workers | local samples/s | lazy first samples/s | x local | lazy second "
          "samples/s | x local | wire / needed |", "|---|---|---|---|---|---|---|---|"]
    for r in res["rows"]:
        lo, f1, f2 = (N / m(r[k]) for k in ("local_s", "lazy_first_s", "lazy_second_s"))
        md.append(f"| {r['loop']} | {r['workers']} | {lo:.0f} | {f1:.0f} | {f1 / lo:.2f} | "
                  f"{f2:.0f} | {f2 / lo:.2f} | {m(r['wire_bytes']) / needed:.3f} |")
    p = peers()
    if p:
        t = {k: p["fetch_rest"][k] + p["read_clone"][k] for k in ("hangar-py", "git-lfs")}
        ours = min(m(r["lazy_first_s"]) for r in res["rows"] if r["loop"] == "data")
        md += ["", "Peers have no lazy read: to read the other 90% of a 10% clone they fetch it, "
               "then read (workload A, `bench/peers.tsv`: measured 2026-11-24 on this machine kind, "
               f"`../shared/PEER_RESULTS.md`, not in this run): hangar-py 0.5.2 {p['fetch_rest']['hangar-py']:.2f} s + "
               f"{p['read_clone']['hangar-py']:.2f} s = {t['hangar-py']:.2f} s, git-lfs "
               f"{p['fetch_rest']['git-lfs']:.2f} s + {p['read_clone']['git-lfs']:.2f} s = "
               f"{t['git-lfs']:.2f} s; hangar's first lazy epoch does both in {ours:.2f} s "
               f"({t['hangar-py'] / ours:.0f}x and {t['git-lfs'] / ours:.0f}x faster)."]
    rate = info["full_clone_bytes"] / info["full_clone_s"]
    fetch_s = needed / rate
    md += ["", f"Transfer bound: a full `hangar clone` over the same loopback took "
           f"{info['full_clone_s']:.2f} s for {info['full_clone_bytes'] / 1e6:.1f} MB "
           f"({rate / 1e6:.0f} MB/s, median of 3, this run), so moving the {needed / 1e6:.1f} MB "
           f"a first lazy epoch needs takes at least {fetch_s:.2f} s at that rate. A first epoch "
           "can overlap the fetch with its reads and training but not finish before it: its best "
           "is local samples/s x min(1, local epoch s / fetch s) = " + ", ".join(
               f"{r['loop']} {r['workers']} workers "
               f"{min(1.0, m(r['local_s']) / fetch_s):.2f}x" for r in res["rows"]) + "."]
    spread = max(max(r[k]) / min(r[k]) for r in res["rows"] for k in ("local_s", "lazy_second_s"))
    md += ["", "The issue's \"second epoch = local speed +-10%\" is checked as >= 0.9x: a second "
           "epoch faster than the local one only shows this VM's noise (the same row's epochs "
           f"spread by up to {spread:.2f}x in this run; every epoch is in the JSON).", "",
           "| target | result |", "|---|---|"]

    def verdict(ok: bool) -> str:
        return "met" if ok else "**missed**"
    for r in res["rows"]:
        lo, f1, f2 = (N / m(r[k]) for k in ("local_s", "lazy_first_s", "lazy_second_s"))
        w = m(r["wire_bytes"]) / needed
        md.append(f"| {r['loop']}, {r['workers']} workers: first lazy epoch >= 0.5x local; second "
                  f">= 0.9x local; wire <= 1.05x needed | {verdict(f1 >= 0.5 * lo)}: "
                  f"{f1 / lo:.2f}x; {verdict(f2 / lo >= 0.90)}: {f2 / lo:.2f}x; "
                  f"{verdict(w <= 1.05)}: {w:.3f}x |")
    why = []
    for r in res["rows"]:
        lo, f1, f2 = (N / m(r[k]) for k in ("local_s", "lazy_first_s", "lazy_second_s"))
        best = min(1.0, m(r["local_s"]) / fetch_s)
        if f1 < 0.5 * lo and best < 0.5:
            why.append(f"- {r['loop']}, {r['workers']} workers, first epoch: the local epoch takes "
                       f"{m(r['local_s']):.3f} s, less than moving the data takes ({fetch_s:.2f} s "
                       f"at this run's clone rate), so at most {best:.2f}x is reachable here; "
                       f"{f1 / lo:.2f}x is {f1 / lo / best:.0%} of that bound.")
        if f2 < 0.9 * lo:
            extra = (m(r["lazy_second_s"]) - m(r["local_s"])) * 1000
            why.append(f"- {r['loop']}, {r['workers']} workers, second epoch: +{extra:.0f} ms an "
                       "epoch: in a lazy repository the loader's thread still checks that every "
                       "sample's chunks are local (a chunk-index lookup per sample) and hands "
                       "windows between threads; under a training step (the train rows) that "
                       "cost disappears.")
    if why:
        md += ["", "Why the misses:", ""] + why
    text = "\n".join(md) + "\n"
    if results_md:
        python_loader.splice(results_md, text, SECTION)
    return text


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--build", default=os.path.join(ROOT, "build"),
                    help="build with cli/hangar, python/hangar and bench/bench_gen_workload")
    ap.add_argument("--repeats", type=int, default=5, help="epochs per row (the median is kept)")
    ap.add_argument("--no-results-md", action="store_true",
                    help="do not update bench/RESULTS.md (bench/out/lazy_epoch.md still written)")
    a = ap.parse_args()
    if a.repeats < 1:
        ap.error("--repeats needs a positive number")
    for need in ("cli/hangar", "bench/bench_gen_workload"):
        if not os.path.exists(os.path.join(a.build, need)):
            ap.error(f"no {need} in {a.build}: build with -DHANGAR_BUILD_BENCH=ON (bench/run.sh)")
    res = measure(a)
    os.makedirs(os.path.join(BENCH, "out"), exist_ok=True)
    with open(os.path.join(BENCH, "out", "lazy_epoch.json"), "w") as f:
        json.dump(res, f, indent=1)
    cmd = "/usr/bin/python3 bench/lazy_epoch.py" + "".join(" " + x for x in sys.argv[1:])
    text = report(res, cmd, None if a.no_results_md else os.path.join(BENCH, "RESULTS.md"))
    with open(os.path.join(BENCH, "out", "lazy_epoch.md"), "w") as f:
        f.write(text)
    print(text)


if __name__ == "__main__":
    main()
