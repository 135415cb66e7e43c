"""Errors: every libhangar error arrives as the class of hangar/errors.py with the CLI's message;
wrong Python types are TypeError; writes through a read checkout are TypeError."""
from __future__ import annotations

import fcntl
import signal
import subprocess
import sys
import time

import numpy as np
import pytest

import hangar
import hangar.errors
from conftest import HANGAR, Cli, cli_env, save_npy


def test_the_error_classes_are_those_of_errors_py():
    for name in hangar.errors.__all__:
        assert getattr(hangar, name) is getattr(hangar.errors, name), name


def test_raised_errors_are_errors_py_classes_with_codes(small_repo):
    with hangar.Repository(small_repo.path) as repo, repo.checkout() as co:
        with pytest.raises(hangar.errors.NotFound) as e:
            co["v"][99]
    err = e.value
    assert type(err) is hangar.errors.NotFound
    assert err.code == "not-found"
    assert err.message == str(err)
    assert isinstance(err, KeyError) and isinstance(err, hangar.errors.HangarError)
    # KeyError's str() would quote the message; HangarError's does not
    assert not str(err).startswith("'")


def lock_held(path) -> bool:
    with open(path / ".hangar" / "lock", "a") as f:
        try:
            fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        fcntl.flock(f, fcntl.LOCK_UN)
        return False


def wait_for(pred, what, timeout=20.0):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if pred():
            return
        time.sleep(0.02)
    raise AssertionError(f"timed out waiting for {what}")


HOLD_LOCK = """
import fcntl, sys, time
f = open(sys.argv[1], "a")
fcntl.flock(f, fcntl.LOCK_EX)
print("locked", flush=True)
time.sleep(120)
"""


def test_locked_while_another_process_holds_the_lock(small_repo):
    """The lock a CLI takes (flock on .hangar/lock), held by another process."""
    holder = subprocess.Popen([sys.executable, "-c", HOLD_LOCK,
                               str(small_repo.path / ".hangar" / "lock")],
                              stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        assert holder.stdout.readline().strip() == "locked"
        assert lock_held(small_repo.path)
        msg = small_repo.cli.fails("put", "v", 9, save_npy(small_repo.path / "a.npy",
                                                            np.zeros((2,), np.uint8)))
        with hangar.Repository(small_repo.path) as repo:
            with pytest.raises(hangar.Locked) as e:
                repo.checkout(write=True)
            assert str(e.value) == msg
            assert isinstance(e.value, BlockingIOError)
            with pytest.raises(hangar.Locked):
                repo.create_branch("dev")
            with pytest.raises(hangar.Locked):
                repo.delete_branch("main")
            with pytest.raises(hangar.Locked):
                repo.merge("main")
            # reads go on
            with repo.checkout() as co:
                assert np.array_equal(co["v"][1], small_repo.values[1])
            assert repo.status()["branch"] == "main"
    finally:
        holder.kill()
        holder.wait()
    with hangar.Repository(small_repo.path) as repo, repo.checkout(write=True) as co:
        co["v"][9] = np.zeros((2,), np.uint8)


def test_locked_while_a_cli_import_runs(small_repo, tmp_path):
    """A real hangar process in the middle of a write: HANGAR_FAILPOINT=import-epoch makes
    `hangar import` wait, holding the lock, after its first epoch (4,096 files)."""
    folder = tmp_path / "many"
    folder.mkdir()
    one = save_npy(tmp_path / "one.npy", np.array([1, 2], dtype=np.uint8)).read_bytes()
    for i in range(4100):
        (folder / f"{i:04d}.npy").write_bytes(one)
    env = cli_env()
    env["HANGAR_FAILPOINT"] = "import-epoch"
    proc = subprocess.Popen([HANGAR, "import", "v", str(folder)], cwd=small_repo.path, env=env,
                            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    try:
        wait_for(lambda: small_repo.cli.json("status")["staged"].get("v", {}).get("added", 0)
                 >= 4096, "the import's first epoch", timeout=60)
        with hangar.Repository(small_repo.path) as repo:
            with pytest.raises(hangar.Locked):
                repo.checkout(write=True)
    finally:
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=30)
    assert proc.returncode == 130, err
    with hangar.Repository(small_repo.path) as repo, repo.checkout(write=True) as co:
        assert co.status()["staged"] == {}  # the import was rolled back
        co["v"][9] = np.zeros((2,), np.uint8)


def test_second_write_checkout_in_one_process_is_locked(small_repo):
    with hangar.Repository(small_repo.path) as repo:
        with repo.checkout(write=True):
            with pytest.raises(hangar.Locked) as e:
                repo.checkout(write=True)
            assert e.value.code == "locked"
            with hangar.Repository(small_repo.path) as other:
                with pytest.raises(hangar.Locked):
                    other.checkout(write=True)
        with repo.checkout(write=True):  # released: a new one works
            pass


def test_not_found_cases_match_the_cli(small_repo):
    c = small_repo.cli
    with hangar.Repository(small_repo.path) as repo:
        with repo.checkout(small_repo.commit) as co:
            cases = [
                (lambda: co["nope"], ("get", "nope", "0", "--ref", small_repo.commit)),
                (lambda: co["v"][42], ("get", "v", "42", "--ref", small_repo.commit)),
                (lambda: co["v"]["a/b"], ("get", "v", "a/b", "--ref", small_repo.commit)),
                (lambda: repo.checkout("nobranch"), ("get", "v", "0", "--ref", "nobranch")),
                (lambda: repo.resolve("HEAD~9"), ("log", "HEAD~9")),
                (lambda: repo.delete_branch("nobranch"), ("branch", "delete", "nobranch")),
                (lambda: repo.create_branch("x", "nobranch"),
                 ("branch", "create", "x", "nobranch")),
                (lambda: repo.summary("nobranch"), ("summary", "nobranch")),
            ]
            for call, cli_args in cases:
                with pytest.raises(hangar.NotFound) as e:
                    call()
                assert str(e.value) == c.fails_py(*cli_args), cli_args
                assert isinstance(e.value, KeyError)
        with repo.checkout(write=True) as co:
            with pytest.raises(hangar.NotFound) as e:
                del co["v"][77]
            msg_rm = str(e.value)
            with pytest.raises(hangar.NotFound) as e:
                co.delete_column("nope")
            msg_delcol = str(e.value)
            with pytest.raises(hangar.NotFound):
                co["nope"][0] = np.zeros(2, np.uint8)
    assert msg_rm == c.fails_py("rm", "v", "77")
    assert msg_delcol == c.fails_py("column", "delete", "nope")


def test_already_exists_cases(small_repo, tmp_path):
    c = small_repo.cli
    with hangar.Repository(small_repo.path) as repo:
        repo.create_branch("dev")
        with pytest.raises(hangar.AlreadyExists) as e:
            repo.create_branch("dev")
        assert str(e.value) == c.fails_py("branch", "create", "dev")
        with pytest.raises(hangar.AlreadyExists) as e:
            hangar.init(small_repo.path)
        assert str(e.value) == Cli(tmp_path).fails_py("init", small_repo.path)
        with repo.checkout(write=True) as co:
            with pytest.raises(hangar.AlreadyExists) as e:
                co.create_column("v", dtype=np.uint8, shape=2)
            msg = str(e.value)
    assert msg == c.fails_py("column", "create", "v", "--dtype", "uint8", "--shape", "2")


def test_invalid_argument_cases(small_repo):
    c = small_repo.cli
    a = save_npy(small_repo.path / "a.npy", np.zeros((3,), np.uint8))
    with hangar.Repository(small_repo.path) as repo:
        with pytest.raises(hangar.InvalidArgument) as e:
            repo.resolve("HEAD~x")
        assert str(e.value) == c.fails_py("log", "HEAD~x")
        with pytest.raises(hangar.InvalidArgument) as e:
            repo.create_branch("-bad")
        with repo.checkout(write=True) as co:
            with pytest.raises(hangar.InvalidArgument) as e:
                co["v"][5] = np.zeros((3,), np.uint8)
            msg_shape = str(e.value)
            with pytest.raises(hangar.InvalidArgument) as e:
                co["v"]["../x"] = np.zeros((2,), np.uint8)
            msg_key = str(e.value)
            assert isinstance(e.value, ValueError)
    assert msg_shape == c.fails_py("put", "v", "5", a)
    assert msg_key == c.fails_py("put", "v", "../x", a)


def test_not_local_on_a_partial_clone(partial_clone):
    with hangar.Repository(partial_clone.path) as repo, repo.checkout() as co:
        col = co["images"]
        local = [k for k in col.keys() if col.is_local(k)]
        remote = [k for k in col.keys() if not col.is_local(k)]
        assert local and remote
        k = remote[0]
        with pytest.raises(hangar.NotLocal) as e:
            col[k]
        assert "fetch-data" in str(e.value)
        assert isinstance(e.value, LookupError) and not isinstance(e.value, KeyError)
        assert str(e.value) == partial_clone.cli.fails_py("get", "images", k, "--ref", "HEAD")
        with pytest.raises(hangar.NotLocal):
            col.read(k)
        with pytest.raises(hangar.NotLocal):
            col.read_into(k, np.empty((32, 32, 3), np.uint8))
        with pytest.raises(hangar.NotLocal):
            col.get_batch([local[0], k])
        with pytest.raises(hangar.NotLocal):
            col[k, 0:2]
        assert np.array_equal(col[local[0]], partial_clone.data[local[0]])


@pytest.mark.slow
def test_ambiguous_digest_prefix(repo_dir):
    """Commits until two digests share their first 6 hex digits (about 5,000 commits)."""
    seen: dict[str, str] = {}
    pair = None
    with hangar.Repository(repo_dir) as repo:
        with repo.checkout(write=True) as co:
            col = co.create_column("n", dtype=np.uint32, shape=())
            for i in range(40000):
                col[0] = np.array(i, dtype=np.uint32)
                d = co.commit(str(i))
                if d[:6] in seen:
                    pair = (seen[d[:6]], d)
                    break
                seen[d[:6]] = d
        assert pair is not None
        prefix = pair[0][:6]
        with pytest.raises(hangar.Ambiguous) as e:
            repo.resolve(prefix)
        assert isinstance(e.value, ValueError)
        assert str(e.value) == Cli(repo_dir).fails_py("log", prefix)
        assert repo.resolve(pair[1][:8] if pair[0][:8] != pair[1][:8] else pair[1]) == pair[1]


def test_type_errors(small_repo):
    with hangar.Repository(small_repo.path) as repo:
        with pytest.raises(TypeError):
            repo.checkout(5)
        with pytest.raises(TypeError):
            repo.resolve(None)
        with pytest.raises(TypeError):
            repo.log(n="two")
        with pytest.raises(TypeError):
            repo.create_branch(7)
        with pytest.raises(TypeError):
            repo.merge(None)
        with pytest.raises(TypeError):
            hangar.Repository(3.5)
        with pytest.raises(TypeError):
            hangar.init(object())
        with repo.checkout() as co:
            col = co["v"]
            with pytest.raises(TypeError):
                co[0]  # a column name is a str
            for bad in (1.5, None, b"0", object()):
                with pytest.raises(TypeError):
                    col[bad]
                with pytest.raises(TypeError):
                    col.read(bad)
            with pytest.raises(TypeError):
                col.get_batch(None)
            with pytest.raises(TypeError):
                col.read_into(0, None)
            with pytest.raises(TypeError):
                col.read_into(0, "abc")
        with repo.checkout(write=True) as co:
            with pytest.raises(TypeError):
                co.commit(None)
            for not_an_array in (object(), None):
                with pytest.raises(TypeError):
                    co["v"][0] = not_an_array
            with pytest.raises(TypeError):
                co["v"].update(5)


def test_writing_through_a_read_checkout_is_type_error(small_repo):
    z = np.zeros((2,), np.uint8)
    with hangar.Repository(small_repo.path) as repo, repo.checkout() as co:
        for attempt in (lambda: co["v"].__setitem__(9, z), lambda: co["v"].put(9, z),
                        lambda: co["v"].update({9: z}), lambda: co["v"].__delitem__(1),
                        lambda: co["v"].remove(1)):
            with pytest.raises(TypeError) as e:
                attempt()
            assert not isinstance(e.value, hangar.HangarError)
    assert small_repo.cli.json("status")["staged"] == {}


def test_errors_are_picklable(small_repo):
    import pickle
    with hangar.Repository(small_repo.path) as repo, repo.checkout() as co:
        with pytest.raises(hangar.NotFound) as e:
            co["v"][99]
    again = pickle.loads(pickle.dumps(e.value))
    assert type(again) is hangar.NotFound and str(again) == str(e.value)


def test_conflict_carries_report(small_repo):
    c = small_repo.cli
    c("branch", "create", "t")
    save_npy(small_repo.path / "x.npy", np.array([9, 9], np.uint8))
    save_npy(small_repo.path / "y.npy", np.array([8, 8], np.uint8))
    c("put", "v", 0, "x.npy")
    c("commit", "-m", "ours")
    c("checkout", "t")
    c("put", "v", 0, "y.npy")
    c("commit", "-m", "theirs")
    c("checkout", "main")
    res = c("merge", "t", "--json", check=False)
    assert res.rc == 1
    with hangar.Repository(small_repo.path) as repo:
        with pytest.raises(hangar.Conflict) as e:
            repo.merge("t")
    assert e.value.report == res.json()
    assert e.value.conflicts == [{"column": "v", "key": 0, "kind": "both-modified"}]
    assert e.value.code == "conflict"
    assert "t" in str(e.value) or "conflict" in str(e.value).lower()
