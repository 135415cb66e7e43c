"""Lazy reads from Python (docs/decisions/0011-lazy-reads.md): a clone set to fetch on
demand (`hangar clone --lazy`, `hangar config fetch.lazy true`, Repository.set_config) reads the
samples it lacks from its remote. Covers Column.prefetch, get / get_batch of missing samples,
the config API, hangar.torch loaders over a lazy clone (in-process and with worker processes),
and a remote that is stopped, restarted and moved.

Every server is a real `hangar server` on 127.0.0.1 with a free port, stopped by its PID in a
fixture finalizer. The module's shared server sits behind a relay (a process listening on
127.0.0.1 too) that records the clients' HTTP requests, so the tests can count the
`POST /hangar/chunks` requests a read makes and the chunk digests each one asks for.

Run:  PYTHONPATH=build/python /usr/bin/python3 -m pytest python/tests/test_lazy.py
"""
from __future__ import annotations

import functools
import gc
import json
import multiprocessing
import os
import pathlib
import re
import signal
import subprocess
import sys
import threading
import time
import weakref
from dataclasses import dataclass
from typing import Any, Callable

import numpy as np
import pytest
import torch

import hangar
from conftest import HANGAR, Cli, cli_env, init_repo, run_cli, run_python

# An exception in a thread (a DataLoader's queue feeder, the prefetch thread) or in a __del__
# fails the test it happens in.
pytestmark = [
    pytest.mark.filterwarnings("error::pytest.PytestUnhandledThreadExceptionWarning"),
    pytest.mark.filterwarnings("error::pytest.PytestUnraisableExceptionWarning"),
]

N = 64
SHAPE = (16, 16, 3)
CHUNKS_ROUTE = "/hangar/chunks"
DIGEST_SIZE = 32  # bytes of a SHA-256 chunk digest in a chunk request (docs/format/protocol.md)


# ---------------------------------------------------------------------------------------------
# The source repository
# ---------------------------------------------------------------------------------------------

@dataclass
class Source:
    """`images` uint8 (16, 16, 3), random (incompressible), and `labels` int64 () = k % 4, keys
    0..63, one commit."""

    path: pathlib.Path
    commit: str
    images: np.ndarray  # [N, 16, 16, 3]
    labels: np.ndarray  # [N]

    def key_of_image(self, img: np.ndarray) -> int:
        return self._by_bytes[np.ascontiguousarray(img).tobytes()]

    def __post_init__(self) -> None:
        self._by_bytes = {self.images[k].tobytes(): k for k in range(N)}
        assert len(self._by_bytes) == N


@pytest.fixture(scope="module")
def source(tmp_path_factory: pytest.TempPathFactory) -> Source:
    path = tmp_path_factory.mktemp("lazy-src") / "src"
    init_repo(path)
    rng = np.random.default_rng(13)
    images = rng.integers(0, 256, size=(N, *SHAPE), dtype=np.uint8)
    labels = (np.arange(N) % 4).astype(np.int64)
    with hangar.Repository(path) as repo, repo.checkout(write=True) as co:
        im = co.create_column("images", dtype=np.uint8, shape=SHAPE)
        lb = co.create_column("labels", dtype=np.int64, shape=())
        for k in range(N):
            im[k] = images[k]
            lb[k] = labels[k]
        commit = co.commit("source")
    return Source(path, commit, images, labels)


# ---------------------------------------------------------------------------------------------
# Servers on 127.0.0.1, stopped by PID
# ---------------------------------------------------------------------------------------------

class Server:
    """`hangar server REPO --bind 127.0.0.1 --port PORT --port-file F` (PORT 0: a free one)."""

    def __init__(self, repo: pathlib.Path, workdir: pathlib.Path, port: int = 0) -> None:
        workdir.mkdir(parents=True, exist_ok=True)
        self.port_file = workdir / f"port.{time.monotonic_ns()}"
        self.log_path = self.port_file.with_suffix(".log")
        with open(self.log_path, "wb") as log:
            self.proc = subprocess.Popen(
                [HANGAR, "server", str(repo), "--bind", "127.0.0.1", "--port", str(port),
                 "--port-file", str(self.port_file)],
                stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, env=cli_env())
        self.pid = self.proc.pid
        deadline = time.monotonic() + 15
        port_text = ""
        while time.monotonic() < deadline:
            if self.port_file.exists():
                port_text = self.port_file.read_text().strip()
                if port_text.isdigit():
                    break
            if self.proc.poll() is not None:
                break
            time.sleep(0.02)
        if not port_text.isdigit():
            self.stop(check=False)
            raise RuntimeError(f"hangar server did not start: {self.log_path.read_text()}")
        self.port = int(port_text)
        self.url = f"http://127.0.0.1:{self.port}"

    @property
    def running(self) -> bool:
        return self.proc.poll() is None

    def stop(self, check: bool = True, sig: int = signal.SIGTERM) -> None:
        """`sig` to its PID (the Popen is not reaped before, so the PID cannot belong to
        another process). SIGTERM is a clean shutdown: exit 0 within 10 s. (It takes the
        server's keep-alive timeout, 5 s, while a lazy reader holds an idle connection, so the
        tests that only need the server gone use SIGKILL.)"""
        if self.proc.returncode is not None:
            return
        if self.proc.poll() is None:
            os.kill(self.pid, sig)
        try:
            rc = self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.kill(self.pid, signal.SIGKILL)
            self.proc.wait()
            raise AssertionError(f"hangar server {self.pid} ignored signal {sig} for 10 s")
        if check:
            want = 0 if sig == signal.SIGTERM else -sig
            assert rc == want, f"hangar server exited {rc}: {self.log_path.read_text()}"

    def kill(self) -> None:
        """The server dies at once (SIGKILL to its PID)."""
        self.stop(sig=signal.SIGKILL)


@pytest.fixture
def servers(request: pytest.FixtureRequest, tmp_path: pathlib.Path) -> Callable[..., Server]:
    """start(repo, port=0): a server of this test; every one is stopped by its PID at the end."""
    started: list[Server] = []

    def stop_all() -> None:
        for s in started:
            s.stop(check=False)

    request.addfinalizer(stop_all)

    def start(repo: pathlib.Path, port: int = 0) -> Server:
        s = Server(repo, tmp_path / "servers", port)
        started.append(s)
        return s

    return start


# A TCP relay on 127.0.0.1, run in its own process (so that it never waits for this process's
# GIL): argv = upstream port, log file, delay. It parses the client's HTTP/1.1 requests
# (Content-Length bodies) and appends "METHOD PATH BODYHEX" to the log for each, flushed before
# the request's last bytes are passed on; a POST /hangar/chunks is then held for `delay`
# seconds. Prints its port once listening.
RELAY_CODE = r"""
import socket, sys, threading, time
upstream = ("127.0.0.1", int(sys.argv[1]))
log = open(sys.argv[2], "a")
delay = float(sys.argv[3])
lock = threading.Lock()

def close(*socks):
    for s in socks:
        try:
            s.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        s.close()

def pump(src, dst):
    try:
        while data := src.recv(1 << 16):
            dst.sendall(data)
    except OSError:
        pass
    finally:
        close(src, dst)

def requests(src, dst):
    buf = b""
    try:
        while data := src.recv(1 << 16):
            buf += data
            hold = False
            while (end := buf.find(b"\r\n\r\n")) >= 0:
                lines = buf[:end].decode("latin-1").split("\r\n")
                method, path, _ = lines[0].split(" ", 2)
                headers = {k.strip().lower(): v.strip()
                           for k, v in (h.split(":", 1) for h in lines[1:] if ":" in h)}
                if "chunked" in headers.get("transfer-encoding", "").lower():
                    raise SystemExit("relay: a chunked request body: " + lines[0])
                n = int(headers.get("content-length", "0"))
                if len(buf) < end + 4 + n:
                    break
                with lock:
                    log.write(f"{method} {path} {buf[end + 4:end + 4 + n].hex()}\n")
                    log.flush()
                hold = hold or path == "/hangar/chunks"
                buf = buf[end + 4 + n:]
            if hold and delay:
                time.sleep(delay)
            dst.sendall(data)
    except OSError:
        pass
    finally:
        close(src, dst)

srv = socket.create_server(("127.0.0.1", 0))
print(srv.getsockname()[1], flush=True)
while True:
    client, _ = srv.accept()
    try:
        up = socket.create_connection(upstream, timeout=10)
        up.settimeout(None)
    except OSError:
        client.close()
        continue
    threading.Thread(target=requests, args=(client, up), daemon=True).start()
    threading.Thread(target=pump, args=(up, client), daemon=True).start()
"""


class Relay:
    """RELAY_CODE in front of the server on 127.0.0.1:`upstream_port`: clones made from
    `relay.url` fetch through it, and chunk_requests() tells what they asked for."""

    def __init__(self, upstream_port: int, workdir: pathlib.Path, delay: float = 0) -> None:
        workdir.mkdir(parents=True, exist_ok=True)
        self.log = workdir / f"relay.{time.monotonic_ns()}.log"
        self.log.touch()
        self.proc = subprocess.Popen(
            [sys.executable, "-c", RELAY_CODE, str(upstream_port), str(self.log), str(delay)],
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, text=True, env=cli_env())
        self.pid = self.proc.pid
        line = self.proc.stdout.readline().strip()  # '' when it died
        if not line.isdigit():
            self.stop()
            raise RuntimeError(f"the relay did not start: {line!r}")
        self.port = int(line)
        self.url = f"http://127.0.0.1:{self.port}"

    def _records(self) -> list[tuple[str, str, bytes]]:
        assert self.proc.poll() is None, f"the relay exited {self.proc.returncode}"
        out = []
        for line in self.log.read_text().splitlines():
            method, path, body = line.split(" ")
            out.append((method, path, bytes.fromhex(body)))
        return out

    def mark(self) -> int:
        return len(self._records())

    def chunk_requests(self, since: int = 0) -> list[list[bytes]]:
        """The digests of each POST /hangar/chunks since `since` (a mark())."""
        out = []
        for method, path, body in self._records()[since:]:
            if method == "POST" and path == CHUNKS_ROUTE:
                assert len(body) % DIGEST_SIZE == 0, f"a chunk request of {len(body)} bytes"
                out.append([body[i:i + DIGEST_SIZE] for i in range(0, len(body), DIGEST_SIZE)])
        return out

    def stop(self) -> None:
        """SIGTERM to its PID."""
        if self.proc.returncode is not None:
            return
        if self.proc.poll() is None:
            os.kill(self.pid, signal.SIGTERM)
        self.proc.wait(timeout=10)
        self.proc.stdout.close()


@dataclass
class Served:
    server: Server
    relay: Relay

    @property
    def url(self) -> str:
        return self.relay.url


@pytest.fixture(scope="module")
def served(request: pytest.FixtureRequest, source: Source,
           tmp_path_factory: pytest.TempPathFactory) -> Served:
    """The module's server of `source`, behind a Relay (clones made from `served.url` fetch
    through it)."""
    server = Server(source.path, tmp_path_factory.mktemp("lazy-server"))
    request.addfinalizer(server.stop)
    relay = Relay(server.port, tmp_path_factory.mktemp("lazy-relay"))
    request.addfinalizer(relay.stop)
    assert server.url.startswith("http://127.0.0.1:") and relay.url.startswith("http://127.0.0.1:")
    return Served(server, relay)


# ---------------------------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------------------------

def lazy_clone(url: str, dst: pathlib.Path, *extra: Any) -> Cli:
    doc = run_cli("clone", "--lazy", url, dst, *extra, "--json").json()
    assert doc["lazy"] is True
    return Cli(dst)


def local_counts(c: Cli) -> dict[str, int]:
    return {col["name"]: col["local_count"] for col in c.json("summary")["columns"]}


def fsck(c: Cli) -> dict[str, Any]:
    return c.json("fsck")


def all_digests(requests: list[list[bytes]]) -> list[bytes]:
    return [d for r in requests for d in r]


def drop_handles() -> None:
    """The repository handle of this process closes when no Python object uses it."""
    gc.collect()


# ---------------------------------------------------------------------------------------------
# 1. prefetch, get, get_batch over a lazy clone
# ---------------------------------------------------------------------------------------------

def test_lazy_clone_holds_no_data_and_says_so(tmp_path, served, source):
    mark = served.relay.mark()
    c = lazy_clone(served.url, tmp_path / "c")
    assert served.relay.chunk_requests(mark) == [], "a lazy clone without a selector fetches data"
    assert local_counts(c) == {"images": 0, "labels": 0}
    assert c("config", "fetch.lazy").out.strip() == "true"
    with hangar.Repository(c.cwd) as repo:
        assert repo.lazy_fetch is True
        assert repo.config["fetch.lazy"] == "true"
        assert repo.config["remote.origin.url"] == served.url
        co = repo.checkout()
        assert co.commit == source.commit
        im = co["images"]
        assert len(im) == N and list(im.keys()) == list(range(N))
        assert not any(im.is_local(k) for k in range(N))
    # listing keys, schema and is_local fetched nothing
    assert served.relay.chunk_requests(mark) == []


def test_prefetch_brings_the_chunks_once(tmp_path, served, source):
    c = lazy_clone(served.url, tmp_path / "c")
    chunks_before = fsck(c)["chunks"]
    keys = list(range(16))
    with hangar.Repository(c.cwd) as repo:
        im = repo.checkout()["images"]
        mark = served.relay.mark()
        n = im.prefetch(keys)
        reqs = served.relay.chunk_requests(mark)
        assert n > 0
        assert len(reqs) == 1, f"prefetch of 16 keys made {len(reqs)} chunk requests"
        assert len(reqs[0]) == n == len(set(reqs[0])), "asked for each missing chunk once"
        assert all(im.is_local(k) for k in keys)
        assert not im.is_local(16) and not im.is_local(N - 1)
        # the second call finds everything local: no request
        mark = served.relay.mark()
        assert im.prefetch(keys) == 0
        assert im.prefetch([]) == 0
        # the data is the source's, read without a request
        assert np.array_equal(im.get_batch(keys), source.images[keys])
        for k in (0, 7, 15):
            assert np.array_equal(im[k], source.images[k])
        assert served.relay.chunk_requests(mark) == []
        # keys half local: only the missing ones are asked for, in one request
        mark = served.relay.mark()
        m = im.prefetch(list(range(8, 24)))
        reqs = served.relay.chunk_requests(mark)
        assert len(reqs) == 1 and len(reqs[0]) == m > 0
        assert all(im.is_local(k) for k in range(24))
    after = fsck(c)
    assert after["ok"] is True
    assert after["chunks"] - chunks_before == n + m, "prefetch's count is the chunks it stored"
    assert local_counts(c)["images"] == 24


def test_prefetch_errors(tmp_path, served):
    c = lazy_clone(served.url, tmp_path / "c")
    with hangar.Repository(c.cwd) as repo:
        im = repo.checkout()["images"]
        with pytest.raises(hangar.NotFound):
            im.prefetch([0, N + 5])
        with pytest.raises(TypeError):
            im.prefetch("0123")  # one str key is not a sequence of keys
    assert local_counts(c)["images"] == 0


def test_get_of_one_missing_sample(tmp_path, served, source):
    c = lazy_clone(served.url, tmp_path / "c")
    with hangar.Repository(c.cwd) as repo:
        im = repo.checkout()["images"]
        lb = repo.checkout()["labels"]
        assert not im.is_local(40)
        mark = served.relay.mark()
        got = im[40]
        assert got.dtype == np.uint8 and got.shape == SHAPE
        assert np.array_equal(got, source.images[40])
        assert len(served.relay.chunk_requests(mark)) == 1
        # only that sample's chunks came
        assert im.is_local(40) and not im.is_local(39) and not im.is_local(41)
        # read again: local, no request
        mark = served.relay.mark()
        assert np.array_equal(im.read(40), source.images[40])
        assert served.relay.chunk_requests(mark) == []
        # the other single-sample reads fetch too
        assert np.array_equal(im[41, 2:9, :, 1], source.images[41][2:9, :, 1])
        out = np.empty(SHAPE, dtype=np.uint8)
        im.read_into(42, out)
        assert np.array_equal(out, source.images[42])
        assert np.array_equal(im.get(43), source.images[43])
        assert int(lb[5]) == source.labels[5]
        assert all(im.is_local(k) for k in (41, 42, 43))
    assert local_counts(c)["images"] == 4
    assert fsck(c)["ok"] is True


def test_get_batch_of_missing_samples(tmp_path, served, source):
    c = lazy_clone(served.url, tmp_path / "c")
    rng = np.random.default_rng(0)
    with hangar.Repository(c.cwd) as repo:
        co = repo.checkout()
        im, lb = co["images"], co["labels"]
        assert im.prefetch([0, 1, 2, 3]) > 0
        # 30 keys in a random order, 4 of them local already
        keys = [int(k) for k in rng.permutation([0, 1, 2, 3, *range(10, 36)])]
        missing = [k for k in keys if not im.is_local(k)]
        mark = served.relay.mark()
        batch = im.get_batch(keys)
        reqs = served.relay.chunk_requests(mark)
        assert batch.dtype == np.uint8 and batch.shape == (len(keys), *SHAPE)
        assert np.array_equal(batch, source.images[keys])
        assert len(reqs) == 1, f"get_batch made {len(reqs)} chunk requests, expected one"
        assert len(reqs[0]) == len(set(reqs[0])) == len(missing), \
            "the request asks for exactly the missing samples' chunks"
        assert all(im.is_local(k) for k in keys)
        # a batch repeating a missing key asks for its chunk once
        mark = served.relay.mark()
        rep = im.get_batch([50, 50, 51, 50])
        assert np.array_equal(rep, source.images[[50, 50, 51, 50]])
        reqs = served.relay.chunk_requests(mark)
        assert len(reqs) == 1 and len(reqs[0]) == len(set(reqs[0])) == 2
        # every label in one request
        mark = served.relay.mark()
        labels = lb.get_batch(list(range(N)))
        assert labels.dtype == np.int64 and np.array_equal(labels, source.labels)
        assert len(served.relay.chunk_requests(mark)) == 1
    assert local_counts(c) == {"images": len(keys) + 2, "labels": N}
    assert fsck(c)["ok"] is True


def test_lazy_clone_with_a_budget_reads_the_rest(tmp_path, served, source):
    c = lazy_clone(served.url, tmp_path / "c", "--max-bytes", "20K")
    before = local_counts(c)["images"]
    assert 0 < before < N
    with hangar.Repository(c.cwd) as repo:
        co = repo.checkout()
        assert np.array_equal(co["images"].get_batch(list(range(N))), source.images)
        assert np.array_equal(co["labels"].get_batch(list(range(N))), source.labels)
    assert local_counts(c) == {"images": N, "labels": N}


def test_lazy_reads_from_a_path_remote(tmp_path, source):
    """A clone whose remote is a folder: the same reads work without a server."""
    path = tmp_path / "part"
    run_cli("clone", source.path, path, "--max-bytes", "20K")
    with hangar.Repository(path) as repo:
        assert repo.config["remote.origin.url"] == str(source.path)
        im = repo.checkout()["images"]
        missing = [k for k in range(N) if not im.is_local(k)]
        assert 0 < len(missing) < N
        with pytest.raises(hangar.NotLocal, match="fetch-data origin"):
            im[missing[0]]
        repo.set_config("fetch.lazy", "true")
        assert im.prefetch(missing[:2]) > 0
        assert np.array_equal(im[missing[2]], source.images[missing[2]])
        assert np.array_equal(im.get_batch(list(range(N))), source.images)
    assert local_counts(Cli(path))["images"] == N
    assert fsck(Cli(path))["ok"] is True


@pytest.fixture(scope="module")
def slow_url(request: pytest.FixtureRequest, served: Served,
             tmp_path_factory: pytest.TempPathFactory) -> str:
    """A relay to the module's server that holds every chunk request for 0.2 s."""
    relay = Relay(served.server.port, tmp_path_factory.mktemp("lazy-slow"), delay=0.2)
    request.addfinalizer(relay.stop)
    return relay.url


@pytest.mark.parametrize("read", [
    pytest.param(lambda im, ds, k: im.get_batch([k]), id="get_batch"),
    pytest.param(lambda im, ds, k: im.prefetch([k]), id="prefetch"),
    pytest.param(lambda im, ds, k: im.read_into(k, np.empty(SHAPE, np.uint8)), id="read_into"),
    pytest.param(lambda im, ds, k: im[k], id="getitem"),
    pytest.param(lambda im, ds, k: im[k, 0:4], id="slice"),
    pytest.param(lambda im, ds, k: ds[k], id="dataset_item"),
])
def test_reads_release_the_gil_while_they_fetch(tmp_path, slow_url, source, read):
    """Other Python threads run while a read waits for the remote (a training process has a
    prefetch thread, pin-memory threads...; an in-process tunnel to the remote would deadlock)."""
    import hangar.torch

    c = lazy_clone(slow_url, tmp_path / "c")
    ds = hangar.torch.Dataset(c.cwd, columns=("images",), cache_bytes=0)
    im = hangar.Repository(c.cwd).checkout()["images"]
    beats: list[float] = []
    stop = threading.Event()

    def heartbeat() -> None:  # needs the GIL every 2 ms
        while not stop.is_set():
            beats.append(time.monotonic())
            time.sleep(0.002)

    t = threading.Thread(target=heartbeat, daemon=True)
    t.start()
    try:
        time.sleep(0.05)
        t0 = time.monotonic()
        read(im, ds, 9)
        t1 = time.monotonic()
    finally:
        stop.set()
        t.join()
    assert im.is_local(9)
    assert t1 - t0 >= 0.18, "the read did not wait for the (slow) remote"
    # the heartbeat went on in the middle of the wait (not only around a GIL switch at its ends)
    middle = [b for b in beats if t0 + 0.05 < b < t1 - 0.05]
    assert len(middle) > 10, f"{len(middle)} heartbeats in the middle of a {t1 - t0:.2f} s read"


# ---------------------------------------------------------------------------------------------
# 2. a clone that does not fetch lazily
# ---------------------------------------------------------------------------------------------

def test_not_lazy_clone_raises_not_local_then_set_config(tmp_path, served, source):
    path = tmp_path / "n"
    run_cli("clone", served.url, path, "--no-data")
    c = Cli(path)
    mark = served.relay.mark()
    with hangar.Repository(path) as repo:
        assert repo.lazy_fetch is False
        assert repo.config.get("fetch.lazy") in (None, "false")
        im = repo.checkout()["images"]
        with pytest.raises(hangar.NotLocal) as e:
            im[7]
        msg = str(e.value)
        # the hint names the revision read: the checkout's commit
        assert "not local" in msg, msg
        assert re.search(r"of commit ([0-9a-f]+) .*fetch-data origin \1 --keys 7", msg), msg
        assert "fetch.lazy true" in msg, msg
        assert e.value.code == "not-local"
        assert isinstance(e.value, LookupError) and not isinstance(e.value, KeyError)
        with pytest.raises(hangar.NotLocal, match="fetch-data"):
            im.get_batch([7, 8])
        with pytest.raises(hangar.NotLocal, match="fetch-data"):
            im.get(9)
        assert im.prefetch([7, 8, 9]) == 0, "prefetch fetches nothing unless fetch.lazy is true"
        assert not im.is_local(7)
        assert served.relay.chunk_requests(mark) == [], "a non-lazy clone asked for chunks"

        repo.set_config("fetch.lazy", "true")
        assert repo.lazy_fetch is True
        assert repo.config["fetch.lazy"] == "true"
        assert c("config", "fetch.lazy").out.strip() == "true"
        # the column object made before the change fetches now
        assert np.array_equal(im[7], source.images[7])
        assert np.array_equal(im.get_batch([8, 9]), source.images[[8, 9]])
    assert local_counts(c)["images"] == 3

    # reopened, in a new process: still lazy, reads fetch
    code = (
        "import sys, hangar, numpy as np\n"
        "repo = hangar.Repository(sys.argv[1])\n"
        "assert repo.lazy_fetch is True\n"
        "a = repo.checkout()['images'].get_batch([10, 11, 12])\n"
        "np.save(sys.argv[2], a)\n")
    out = tmp_path / "got.npy"
    p = run_python(code, path, out, timeout=60)
    assert p.returncode == 0, p.stderr
    assert np.array_equal(np.load(out), source.images[[10, 11, 12]])

    # and back off: reads of missing samples fail again
    del im, e
    drop_handles()
    with hangar.Repository(path) as repo:
        assert repo.lazy_fetch is True
        repo.set_config("fetch.lazy", "false")
        assert repo.lazy_fetch is False
        with pytest.raises(hangar.NotLocal, match=r"fetch-data origin [0-9a-f]+ --keys 20"):
            repo.checkout()["images"][20]
        assert np.array_equal(repo.checkout()["images"][7], source.images[7])  # still local
    assert local_counts(c)["images"] == 6


# ---------------------------------------------------------------------------------------------
# 3. hangar.torch over a lazy clone
# ---------------------------------------------------------------------------------------------

def check_epoch(batches: list[Any], source: Source) -> None:
    """Every sample exactly once, images and labels identical to the source."""
    seen: list[int] = []
    for imgs, labels in batches:
        assert imgs.dtype == torch.uint8 and tuple(imgs.shape[1:]) == SHAPE
        assert labels.dtype == torch.int64
        for img, label in zip(imgs.numpy(), labels.numpy()):
            k = source.key_of_image(img)
            assert int(label) == source.labels[k], f"label of sample {k}"
            seen.append(k)
    assert sorted(seen) == list(range(N)), "some sample came twice or not at all"


@pytest.mark.parametrize("num_workers", [0, 2])
def test_loader_over_a_lazy_clone(tmp_path, served, source, num_workers):
    import hangar.torch

    c = lazy_clone(served.url, tmp_path / "c")
    # cache_bytes=1024: the labels (512 B) are read whole at construction, the images by the
    # loader's prefetch thread
    ds = hangar.torch.Dataset(c.cwd, cache_bytes=1024)
    assert ds.lazy is True and len(ds) == N and ds.commit == source.commit
    assert local_counts(c) == {"images": 0, "labels": N}
    mark = served.relay.mark()
    kw: dict[str, Any] = {}
    if num_workers:
        kw = {"multiprocessing_context": "fork", "timeout": 60}
    loader = ds.loader(batch_size=10, shuffle=True, seed=3, num_workers=num_workers, **kw)
    batches = list(loader)
    assert len(batches) == 7
    check_epoch(batches, source)
    reqs = served.relay.chunk_requests(mark)
    # 4096 samples ahead: requests grow from one batch (1, 2, 4 batches), each chunk is asked
    # for once
    assert 1 <= len(reqs) <= 3, [len(r) for r in reqs]
    assert len(reqs[0]) <= 10, "the first request is for more than the first batch"
    digests = all_digests(reqs)
    assert len(digests) == len(set(digests)) == N
    assert local_counts(c) == {"images": N, "labels": N}
    # a second epoch reads local data only
    mark = served.relay.mark()
    check_epoch(list(ds.loader(batch_size=16, num_workers=num_workers, **kw)), source)
    assert served.relay.chunk_requests(mark) == []
    del ds, loader
    drop_handles()
    assert fsck(c)["ok"] is True


def test_loader_prefetch_window(tmp_path, served, source):
    """prefetch_samples=16 with batches of 8: the thread keeps at most 2 batches ahead, so the
    epoch takes several requests of at most 16 samples, and still asks for each chunk once."""
    import hangar.torch

    c = lazy_clone(served.url, tmp_path / "c")
    ds = hangar.torch.Dataset(c.cwd, cache_bytes=1024)
    mark = served.relay.mark()
    batches = []
    local_at_first_batch: list[int] = []
    for imgs, labels in ds.loader(batch_size=8, shuffle=True, seed=1, prefetch_samples=16):
        batches.append((imgs, labels))
        if len(batches) == 1:
            # while the first batch trains, the thread fetches the next one (2 batches ahead
            # of the last one yielded: num_workers=0 asks for one batch at a time), no more
            deadline = time.monotonic() + 10
            while (n := local_counts(c)["images"]) < 16 and time.monotonic() < deadline:
                time.sleep(0.02)
            time.sleep(0.2)
            local_at_first_batch += [n, local_counts(c)["images"]]
    check_epoch(batches, source)
    assert local_at_first_batch == [16, 16], local_at_first_batch
    reqs = served.relay.chunk_requests(mark)
    assert 4 <= len(reqs) <= 8, [len(r) for r in reqs]
    assert all(len(r) <= 16 for r in reqs), [len(r) for r in reqs]
    digests = all_digests(reqs)
    assert len(digests) == len(set(digests)) == N
    assert local_counts(c)["images"] == N


def test_plain_dataloader_workers_fetch_for_themselves(tmp_path, served, source):
    """Without ds.loader() each worker process fetches what its reads miss."""
    import hangar.torch

    c = lazy_clone(served.url, tmp_path / "c")
    ds = hangar.torch.Dataset(c.cwd, cache_bytes=0)
    loader = torch.utils.data.DataLoader(ds, batch_size=8, shuffle=True, num_workers=2,
                                         multiprocessing_context="fork", timeout=60,
                                         generator=torch.Generator().manual_seed(0))
    check_epoch(list(loader), source)
    assert local_counts(c) == {"images": N, "labels": N}
    del ds, loader
    drop_handles()
    assert fsck(c)["ok"] is True


def test_not_lazy_dataset_loader_does_not_prefetch(tmp_path, served):
    import hangar.torch

    path = tmp_path / "n"
    run_cli("clone", served.url, path, "--no-data")
    ds = hangar.torch.Dataset(path, cache_bytes=0)
    assert ds.lazy is False
    mark = served.relay.mark()
    with pytest.raises(hangar.NotLocal, match="fetch-data"):
        next(iter(ds.loader(batch_size=8)))
    assert served.relay.chunk_requests(mark) == []


# ---------------------------------------------------------------------------------------------
# 4. the remote goes away
# ---------------------------------------------------------------------------------------------

def read_in_new_process(path: pathlib.Path, keys: list[int], out: pathlib.Path
                        ) -> subprocess.CompletedProcess:
    code = (
        "import sys, json, hangar, numpy as np\n"
        "im = hangar.Repository(sys.argv[1]).checkout()['images']\n"
        "np.save(sys.argv[2], im.get_batch(json.loads(sys.argv[3])))\n")
    return run_python(code, path, out, json.dumps(keys), timeout=60)


def test_read_after_the_server_stops_and_moves(tmp_path, servers, source):
    server = servers(source.path)
    c = lazy_clone(server.url, tmp_path / "d")
    path = c.cwd

    def reads_fail(im: Any) -> None:
        with pytest.raises(hangar.NotLocal) as e:
            im[1]
        msg = str(e.value)
        assert "cannot fetch 1 chunk from remote 'origin'" in msg, msg
        assert server.url in msg and "fetch-data origin" in msg, msg
        with pytest.raises(hangar.NotLocal, match=r"cannot fetch 2 chunks from remote 'origin'"
                                                  r".*fetch-data origin"):
            im.get_batch([0, 1, 2])  # 0 is local
        with pytest.raises(hangar.NotLocal, match="remote 'origin'.*fetch-data origin"):
            im.prefetch([3, 4])

    repo = hangar.Repository(path)
    im = repo.checkout()["images"]
    assert np.array_equal(im[0], source.images[0])
    server.kill()
    reads_fail(im)
    assert np.array_equal(im[0], source.images[0]), "a local sample still reads"
    assert not any(im.is_local(k) for k in (1, 2, 3, 4))
    del repo, im
    drop_handles()
    assert local_counts(c) == {"images": 1, "labels": 0}
    doc = fsck(c)
    assert doc["ok"] is True and doc["problems"] == [] and doc["not_local"] > 0

    # the server comes back elsewhere; after 'hangar remote set-url' a new process reads
    moved = servers(source.path)
    assert moved.port != server.port
    c("remote", "set-url", "origin", moved.url)
    out = tmp_path / "got.npy"
    p = read_in_new_process(path, [1, 2, 3], out)
    assert p.returncode == 0, p.stderr
    assert np.array_equal(np.load(out), source.images[[1, 2, 3]])
    # ... and so does this one once it opens the repository again
    with hangar.Repository(path) as repo:
        assert repo.config["remote.origin.url"] == moved.url
        im = repo.checkout()["images"]
        assert np.array_equal(im.get_batch([4, 5]), source.images[[4, 5]])
        del im
    assert local_counts(c)["images"] == 6
    assert fsck(c)["ok"] is True


def test_reconnects_to_a_restarted_server(tmp_path, servers, source):
    """A server restarted at the same address serves the same open column: after a restart
    while the reader was idle (its kept-alive connection is dead), and after a read failed
    while the server was down (the fetcher dropped its connection)."""
    server = servers(source.path)
    c = lazy_clone(server.url, tmp_path / "d")

    def restart(old: Server) -> Server:
        # The port may be taken for a moment in between (another test's client): try again.
        for attempt in range(50):
            try:
                new = servers(source.path, port=old.port)
                break
            except RuntimeError:
                if attempt == 49:
                    raise
                time.sleep(0.1)
        assert new.url == old.url
        return new

    with hangar.Repository(c.cwd) as repo:
        im = repo.checkout()["images"]
        assert np.array_equal(im[0], source.images[0])
        server.kill()
        server = restart(server)
        assert np.array_equal(im[1], source.images[1])
        server.kill()
        with pytest.raises(hangar.NotLocal, match="remote 'origin'"):
            im[2]
        with pytest.raises(hangar.NotLocal, match="nothing is listening"):
            im.get_batch([2, 3])
        server = restart(server)
        assert np.array_equal(im[2], source.images[2])
        assert np.array_equal(im.get_batch([2, 3, 4]), source.images[[2, 3, 4]])


def test_set_url_reaches_an_open_repository(tmp_path, servers, source):
    server = servers(source.path)
    c = lazy_clone(server.url, tmp_path / "d")
    with hangar.Repository(c.cwd) as repo:
        im = repo.checkout()["images"]
        assert np.array_equal(im[0], source.images[0])
        server.kill()
        with pytest.raises(hangar.NotLocal):
            im[1]
        moved = servers(source.path)
        c("remote", "set-url", "origin", moved.url)
        assert np.array_equal(im[1], source.images[1])


def run_with_watchdog(fn: Callable[[], Any], timeout: float) -> Any:
    """fn() in a daemon thread: its result, or the exception it raised (with no reference
    kept here, so that no reference cycle outlives it); fails on a hang."""
    box: dict[str, Any] = {}

    def target() -> None:
        try:
            box["result"] = fn()
        except BaseException as e:  # handed to the test
            box["error"] = e

    t = threading.Thread(target=target, name="watchdog", daemon=True)
    t.start()
    t.join(timeout)
    assert not t.is_alive(), f"hung for {timeout} s"
    if "error" in box:
        error = box.pop("error")
        try:
            raise error
        finally:
            del error
    return box.pop("result")


def collect_batches(loader: Any, out: list[Any]) -> None:
    for batch in loader:
        out.append(batch)


@pytest.mark.parametrize("num_workers", [0, 2])
def test_loader_over_a_stopped_server_raises_not_local(tmp_path, servers, source, num_workers):
    """The prefetch thread's NotLocal comes out of the loop at once, no batch is yielded, and
    the loader is gone when the exception is: no reference cycle keeps the Dataset, the
    DataLoader iterator or its worker processes alive until a garbage collection."""
    import hangar.torch

    server = servers(source.path)
    c = lazy_clone(server.url, tmp_path / "d")
    server.stop()
    ds = hangar.torch.Dataset(c.cwd)  # the small columns cannot be cached: read lazily later
    assert ds.lazy is True and len(ds) == N
    kw: dict[str, Any] = {"multiprocessing_context": "fork", "timeout": 30} if num_workers else {}
    loader = ds.loader(batch_size=8, num_workers=num_workers, **kw)
    seen: list[Any] = []
    gc.collect()
    gc.disable()
    try:
        with pytest.raises(hangar.NotLocal) as e:
            run_with_watchdog(functools.partial(collect_batches, loader, seen), timeout=30)
        msg = str(e.value)
        del e
        assert "remote 'origin'" in msg and "fetch-data origin" in msg, msg
        assert seen == [], "a batch came from a server that is gone"
        alive = weakref.ref(ds)
        del ds, loader
        assert alive() is None, "the failed loader's objects are kept alive by a reference cycle"
        deadline = time.monotonic() + 10
        while multiprocessing.active_children() and time.monotonic() < deadline:
            time.sleep(0.02)
        assert multiprocessing.active_children() == [], "DataLoader workers outlived the loop"
    finally:
        gc.enable()
    drop_handles()
    assert local_counts(c) == {"images": 0, "labels": 0}
    assert fsck(c)["ok"] is True


# ---------------------------------------------------------------------------------------------
# 5. the config API
# ---------------------------------------------------------------------------------------------

def test_config_round_trip(repo_dir):
    c = Cli(repo_dir)
    with hangar.Repository(repo_dir) as repo:
        base = repo.config
        assert isinstance(base, dict) and "user.name" in base and "fetch.lazy" not in base
        assert repo.lazy_fetch is False
        for value in ("Ada", "Zoë Ångström-Łukasiewicz", "a = b # c"):
            repo.set_config("user.name", value)
            assert repo.config["user.name"] == value
            assert c("config", "user.name").out == value + "\n"
        repo.set_config("user.email", "ada@example.org")
        assert repo.config["user.email"] == "ada@example.org"
        listed = dict(line.split("=", 1) for line in c("config", "--list").out.splitlines())
        assert listed == repo.config
        # the dict is a copy
        repo.config["user.name"] = "changed"
        assert repo.config["user.name"] == "a = b # c"
        # unset
        repo.set_config("user.name", None)
        assert "user.name" not in repo.config
        res = c("config", "user.name", check=False)
        assert res.rc == 1 and res.out == "" and res.err == ""
        repo.set_config("user.name", None)  # unsetting an unset key is fine
        # fetch.lazy
        for value, lazy in (("true", True), ("false", False), ("true", True), (None, False)):
            repo.set_config("fetch.lazy", value)
            assert repo.lazy_fetch is lazy
            assert repo.config.get("fetch.lazy") == value
            assert c("config", "fetch.lazy", check=False).out.strip() == (value or "")
    # the CLI's changes are seen by a repository opened afterwards
    c("config", "fetch.lazy", "true")
    c("config", "user.name", "Grace")
    drop_handles()
    with hangar.Repository(repo_dir) as repo:
        assert repo.lazy_fetch is True and repo.config["user.name"] == "Grace"


@pytest.mark.parametrize("key, value, error, text", [
    ("fetch.lazy", "yes", hangar.InvalidArgument, "fetch.lazy must be 'true' or 'false', got 'yes'"),
    ("fetch.lazy", "True", hangar.InvalidArgument, "must be 'true' or 'false'"),
    ("fetch.lazy", "", hangar.InvalidArgument, "must be 'true' or 'false'"),
    ("nope", "1", hangar.InvalidArgument, "unknown config key 'nope'"),
    ("format_version", "2", hangar.InvalidArgument, "unknown config key 'format_version'"),
    ("remote.origin.url", "http://127.0.0.1:1", hangar.InvalidArgument,
     "managed by 'hangar remote'"),
    ("clone.remote", "other", hangar.InvalidArgument, "managed by 'hangar remote'"),
    ("user.name", "", hangar.InvalidArgument, "cannot be empty"),
    ("user.email", "a\nb", hangar.InvalidArgument, "line break"),
])
def test_config_refusals(tmp_path, served, key, value, error, text):
    c = lazy_clone(served.url, tmp_path / "c")
    with hangar.Repository(c.cwd) as repo:
        before = repo.config
        with pytest.raises(error) as e:
            repo.set_config(key, value)
        assert text in str(e.value), str(e.value)
        assert isinstance(e.value, ValueError) and e.value.code == "invalid-argument"
        if "unknown" in text:
            assert "fetch.lazy" in str(e.value)  # names the keys one can set
        assert repo.config == before
        assert repo.lazy_fetch is True
    assert c.json("config", "--list") == before


def test_config_type_errors_and_closed_repository(repo_dir):
    repo = hangar.Repository(repo_dir)
    before = repo.config
    with pytest.raises(TypeError):
        repo.set_config("fetch.lazy", True)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        repo.set_config(None, "true")  # type: ignore[arg-type]
    assert repo.config == before and repo.lazy_fetch is False
    repo.close()
    with pytest.raises(ValueError, match="closed"):
        repo.set_config("fetch.lazy", "true")
    with pytest.raises(ValueError, match="closed"):
        repo.lazy_fetch
    assert "fetch.lazy" not in Cli(repo_dir).json("config", "--list")


def test_set_config_with_a_write_checkout_open(repo_dir):
    """set_config shares the writer lock of this process's open write checkout."""
    with hangar.Repository(repo_dir) as repo:
        with repo.checkout(write=True) as w:
            w.create_column("v", dtype=np.uint8, shape=(2,))
            repo.set_config("user.name", "Writer")
            w["v"][0] = np.array([1, 2], dtype=np.uint8)
            w.commit("with config")
        assert repo.config["user.name"] == "Writer"
        assert np.array_equal(repo.checkout()["v"][0], [1, 2])
