"""Readers pinned to their commit while others write; threads; processes."""
from __future__ import annotations

import subprocess
import sys
import textwrap
import threading

import numpy as np
import torch
from torch.utils.data import DataLoader

import hangar
import hangar.torch
from conftest import cli_env, make_id_repo, run_python, save_npy


def test_checkout_keeps_its_commit_after_a_concurrent_cli_commit(small_repo):
    c = small_repo.cli
    with hangar.Repository(small_repo.path) as repo:
        co = repo.checkout()
        col = co["v"]
        assert col[1].tolist() == [1, 2]
        c("put", "v", 1, save_npy(small_repo.path / "a.npy", np.array([50, 51], np.uint8)))
        c("put", "v", 10, "a.npy")
        c("rm", "v", 2)
        new = c.json("commit", "-m", "concurrent")["commit"]
        # the old view: same commit, same samples, same keys
        assert co.commit == small_repo.commit
        assert col[1].tolist() == [1, 2]
        assert co["v"][2].tolist() == [2, 4]
        assert 10 not in col and col.keys() == [0, 1, 2, 3, 4]
        assert col.get_batch([1, 2]).tolist() == [[1, 2], [2, 4]]
        # a new view sees the new commit
        with repo.checkout() as co2:
            assert co2.commit == new == repo.head
            assert co2["v"][1].tolist() == [50, 51]
            assert 2 not in co2["v"] and 10 in co2["v"]
        co.close()


def test_write_checkout_reads_while_cli_reads(small_repo):
    with hangar.Repository(small_repo.path) as repo, repo.checkout(write=True) as co:
        co["v"][5] = np.array([5, 5], np.uint8)
        # a CLI reader sees the staged work while the Python writer holds the lock
        assert small_repo.cli.json("get", "v", 5)["values"] == [5, 5]
        assert small_repo.cli.json("diff")["columns"]["v"]["added"] == [5]


def test_reads_from_several_threads_with_their_own_checkouts(image_repo):
    errors = []
    with hangar.Repository(image_repo.path) as repo:
        def work(seed):
            try:
                rng = np.random.default_rng(seed)
                with repo.checkout() as co:
                    for _ in range(40):
                        k = image_repo.keys[rng.integers(len(image_repo.keys))]
                        assert np.array_equal(co["images"][k], image_repo.pixels[k])
                    keys = list(rng.permutation(image_repo.keys)[:8])
                    b = co["images"].get_batch(keys)
                    assert np.array_equal(b, np.stack([image_repo.pixels[k] for k in keys]))
            except BaseException as e:  # noqa: BLE001 - reported below
                errors.append(e)

        threads = [threading.Thread(target=work, args=(s,)) for s in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
    assert not errors, errors


SHARED_CHECKOUT_THREADS = textwrap.dedent("""
    import sys, threading
    import numpy as np
    import hangar
    repo = hangar.Repository(sys.argv[1])
    co = repo.checkout()
    col = co["big"]
    expected = col[0]
    bad = []
    def work():
        for _ in range(6):
            if not np.array_equal(col.get_batch([0])[0], expected):
                bad.append("get_batch")
            if not np.array_equal(col[0, 10:20], expected[10:20]):
                bad.append("slice")
    ts = [threading.Thread(target=work) for _ in range(4)]
    [t.start() for t in ts]
    [t.join() for t in ts]
    print("bad", len(bad))
    sys.exit(1 if bad else 0)
""")


def test_one_checkout_shared_by_threads_does_not_crash(large_repo):
    """Not in the contract's words, but Python users share objects between threads: the
    binding must not crash or return wrong data (run in a child so a crash cannot take the
    test run down)."""
    p = run_python(SHARED_CHECKOUT_THREADS, large_repo.path, timeout=120)
    assert p.returncode == 0, (p.returncode, p.stdout, p.stderr[-2000:])


def test_get_batch_releases_the_gil(large_repo):
    """While one thread is inside get_batch (decoding 46 MB), the main thread keeps running
    Python code. A call that held the GIL would let it run in none of the calls' middle
    halves (checked against a GIL-holding builtin: 0-1 of 6 calls; a GIL-free one: 6 of 6)."""
    import time
    with hangar.Repository(large_repo.path) as repo, repo.checkout() as co:
        col = co["big"]
        col.get_batch([0])  # warm up
        windows = []
        done = threading.Event()

        def read():
            for _ in range(6):
                t0 = time.perf_counter()
                col.get_batch([0] * 8)
                windows.append((t0, time.perf_counter()))
            done.set()

        t = threading.Thread(target=read)
        ticks, last = [], 0.0
        t.start()
        while not done.is_set():
            now = time.perf_counter()
            if now - last > 0.001:
                ticks.append(now)
                last = now
        t.join()
    durations = [t1 - t0 for t0, t1 in windows]
    assert min(durations) > 0.04, f"get_batch too fast to measure ({durations})"

    def main_ran_inside(t0, t1):
        margin = max(0.25 * (t1 - t0), 0.02)  # switch intervals at the edges do not count
        return any(t0 + margin < x < t1 - margin for x in ticks)

    inside = sum(main_ran_inside(*w) for w in windows)
    assert inside >= 4, (inside, durations)


WRITER = textwrap.dedent("""
    import sys
    import numpy as np
    import hangar
    with hangar.Repository(sys.argv[1]) as repo, repo.checkout(write=True) as co:
        for k in range(100, 130):
            co["v"][k] = np.array([k % 256, 1], np.uint8)
        print(co.commit("from a writer process"))
""")


def test_a_writer_process_and_a_pinned_reader(small_repo):
    with hangar.Repository(small_repo.path) as repo, repo.checkout() as co:
        p = subprocess.Popen([sys.executable, "-c", WRITER, str(small_repo.path)],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                             env=cli_env())
        reads = 0
        while p.poll() is None or reads < 50:
            assert co["v"].keys() == [0, 1, 2, 3, 4]
            assert co["v"][3].tolist() == [3, 6]
            reads += 1
        out, err = p.communicate()
        assert p.returncode == 0, err
        new = out.strip()
        assert len(new) == 64 and repo.head == new
        assert co.commit == small_repo.commit
        with repo.checkout() as latest:
            assert len(latest["v"]) == 35


def test_loader_epoch_is_pinned_while_the_branch_moves(tmp_path):
    r = make_id_repo(tmp_path / "ids", n=30)
    ds = hangar.torch.Dataset(r.path, columns=("x", "y"))
    loader = DataLoader(ds, batch_size=3, num_workers=2, multiprocessing_context="fork",
                        timeout=120)
    seen = []
    for i, (x, y) in enumerate(loader):
        seen.extend(int(v) for v in y)
        if i == 1:  # mid-epoch, another writer changes every y and commits
            with hangar.Repository(r.path) as repo, repo.checkout(write=True) as co:
                for k in range(30):
                    co["y"][k] = np.array(-k - 1, np.int64)
                co.commit("rewrite y")
    assert sorted(seen) == list(range(30))
    assert ds.commit == r.commit
    again = hangar.torch.Dataset(r.path, columns=("y",))
    assert sorted(int(v) for v in again[list(range(30))]) == sorted(-k - 1 for k in range(30))


def test_datasets_in_many_processes_read_the_same(id_repo):
    code = textwrap.dedent("""
        import sys, pickle
        ds = pickle.loads(bytes.fromhex(sys.argv[1]))
        x, y = ds[list(range(len(ds)))]
        print(int(y.sum()), ds.commit)
    """)
    import pickle
    ds = hangar.torch.Dataset(id_repo.path, columns=("x", "y"))
    blob = pickle.dumps(ds).hex()
    procs = [subprocess.Popen([sys.executable, "-c", code, blob], stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True, env=cli_env())
             for _ in range(2)]
    for p in procs:
        out, err = p.communicate(timeout=120)
        assert p.returncode == 0, err
        total, commit = out.split()
        assert int(total) == sum(range(id_repo.n)) and commit == id_repo.commit


def test_worker_processes_do_not_hold_the_lock(small_repo):
    ds = hangar.torch.Dataset(small_repo.path, columns=("v",))
    loader = DataLoader(ds, batch_size=2, num_workers=2, multiprocessing_context="fork",
                        timeout=120)
    it = iter(loader)
    next(it)
    # workers are alive and reading; a writer can still take the lock
    small_repo.cli("put", "v", 9, save_npy(small_repo.path / "z.npy", np.zeros(2, np.uint8)))
    rest = list(it)
    assert sum(len(b) for b in rest) == 3
    del it, loader
    assert torch.is_tensor(ds[0])
