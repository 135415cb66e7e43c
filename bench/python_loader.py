#!/usr/bin/python3
"""Python training-loop benchmark; bench/python_loader.sh drives it.

Samples/s into a training loop on one workload; every batch is touched (one element read, as a
training step reads its input). Rows:
  ours     hangar, this project's package (/usr/bin/python3, PYTHONPATH=BUILD/python):
           col[key] loop; col.get_batch(64 keys) loop; hangar.torch.Dataset through
           DataLoader(batch_size=64, shuffle=True, num_workers=0|2); the batched path
           ds.loader(batch_size=64, shuffle=True, num_workers=0|2) (one get_batch per column
           per batch)
  peer     hangar-py 0.5.2 (/opt/hangar-py-venv/bin/python): col[key] loop;
           hangar.dataset.make_torch_dataset through the same DataLoader settings
  ceiling  torch.utils.data.TensorDataset over the same samples held in RAM: the same DataLoader
           settings, and the same batch sampler as ds.loader
  rss      a DataLoader worker's peak RSS (VmHWM), 2 workers, in a fresh process: a Dataset that
           loads nothing (a constant sample of the same shape) vs ours (vs hangar-py's)
Rates are the median of 3 epochs (--epochs; more while they add up to < 0.5 s) after one
warm-up epoch. An epoch starts with iter(loader), so it includes starting the workers
(DataLoader's default, persistent_workers False), as a training loop's epoch does.

Modes:
  classes     --src BASE --dst DIR       hard links BASE/NNNNNN.png -> DIR/c<N%10>/NNNNNN.png
  arrays      --repo R --arrays DIR      images.npy/labels.npy from our package (no hangar-py)
  peer-build  --src DIR --repo P --arrays DIR
                                         (hangar-py's interpreter) its repository, decoded with
                                         PIL, and images.npy/labels.npy in our key order
  rows        --impl ours-read|ours|rss|ceiling|peer-read|peer|peer-rss --repo R --arrays DIR
              [--epochs N]
                                         one measurement process (the loader rows of each
                                         package in a process of their own, like the
                                         ceiling's); prints one JSON document
  run         --workload W --repo R --arrays DIR --cxx-rate S --out PREFIX
              [--peer-python PY --peer-repo P] [--epochs N] [--no-ours]
                                         every process of one workload; prints the table,
                                         writes PREFIX.tsv and PREFIX.json
  report      --results JSON... --command CMD --md FILE
                                         the RESULTS.md section (replaced in FILE, or appended)
Both packages are called `hangar`: nothing here imports it at module level, and hangar-py runs
in its own interpreter.
"""
from __future__ import annotations

import argparse
import json
import math
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import time

BATCH = 64
MIN_TIMED_S = 0.5  # timed epochs per row: --epochs (3), more while they add up to less
WORKERS = (0, 2)
SECTION = "## Python training loop (issue 12)"


# ---------------------------------------------------------------------------------------------
# memory


def status_kb(field: str, pid: int | str = "self") -> int:
    """A 'Field:  N kB' line of /proc/PID/status, in kB (-1 when absent)."""
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return -1


def reset_peak() -> None:
    """Resets this process's VmHWM to its current RSS (Linux >= 4.0: clear_refs 5)."""
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
    except OSError:
        pass


def worker_pids(it) -> list[int]:
    """The worker processes of a DataLoader iterator (torch keeps them in `_workers`; else the
    children of this process)."""
    ws = getattr(it, "_workers", None)
    if ws:
        return [w.pid for w in ws]
    pids = []
    for tid in os.listdir("/proc/self/task"):
        try:
            with open(f"/proc/self/task/{tid}/children") as f:
                pids += [int(p) for p in f.read().split()]
        except OSError:
            pass
    return pids


# ---------------------------------------------------------------------------------------------
# the training loop


def first_tensor(batch):
    while isinstance(batch, (tuple, list, dict)):
        batch = next(iter(batch.values())) if isinstance(batch, dict) else batch[0]
    return batch


def loader_epoch(loader) -> dict:
    """One epoch through a DataLoader. With workers, their peak RSS (and RSS split) is read
    from /proc once every batch has arrived, before the iterator shuts them down."""
    t0 = time.perf_counter()
    it = iter(loader)
    samples = acc = 0
    for _ in range(len(loader)):
        x = first_tensor(next(it))
        acc += int(x.reshape(-1)[0])
        samples += len(x)
    secs = time.perf_counter() - t0
    out = {"seconds": secs, "samples": samples}
    if loader.num_workers > 0:
        pids = worker_pids(it)
        out["worker_peak_mb"] = max(status_kb("VmHWM", p) for p in pids) / 1024
        out["worker_rss_anon_mb"] = max(status_kb("RssAnon", p) for p in pids) / 1024
        out["worker_rss_file_mb"] = max(status_kb("RssFile", p) for p in pids) / 1024
    del it
    return out


def measure(epoch_fn, epochs: int, sample_bytes: int, warmup: bool = True) -> dict:
    """One warm-up epoch, then `epochs` timed ones: the median epoch's rate, and this process's
    peak RSS over all of them (reset first)."""
    reset_peak()
    if warmup:
        epoch_fn()
    r0 = resource.getrusage(resource.RUSAGE_SELF)
    runs = [epoch_fn() for _ in range(epochs)]
    # Short epochs (tens of ms: the in-RAM loaders) are noisy: more of them, up to MIN_TIMED_S.
    while warmup and sum(r["seconds"] for r in runs) < MIN_TIMED_S and len(runs) < 100:
        runs.append(epoch_fn())
    r1 = resource.getrusage(resource.RUSAGE_SELF)
    rates = sorted(r["samples"] / r["seconds"] for r in runs)
    rate = statistics.median(rates)
    row = {"samples_per_s": rate, "mb_per_s": rate * sample_bytes / 1e6,
           "epoch_s": statistics.median(r["seconds"] for r in runs),
           "samples": runs[0]["samples"], "rates": rates, "epochs": len(runs),
           # this process's page faults and CPU seconds per timed epoch (diagnostics)
           "minflt_per_epoch": (r1.ru_minflt - r0.ru_minflt) / len(runs),
           "user_s_per_epoch": (r1.ru_utime - r0.ru_utime) / len(runs),
           "sys_s_per_epoch": (r1.ru_stime - r0.ru_stime) / len(runs), "main_peak_mb": status_kb("VmHWM") / 1024}
    for k in ("worker_peak_mb", "worker_rss_anon_mb", "worker_rss_file_mb"):
        if k in runs[0]:
            row[k] = max(r[k] for r in runs)
    return row


def log(msg: str) -> None:
    print(f"python_loader: {msg}", file=sys.stderr, flush=True)


# ---------------------------------------------------------------------------------------------
# the in-RAM ceiling and the Dataset that loads nothing


def load_arrays(arrays: str):
    import numpy as np
    return (np.load(os.path.join(arrays, "images.npy")),
            np.load(os.path.join(arrays, "labels.npy")))


def batched_loader(ds, workers: int):
    """ds.loader's DataLoader: a batch sampler, each batch read by one ds[list of indices]."""
    from torch.utils.data import BatchSampler, DataLoader, RandomSampler
    return DataLoader(ds, batch_size=None, num_workers=workers,
                      sampler=BatchSampler(RandomSampler(ds), BATCH, False))


def rows_ceiling(a) -> tuple[list, dict]:
    import torch
    from torch.utils.data import DataLoader, TensorDataset
    images, labels = load_arrays(a.arrays)
    sample_bytes = images[0].nbytes + labels[0].nbytes
    ds = TensorDataset(torch.from_numpy(images), torch.from_numpy(labels))
    rows = []
    for w in WORKERS:
        dl = DataLoader(ds, batch_size=BATCH, shuffle=True, num_workers=w)
        rows.append({"impl": "ceiling", "row": f"dataloader_w{w}", "workers": w,
                     **measure(lambda: loader_epoch(dl), a.epochs, sample_bytes)})
    for w in WORKERS:
        dl = batched_loader(ds, w)
        rows.append({"impl": "ceiling", "row": f"batched_w{w}", "workers": w,
                     **measure(lambda: loader_epoch(dl), a.epochs, sample_bytes)})
    return rows, {"samples": len(ds)}


class Nothing:
    """A torch Dataset that loads nothing: a constant sample of the workload's shape."""

    def __init__(self, n: int, shape: tuple) -> None:
        import torch
        self.n = n
        self.sample = (torch.zeros(shape, dtype=torch.uint8), torch.zeros((), dtype=torch.int64))

    def __len__(self) -> int:
        return self.n

    def __getitem__(self, i):
        return self.sample


def rss_rows(impl: str, n: int, shape: tuple, loaders: dict) -> list:
    """Worker peak RSS, 2 workers, one epoch each: first the Dataset that loads nothing, then
    every `loaders` entry (name -> function making a DataLoader)."""
    from torch.utils.data import DataLoader
    sample_bytes = 8 + math.prod(shape)
    made = {"baseline": lambda: DataLoader(Nothing(n, shape), batch_size=BATCH, shuffle=True,
                                           num_workers=2), **loaders}
    rows = []
    for name, make in made.items():
        dl = make()
        rows.append({"impl": impl, "row": f"rss_{name}_w2", "workers": 2,
                     **measure(lambda: loader_epoch(dl), 1, sample_bytes, warmup=False)})
    return rows


# ---------------------------------------------------------------------------------------------
# ours: hangar (this project)


def import_ours():
    t0 = time.perf_counter()
    import torch  # noqa: F401  (first, as a training script does)
    t1 = time.perf_counter()
    import hangar
    import hangar.torch
    return hangar, {"import_torch_s": t1 - t0, "import_hangar_s": time.perf_counter() - t1,
                    "version": getattr(hangar, "__version__", "?"),
                    "module": os.path.dirname(hangar.__file__)}


def rows_ours_read(a) -> tuple[list, dict]:
    """col[key] and get_batch loops (key order), after checking that the repository holds the
    ceiling's samples."""
    hangar, info = import_ours()
    import numpy as np

    t0 = time.perf_counter()
    repo = hangar.Repository(a.repo)
    co = repo.checkout()
    col = co["images"]
    keys = col.keys()
    info["open_s"] = time.perf_counter() - t0
    n = len(keys)
    sample_bytes = col.dtype.itemsize * int(np.prod(col.shape)) + 8

    # The same samples as the ceiling's arrays (and hangar-py's repository).
    images, labels = load_arrays(a.arrays)
    t0 = time.perf_counter()
    got = col.get_batch(keys)
    info["get_batch_all_s"] = time.perf_counter() - t0
    info["same_samples_as_ceiling"] = bool(
        got.shape == images.shape and np.array_equal(got, images)
        and np.array_equal(np.asarray(co["labels"].get_batch(keys)).reshape(-1), labels))
    del got, images, labels

    def getitem_epoch():
        t = time.perf_counter()
        acc = 0
        for k in keys:
            acc += int(col[k].reshape(-1)[0])
        return {"seconds": time.perf_counter() - t, "samples": n}

    def get_batch_epoch():
        t = time.perf_counter()
        acc = 0
        for i in range(0, n, BATCH):
            acc += int(col.get_batch(keys[i:i + BATCH]).reshape(-1)[0])
        return {"seconds": time.perf_counter() - t, "samples": n}

    rows = [{"impl": "ours", "row": "getitem", "workers": 0,
             **measure(getitem_epoch, a.epochs, sample_bytes)},
            {"impl": "ours", "row": "get_batch", "workers": 0,
             **measure(get_batch_epoch, a.epochs, sample_bytes)}]
    return rows, info


def rows_ours(a) -> tuple[list, dict]:
    """The DataLoader rows, in a process of their own (as the ceiling's and hangar-py's): what
    ran before in a process changes its allocator's state (glibc's dynamic mmap threshold),
    which moves the per-sample loader's rate by up to 2x."""
    hangar, info = import_ours()
    from torch.utils.data import DataLoader

    t0 = time.perf_counter()
    ds = hangar.torch.Dataset(a.repo, columns=("images", "labels"))
    info["dataset_s"] = time.perf_counter() - t0
    info["loader_api"] = hasattr(ds, "loader")
    image, label = ds[0]
    sample_bytes = image.numel() * image.element_size() + label.numel() * label.element_size()
    rows = []
    for w in WORKERS:
        dl = DataLoader(ds, batch_size=BATCH, shuffle=True, num_workers=w)
        rows.append({"impl": "ours", "row": f"dataloader_w{w}", "workers": w,
                     **measure(lambda: loader_epoch(dl), a.epochs, sample_bytes)})
    for w in WORKERS:
        dl = (ds.loader(batch_size=BATCH, shuffle=True, num_workers=w) if info["loader_api"]
              else batched_loader(ds, w))
        rows.append({"impl": "ours", "row": f"batched_w{w}", "workers": w,
                     **measure(lambda: loader_epoch(dl), a.epochs, sample_bytes)})
    return rows, info


def rows_rss(a) -> tuple[list, dict]:
    """A fresh process: torch and hangar imported, then one 2-worker epoch each."""
    hangar, info = import_ours()
    from torch.utils.data import DataLoader
    with hangar.Repository(a.repo) as repo:
        col = repo.checkout()["images"]
        n, shape = len(col), tuple(col.shape)

    def per_sample():
        ds = hangar.torch.Dataset(a.repo, columns=("images", "labels"))
        return DataLoader(ds, batch_size=BATCH, shuffle=True, num_workers=2)

    def batched():
        ds = hangar.torch.Dataset(a.repo, columns=("images", "labels"))
        if hasattr(ds, "loader"):
            return ds.loader(batch_size=BATCH, shuffle=True, num_workers=2)
        return batched_loader(ds, 2)

    return rss_rows("ours", n, shape, {"dataloader": per_sample, "batched": batched}), info


def write_arrays(a) -> None:
    """images.npy/labels.npy from our package (when hangar-py is not there to decode them)."""
    import numpy as np
    hangar, _ = import_ours()
    co = hangar.Repository(a.repo).checkout()
    keys = co["images"].keys()
    os.makedirs(a.arrays, exist_ok=True)
    np.save(os.path.join(a.arrays, "images.npy"), co["images"].get_batch(keys))
    np.save(os.path.join(a.arrays, "labels.npy"),
            np.asarray(co["labels"].get_batch(keys)).reshape(-1).astype(np.int64))
    print(json.dumps({"samples": len(keys)}))


# ---------------------------------------------------------------------------------------------
# peer: hangar-py 0.5.2 (its own interpreter)


def open_peer(path: str):
    import contextlib
    import io
    import hangar
    with contextlib.redirect_stdout(io.StringIO()):  # hangar-py prints on checkout
        repo = hangar.Repository(path, exists=True)
        co = repo.checkout()
    return hangar, co


def rows_peer_read(a) -> tuple[list, dict]:
    import numpy as np
    import torch  # noqa: F401  (imported, as by ours' col[key] rows: the same main-process RSS)
    hangar, co = open_peer(a.repo)
    images = co.columns["images"]
    keys = list(images.keys())
    n = len(keys)
    sample_bytes = images.dtype.itemsize * int(np.prod(images.shape)) + 8

    def getitem_epoch():
        t = time.perf_counter()
        acc = 0
        for k in keys:
            acc += int(images[k].reshape(-1)[0])
        return {"seconds": time.perf_counter() - t, "samples": n}

    rows = [{"impl": "peer", "row": "getitem", "workers": 0,
             **measure(getitem_epoch, a.epochs, sample_bytes)}]
    return rows, {"version": hangar.__version__}


def rows_peer(a) -> tuple[list, dict]:
    import numpy as np
    import torch  # noqa: F401
    from torch.utils.data import DataLoader
    hangar, co = open_peer(a.repo)
    from hangar.dataset import make_torch_dataset
    images, labels = co.columns["images"], co.columns["labels"]
    sample_bytes = images.dtype.itemsize * int(np.prod(images.shape)) + 8
    ds = make_torch_dataset((images, labels))
    rows = []
    for w in WORKERS:
        dl = DataLoader(ds, batch_size=BATCH, shuffle=True, num_workers=w)
        rows.append({"impl": "peer", "row": f"dataloader_w{w}", "workers": w,
                     **measure(lambda: loader_epoch(dl), a.epochs, sample_bytes)})
    return rows, {"version": hangar.__version__}


def rows_peer_rss(a) -> tuple[list, dict]:
    import torch  # noqa: F401
    from torch.utils.data import DataLoader
    hangar, co = open_peer(a.repo)
    from hangar.dataset import make_torch_dataset
    images = co.columns["images"]
    n, shape = len(images), tuple(images.shape)

    def per_sample():
        ds = make_torch_dataset((co.columns["images"], co.columns["labels"]))
        return DataLoader(ds, batch_size=BATCH, shuffle=True, num_workers=2)

    return rss_rows("peer", n, shape, {"dataloader": per_sample}), {}


def peer_build(a) -> None:
    """hangar-py's repository of a workload (columns images uint8 [H,W,3] and labels int64 [1],
    its default backends) from the class folders our CLI imports, decoded with PIL; and the
    in-RAM arrays in the sorted key order of our repository."""
    import contextlib
    import io
    import numpy as np
    from PIL import Image
    import hangar

    files = []
    classes = sorted(d for d in os.listdir(a.src) if os.path.isdir(os.path.join(a.src, d)))
    for label, cls in enumerate(classes):
        for name in os.listdir(os.path.join(a.src, cls)):
            if name.endswith(".png"):
                files.append((f"{cls}/{name[:-4]}", label, os.path.join(a.src, cls, name)))
    files.sort()
    images = np.stack([np.asarray(Image.open(p).convert("RGB")) for _, _, p in files])
    labels = np.array([lab for _, lab, _ in files], dtype=np.int64)

    shutil.rmtree(a.repo, ignore_errors=True)
    os.makedirs(a.repo)
    with contextlib.redirect_stdout(io.StringIO()):
        repo = hangar.Repository(a.repo, exists=False)
        repo.init(user_name="bench", user_email="bench@example.org", remove_old=True)
        co = repo.checkout(write=True)
        img_col = co.add_ndarray_column("images", shape=images.shape[1:], dtype=np.uint8)
        lab_col = co.add_ndarray_column("labels", shape=(1,), dtype=np.int64)
        # hangar-py keys allow alphanumerics, '.', '_', '-': 'c3/000013' -> 'c3_000013'
        with img_col, lab_col:
            for i, (key, _, _) in enumerate(files):
                k = key.replace("/", "_")
                img_col[k] = images[i]
                lab_col[k] = labels[i:i + 1]
        co.commit("bench workload")
        co.close()
    os.makedirs(a.arrays, exist_ok=True)
    np.save(os.path.join(a.arrays, "images.npy"), images)
    np.save(os.path.join(a.arrays, "labels.npy"), labels)
    print(json.dumps({"samples": len(files), "classes": len(classes)}))


def make_classes(a) -> None:
    """BASE/NNNNNN.png -> DST/c<N % 10>/NNNNNN.png (hard links, copies across file systems):
    class folders for `hangar import --labels`."""
    names = sorted(f for f in os.listdir(a.src) if f.endswith(".png"))
    shutil.rmtree(a.dst, ignore_errors=True)
    for c in range(10):
        os.makedirs(os.path.join(a.dst, f"c{c}"))
    for name in names:
        src = os.path.join(a.src, name)
        dst = os.path.join(a.dst, f"c{int(name[:-4]) % 10}", name)
        try:
            os.link(src, dst)
        except OSError:
            shutil.copyfile(src, dst)
    print(json.dumps({"samples": len(names)}))


# ---------------------------------------------------------------------------------------------
# run: every process of one workload, the table and the TSV


def sub(python: str, args: list, env: dict | None = None) -> dict:
    cmd = [python, os.path.abspath(__file__)] + args
    p = subprocess.run(cmd, stdout=subprocess.PIPE, env=env, text=True)
    if p.returncode != 0:
        raise SystemExit(f"python_loader: failed (exit {p.returncode}): {' '.join(cmd)}")
    return json.loads(p.stdout.strip().splitlines()[-1])


def peer_env() -> dict:
    env = dict(os.environ)
    env.pop("PYTHONPATH", None)  # ours is called hangar too
    return env


LABELS = {
    ("ours", "getitem"): "hangar `col[key]` loop",
    ("ours", "get_batch"): "hangar `col.get_batch(64 keys)` loop",
    ("ours", "dataloader_w0"): "hangar `DataLoader(Dataset, 64, shuffle)`, 0 workers",
    ("ours", "dataloader_w2"): "hangar `DataLoader(Dataset, 64, shuffle)`, 2 workers",
    ("ours", "batched_w0"): "hangar `ds.loader(64, shuffle)`, 0 workers",
    ("ours", "batched_w2"): "hangar `ds.loader(64, shuffle)`, 2 workers",
    ("peer", "getitem"): "hangar-py `col[key]` loop",
    ("peer", "dataloader_w0"): "hangar-py `make_torch_dataset` + DataLoader, 0 workers",
    ("peer", "dataloader_w2"): "hangar-py `make_torch_dataset` + DataLoader, 2 workers",
    ("ceiling", "dataloader_w0"): "ceiling: TensorDataset in RAM + DataLoader, 0 workers",
    ("ceiling", "dataloader_w2"): "ceiling: TensorDataset in RAM + DataLoader, 2 workers",
    ("ceiling", "batched_w0"): "ceiling: TensorDataset in RAM + batch sampler, 0 workers",
    ("ceiling", "batched_w2"): "ceiling: TensorDataset in RAM + batch sampler, 2 workers",
    ("cxx", "read_all"): "C++ in-process read (`bench_read_all`), 1 thread",
}
RSS_LABELS = {
    ("ours", "rss_baseline_w2"): "a Dataset that loads nothing (ours' process)",
    ("ours", "rss_dataloader_w2"): "hangar `Dataset` + DataLoader",
    ("ours", "rss_batched_w2"): "hangar `ds.loader`",
    ("peer", "rss_baseline_w2"): "a Dataset that loads nothing (hangar-py's process)",
    ("peer", "rss_dataloader_w2"): "hangar-py `make_torch_dataset` + DataLoader",
}


def refs(by: dict, impl: str, row: str, cxx: float):
    """(ceiling rate, hangar-py rate) that a row is set beside: col[key] and get_batch beside
    the C++ in-process read and hangar-py's col[key]; DataLoader rows beside the same loader
    over RAM and hangar-py's DataLoader with as many workers; batched rows beside the batch
    sampler over RAM."""
    rate = lambda i, r: by.get((i, r), {}).get("samples_per_s")  # noqa: E731
    if impl != "ours" or row.startswith("rss"):
        return None, None
    if row in ("getitem", "get_batch"):
        return cxx, rate("peer", "getitem")
    ceiling = rate("ceiling", row)
    if row.startswith("batched"):  # the faster in-RAM loader with as many workers
        ceiling = max(filter(None, [ceiling, rate("ceiling", "dataloader" + row[7:])]),
                      default=None)
    return ceiling, rate("peer", "dataloader_w" + row[-1])


def run(a) -> None:
    common = ["--repo", a.repo, "--arrays", a.arrays, "--epochs", str(a.epochs)]
    rows, info = [], {"workload": a.workload, "cxx_read_rate": a.cxx_rate, "epochs": a.epochs}
    t0 = time.perf_counter()
    if not a.no_ours:
        log(f"{a.workload}: hangar col[key], get_batch")
        d = sub(sys.executable, ["rows", "--impl", "ours-read"] + common)
        rows += d["rows"]
        info["ours"] = d["info"]
        log(f"{a.workload}: hangar Dataset + DataLoader, ds.loader")
        d = sub(sys.executable, ["rows", "--impl", "ours"] + common)
        rows += d["rows"]
        info["ours"].update(d["info"])
        log(f"{a.workload}: worker peak RSS, hangar vs a Dataset that loads nothing")
        rows += sub(sys.executable, ["rows", "--impl", "rss"] + common)["rows"]
    log(f"{a.workload}: ceiling (TensorDataset in RAM)")
    rows += sub(sys.executable, ["rows", "--impl", "ceiling"] + common)["rows"]
    if a.peer_python:
        peer = ["--repo", a.peer_repo, "--arrays", a.arrays, "--epochs", str(a.epochs)]
        log(f"{a.workload}: hangar-py col[key]")
        d = sub(a.peer_python, ["rows", "--impl", "peer-read"] + peer, env=peer_env())
        rows += d["rows"]
        info["peer"] = d["info"]
        log(f"{a.workload}: hangar-py make_torch_dataset + DataLoader")
        rows += sub(a.peer_python, ["rows", "--impl", "peer"] + peer, env=peer_env())["rows"]
        log(f"{a.workload}: worker peak RSS, hangar-py vs a Dataset that loads nothing")
        rows += sub(a.peer_python, ["rows", "--impl", "peer-rss"] + peer, env=peer_env())["rows"]
    info["seconds"] = time.perf_counter() - t0
    by = {(r["impl"], r["row"]): r for r in rows}
    for r in rows:
        c, p = refs(by, r["impl"], r["row"], a.cxx_rate)
        r["x_ceiling"] = r["samples_per_s"] / c if c else None
        r["x_hangarpy"] = r["samples_per_s"] / p if p else None
    with open(a.out + ".json", "w") as f:
        json.dump({"rows": rows, "info": info}, f, indent=1)
    write_tsv(a.out + ".tsv", a.workload, rows, a.cxx_rate)
    print_table(a.workload, rows, info)


def fmt(v, d: int = 2) -> str:
    return "-" if v is None else f"{v:.{d}f}"


def write_tsv(path: str, workload: str, rows: list, cxx: float) -> None:
    cols = ["samples_per_s", "mb_per_s", "epoch_s", "x_ceiling", "x_hangarpy", "main_peak_mb",
            "worker_peak_mb", "worker_rss_anon_mb", "worker_rss_file_mb", "epochs",
            "minflt_per_epoch", "user_s_per_epoch", "sys_s_per_epoch"]
    with open(path, "w") as f:
        f.write("\t".join(["workload", "impl", "row", "workers"] + cols + ["rates"]) + "\n")
        f.write(f"{workload}\tcxx\tread_all\t0\t{cxx:.0f}" + "\t" * len(cols) + "\n")
        for r in rows:
            vals = [("" if r.get(c) is None else f"{r[c]:.3f}") for c in cols]
            f.write("\t".join([workload, r["impl"], r["row"], str(r["workers"])] + vals
                              + [",".join(f"{x:.0f}" for x in r["rates"])]) + "\n")


def print_table(workload: str, rows: list, info: dict) -> None:
    print(f"\nWorkload {workload}: samples/s (median of {info['epochs']}+ epochs), MB/s; "
          f"peak RSS MB of the main process and of a worker")
    print(f"{'':66} {'samples/s':>10} {'MB/s':>7} {'x ceil':>7} {'x h-py':>7} {'main MB':>8} "
          f"{'worker MB':>9}")
    print(f"{LABELS[('cxx', 'read_all')]:66} {info['cxx_read_rate']:10.0f}")
    for r in rows:
        label = LABELS.get((r["impl"], r["row"])) or "worker RSS: " + RSS_LABELS[(r["impl"], r["row"])]
        print(f"{label.replace('`', ''):66} {r['samples_per_s']:10.0f} {r['mb_per_s']:7.1f} "
              f"{fmt(r['x_ceiling']):>7} {fmt(r['x_hangarpy']):>7} {r['main_peak_mb']:8.1f} "
              f"{fmt(r.get('worker_peak_mb'), 1):>9}")
    print(f"({info['seconds']:.0f} s; {json.dumps({k: v for k, v in info.items() if k != 'seconds'})})")


# ---------------------------------------------------------------------------------------------
# report: the RESULTS.md section


def report(a) -> None:
    results = []
    for path in a.results:
        with open(path) as f:
            results.append(json.load(f))
    md = [SECTION, ""]
    epochs = results[0]["info"].get("epochs", 3)
    with open("/proc/meminfo") as f:
        mem = int(f.readline().split()[1])
    import torch  # noqa: F401  (its version for the header)
    md += [f"Produced by `{a.command}` on {time.strftime('%Y-%m-%d', time.gmtime())} "
           f"({os.cpu_count()} cores, {mem / 1048576:.0f} GiB, {platform.system()} "
           f"{platform.release()}; Debian's Python {platform.python_version()}, torch "
           f"{torch.__version__}); raw figures in `bench/out/python_loader_*.tsv`. "
           f"Samples/s are the median of {epochs} epochs (more when they add up to less than "
           f"{MIN_TIMED_S} s) after a warm-up epoch; every batch is touched "
           "(one element read). An epoch starts at `iter(loader)`, so with workers it includes "
           "starting them (DataLoader's default `persistent_workers=False`). MB/s counts the "
           "decoded image + label bytes. All rows, the ceiling and hangar-py's were measured in "
           "this run, on the same samples (checked equal). On this 2-vCPU VM one row can move by up "
           "to 2x between runs (seen on A's 0-worker loader rows over six runs: the per-sample "
           "DataLoader 24-50k, `ds.loader` 63-99k samples/s) while its epochs within a run agree "
           "within ~15%; every epoch's rate is in the TSV.",
           "",
           "\"x ceiling\": `col[key]` and `get_batch` against the C++ in-process read of the same "
           "column (`bench_read_all`, 1 thread); DataLoader rows against a "
           "`torch.utils.data.TensorDataset` over the same samples in RAM with the same "
           "DataLoader settings; `ds.loader` rows against the faster of that and the "
           "TensorDataset through `ds.loader`'s batch sampler (one indexing per batch) with as "
           "many workers. \"x hangar-py\": against hangar-py 0.5.2's "
           "`col[key]` loop, or its `make_torch_dataset` with as many workers. Main MB: peak RSS "
           "of the training process over the row (VmHWM, reset before it); worker MB: the larger "
           "of the two workers' peak RSS (forked workers count the parent's pages they share)."]
    for res in results:
        w = res["info"]["workload"]
        rows = res["rows"]
        md += ["", f"### Workload {w}", "",
               "| row | samples/s | MB/s | x ceiling | x hangar-py | main peak MB | "
               "worker peak MB |", "|---|---|---|---|---|---|---|"]
        for r in rows:
            if r["row"].startswith("rss"):
                continue
            md.append(f"| {LABELS[(r['impl'], r['row'])]} | {r['samples_per_s']:.0f} | "
                      f"{r['mb_per_s']:.1f} | {fmt(r['x_ceiling'])} | {fmt(r['x_hangarpy'])} | "
                      f"{r['main_peak_mb']:.0f} | {fmt(r.get('worker_peak_mb'), 0)} |")
        md.append(f"| {LABELS[('cxx', 'read_all')]} | {res['info']['cxx_read_rate']:.0f} | | | "
                  "| | |")
        rss = [r for r in rows if r["row"].startswith("rss")]
        if rss:
            md += ["", "Worker peak RSS, 2 workers, one epoch of DataLoader(batch_size=64, "
                   "shuffle=True), each in a fresh process (torch and the package imported):", "",
                   "| worker of | peak MB | above loads-nothing MB | RssAnon MB | RssFile MB |",
                   "|---|---|---|---|---|"]
            for r in rss:
                base = next(b for b in rss if b["impl"] == r["impl"]
                            and b["row"] == "rss_baseline_w2")
                md.append(f"| {RSS_LABELS[(r['impl'], r['row'])]} | {r['worker_peak_mb']:.1f} | "
                          f"{r['worker_peak_mb'] - base['worker_peak_mb']:+.1f} | "
                          f"{r['worker_rss_anon_mb']:.1f} | {r['worker_rss_file_mb']:.1f} |")
        ours = res["info"].get("ours")
        if ours:
            md += ["", f"Package: {ours.get('module')} (`import torch` {ours['import_torch_s']:.2f} s, "
                   f"`import hangar` {ours['import_hangar_s']:.2f} s; opening the repository and "
                   f"listing {rows[0]['samples']} keys {ours['open_s'] * 1000:.0f} ms; "
                   f"`hangar.torch.Dataset(...)` {ours['dataset_s'] * 1000:.0f} ms; one "
                   f"`get_batch` of all {rows[0]['samples']} samples "
                   f"{ours['get_batch_all_s'] * 1000:.0f} ms; samples equal to the ceiling's: "
                   f"{ours['same_samples_as_ceiling']}). Measured in {res['info']['seconds']:.0f} s."]
    md += ["", "### Targets", ""] + targets(results) + [""]
    if a.notes and os.path.exists(a.notes):
        with open(a.notes) as f:
            md += [f.read().rstrip(), ""]
    text = "\n".join(md)
    with open(a.out_md, "w") as f:
        f.write(text)
    if a.results_md:
        splice(a.results_md, text)


def targets(results: list) -> list:
    """The targets table (met / missed by how much) and, for every miss, why: the bound this
    machine puts on it, from figures of the same run."""
    out = ["| target | " + " | ".join(f"workload {r['info']['workload']}" for r in results) + " |",
           "|---|" + "---|" * len(results)]
    why: list[str] = []
    cores = os.cpu_count() or 1

    def get(res, impl, row):
        return next((r for r in res["rows"] if r["impl"] == impl and r["row"] == row), None)

    def rate(res, impl, row):
        return (get(res, impl, row) or {}).get("samples_per_s")

    def ratio_cell(v, goal, what):
        if v is None:
            return "not measured"
        return (f"met: {v:.2f}x {what}" if v >= goal else
                f"**missed**: {v:.2f}x {what} ({goal / v:.1f}x short of {goal}x)")

    def missed(res, impl, row, key, goal):
        v = (get(res, impl, row) or {}).get(key)
        return v is not None and v < goal

    def ceiling_of(res, w, batched):
        c = rate(res, "ceiling", f"dataloader_w{w}")
        return max(c, rate(res, "ceiling", f"batched_w{w}") or 0) if batched else c

    def t_ceiling(res, w):
        ours, wk = res["info"]["workload"], f"batched_w{w}"
        cell = ratio_cell((get(res, "ours", wk) or {}).get("x_ceiling"), 0.7, "the ceiling")
        cell += ceil_other(res, w)
        if missed(res, "ours", wk, "x_ceiling", 0.7):
            cxx, c = res["info"]["cxx_read_rate"], ceiling_of(res, w, True)
            if w == 0:
                why.append(
                    f"{ours}, `ds.loader` with 0 workers vs RAM: the in-RAM loader indexes a "
                    f"tensor ({c:.0f} samples/s, {1e6 / c:.1f} us a sample); a hangar read "
                    f"looks the sample up and zstd-decodes its chunk, which costs libhangar "
                    f"itself {1e6 / cxx:.1f} us (C++ `read_all`, {cxx:.0f} samples/s on one "
                    f"core). With get_batch on all {cores} cores the bound is {cores * cxx:.0f} "
                    f"samples/s = {cores * cxx / c:.2f}x the ceiling"
                    + (f" (0.7x needs {0.7 * c / cxx:.2f}x one core of C++: near-perfect use of "
                       f"all {cores})" if cores * cxx / c >= 0.7 else "")
                    + f"; `ds.loader` reached "
                    f"{rate(res, 'ours', wk):.0f} ({rate(res, 'ours', wk) / cxx:.2f}x one core "
                    f"of C++)" + gb_note(res, cxx) + ".")
            else:
                why.append(f"{ours}, `ds.loader` with {w} workers: {rate(res, 'ours', wk):.0f} "
                           f"samples/s against {c:.0f} from RAM.")
        return cell

    def t_peer(res, w, row):
        ours, wk = res["info"]["workload"], f"{row}_w{w}"
        cell = ratio_cell((get(res, "ours", wk) or {}).get("x_hangarpy"), 10, "hangar-py")
        p = rate(res, "peer", f"dataloader_w{w}")
        if row == "batched" and missed(res, "ours", wk, "x_hangarpy", 10) and p:
            if w == 0:
                cxx = res["info"]["cxx_read_rate"]
                cap = min(cores * cxx, ceiling_of(res, 0, True))
                got = rate(res, "ours", wk)
                text = (f"{ours}, 10x hangar-py with 0 workers: hangar-py's DataLoader does "
                        f"{p:.0f} samples/s, so 10x is {10 * p:.0f}; reading at all {cores} "
                        f"cores' C++ rate ({cores} x {cxx:.0f}) and no faster than RAM, at most "
                        f"{cap:.0f} = {cap / p:.1f}x hangar-py is reachable on this machine")
                if cap < 10 * p:
                    why.append(text + ".")
                else:
                    why.append(text + f"; `ds.loader` reaches {got:.0f} = {got / cxx:.2f}x one "
                               "core of C++, the rest is lost in the binding and the loader "
                               "(see the rows above: `get_batch` alone, per-sample reads).")
            else:
                c = ceiling_of(res, w, True)
                why.append(
                    f"{ours}, 10x hangar-py with {w} workers: with {w} workers even the in-RAM "
                    f"TensorDataset only reaches {c:.0f} samples/s = {c / p:.1f}x hangar-py "
                    f"({p:.0f}): the epoch is bound by starting the worker processes "
                    f"(DataLoader's default, per epoch) and by passing each batch through shared "
                    f"memory, on {cores} cores shared by {w} workers and the training process.")
        return cell

    def t_getitem(res):
        ours = res["info"]["workload"]
        cell = ratio_cell((get(res, "ours", "getitem") or {}).get("x_ceiling"), 0.7, "read_all")
        if missed(res, "ours", "getitem", "x_ceiling", 0.7):
            cxx, g = res["info"]["cxx_read_rate"], rate(res, "ours", "getitem")
            why.append(f"{ours}, `col[key]`: {1e6 / g:.1f} us a sample against {1e6 / cxx:.1f} "
                       f"us in C++: {1e6 / g - 1e6 / cxx:.1f} us of Python call, key conversion "
                       f"and numpy array per sample.")
        return cell

    def t_rss(res, row):
        r, b = get(res, "ours", row), get(res, "ours", "rss_baseline_w2")
        if not r or not b:
            return "not measured"
        d = r["worker_peak_mb"] - b["worker_peak_mb"]
        da = r["worker_rss_anon_mb"] - b["worker_rss_anon_mb"]
        df = r["worker_rss_file_mb"] - b["worker_rss_file_mb"]
        return (f"{'met' if d <= 64 else '**missed**'}: {d:+.1f} MB (at the end: heap {da:+.1f}, "
                f"file-backed {df:+.1f})" + ("" if d <= 64 else f", {d - 64:.1f} MB over"))

    lines = []
    for w in WORKERS:
        lines.append((f"`ds.loader(64, shuffle)`, {w} workers >= 0.7x the in-RAM ceiling (the "
                      "faster TensorDataset loader with as many workers)",
                      lambda res, w=w: t_ceiling(res, w)))
    for w in WORKERS:
        lines.append((f"`ds.loader(64, shuffle)`, {w} workers >= 10x hangar-py's "
                      f"`make_torch_dataset` ({w} workers)",
                      lambda res, w=w: t_peer(res, w, "batched")))
    for w in WORKERS:
        lines.append((f"(reference: the per-sample `DataLoader(Dataset, 64)`, {w} workers, vs "
                      "hangar-py)", lambda res, w=w: t_peer(res, w, "dataloader")))
    lines.append(("per-sample `col[key]` >= 0.7x the C++ in-process read rate (`read_all`) "
                  "(the target is on A)", t_getitem))
    lines.append(("a DataLoader worker's peak RSS <= 64 MB above a worker that loads nothing "
                  "(`Dataset` + DataLoader, 2 workers)", lambda res: t_rss(res, "rss_dataloader_w2")))
    lines.append(("the same, `ds.loader`, 2 workers", lambda res: t_rss(res, "rss_batched_w2")))
    for name, cell in lines:
        out.append(f"| {name} | " + " | ".join(cell(res) for res in results) + " |")
    if why:
        out += ["", "Why the misses (bounds from this run's own figures):", ""]
        out += [f"- {w}" for w in why]
    return out


def gb_note(res, cxx: float) -> str:
    """How many cores a get_batch of 64 keys keeps busy, from its rate against one core of C++."""
    gb = next((r["samples_per_s"] for r in res["rows"]
               if r["impl"] == "ours" and r["row"] == "get_batch"), None)
    if not gb:
        return ""
    return (f"; a `get_batch` of 64 keys runs at {gb / cxx:.2f}x one core of C++ ("
            + ("it splits over the cores" if gb > 1.25 * cxx else
               "it stays on one core for batches this small, so the second core idles") + ")")


def ceil_other(res, w) -> str:
    """The batched row against the per-sample TensorDataset loader too (the issue's 'same
    DataLoader settings')."""
    b = next((r for r in res["rows"] if r["impl"] == "ours" and r["row"] == f"batched_w{w}"), None)
    c = next((r for r in res["rows"] if r["impl"] == "ceiling" and r["row"] == f"dataloader_w{w}"),
             None)
    if not b or not c:
        return ""
    return f" ({b['samples_per_s'] / c['samples_per_s']:.2f}x TensorDataset + DataLoader(64))"


def splice(path: str, text: str, section: str = SECTION) -> None:
    """Replaces `section` (from its heading to the next '## ' heading) in FILE, or appends."""
    with open(path) as f:
        lines = f.read().split("\n")
    try:
        start = lines.index(section)
    except ValueError:
        start = None
    new = text.rstrip("\n").split("\n")
    if start is None:
        while lines and lines[-1] == "":
            lines.pop()
        lines += [""] + new + [""]
    else:
        end = next((i for i in range(start + 1, len(lines)) if lines[i].startswith("## ")),
                   len(lines))
        lines[start:end] = new + ([""] if end < len(lines) else [""])
    with open(path, "w") as f:
        f.write("\n".join(lines).rstrip("\n") + "\n")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sp = ap.add_subparsers(dest="mode", required=True)
    c = sp.add_parser("classes")
    c.add_argument("--src", required=True)
    c.add_argument("--dst", required=True)
    ar = sp.add_parser("arrays")
    ar.add_argument("--repo", required=True)
    ar.add_argument("--arrays", required=True)
    b = sp.add_parser("peer-build")
    b.add_argument("--src", required=True)
    b.add_argument("--repo", required=True)
    b.add_argument("--arrays", required=True)
    m = sp.add_parser("rows")
    m.add_argument("--impl", required=True, choices=["ours-read", "ours", "rss", "ceiling", "peer-read", "peer",
                                             "peer-rss"])
    m.add_argument("--repo", required=True)
    m.add_argument("--arrays", required=True)
    m.add_argument("--epochs", type=int, default=3)
    r = sp.add_parser("run")
    r.add_argument("--workload", required=True)
    r.add_argument("--repo", required=True)
    r.add_argument("--arrays", required=True)
    r.add_argument("--peer-repo")
    r.add_argument("--peer-python")
    r.add_argument("--cxx-rate", type=float, required=True)
    r.add_argument("--out", required=True, help="PREFIX of PREFIX.tsv and PREFIX.json")
    r.add_argument("--epochs", type=int, default=3)
    r.add_argument("--no-ours", action="store_true")
    p = sp.add_parser("report")
    p.add_argument("--results", nargs="+", required=True)
    p.add_argument("--command", required=True)
    p.add_argument("--out-md", required=True)
    p.add_argument("--results-md")
    p.add_argument("--notes")
    a = ap.parse_args()
    if a.mode == "classes":
        make_classes(a)
    elif a.mode == "arrays":
        write_arrays(a)
    elif a.mode == "peer-build":
        peer_build(a)
    elif a.mode == "run":
        run(a)
    elif a.mode == "report":
        report(a)
    else:
        fn = {"ours-read": rows_ours_read, "ours": rows_ours, "rss": rows_rss,
              "ceiling": rows_ceiling, "peer-read": rows_peer_read, "peer": rows_peer,
              "peer-rss": rows_peer_rss}[a.impl]
        rows, info = fn(a)
        print(json.dumps({"rows": rows, "info": info}))


if __name__ == "__main__":
    main()
