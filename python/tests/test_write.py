"""Write checkouts: columns, puts/removes/updates, commit/reset, the lock and its release."""
from __future__ import annotations

import textwrap

import numpy as np
import pytest

import hangar
from conftest import ALL_DTYPES, Cli, npy_bytes, random_array, run_python, save_npy


def open_write(path):
    repo = hangar.Repository(path)
    return repo, repo.checkout(write=True)


def test_write_checkout_basics(small_repo):
    with hangar.Repository(small_repo.path) as repo:
        with repo.checkout(write=True) as co:
            assert isinstance(co, hangar.WriteCheckout)
            assert isinstance(co, hangar.Checkout)
            assert co.branch == "main"
            assert callable(co.commit)  # WriteCheckout.commit(message) replaces the property
            col = co["v"]
            assert col.writable is True
            assert np.array_equal(col[3], small_repo.values[3])
            col[7] = np.array([7, 8], dtype=np.uint8)
            # the staging area is what a write checkout reads
            assert np.array_equal(col[7], [7, 8]) and 7 in col and len(col) == 6
            assert co.status() == small_repo.cli.json("status")
            assert co.status()["staged"] == {"v": {"added": 1, "deleted": 0, "mutated": 0}}
            digest = co.commit("seven")
            assert len(digest) == 64
            assert repo.head == digest
            assert small_repo.cli.json("log")[0]["digest"] == digest
            assert small_repo.cli.json("log")[0]["message"] == "seven"
            assert co.status()["staged"] == {}
    assert small_repo.cli.get_array("v", 7, ref="HEAD").tolist() == [7, 8]


def test_write_on_an_unborn_branch_and_commit(repo_dir):
    with hangar.Repository(repo_dir) as repo:
        with repo.checkout(write=True) as co:
            assert repo.head is None
            assert len(co) == 0
            col = co.create_column("img", dtype=np.uint8, shape=(4, 4, 3))
            assert isinstance(col, hangar.Column)
            assert "img" in co and co["img"].shape == (4, 4, 3)
            col[0] = np.full((4, 4, 3), 3, dtype=np.uint8)
            first = co.commit("first")
        assert repo.head == first
        assert repo.log()[0]["parents"] == []
    entry = Cli(repo_dir).json("log")[0]
    assert entry["digest"] == first and entry["author"] == "Tester"


@pytest.mark.parametrize("dtype", ALL_DTYPES)
def test_writes_of_every_dtype_read_back_by_cli(repo_dir, dtype, tmp_path):
    rng = np.random.default_rng(99)
    arrays = {0: random_array(rng, dtype, (2, 5)), "x/y": random_array(rng, dtype, (2, 5))}
    scalar = random_array(rng, dtype, ())
    with hangar.Repository(repo_dir) as repo, repo.checkout(write=True) as co:
        col = co.create_column("a", dtype=dtype, shape=(2, 5))
        for k, a in arrays.items():
            col[k] = a
        co.create_column("s", dtype=np.dtype(dtype), shape=())
        co["s"][1] = scalar
        co.commit("dtype " + dtype)
    c = Cli(repo_dir)
    for k, a in arrays.items():
        assert c.get_npy("a", k, ref="HEAD", tmp=tmp_path) == npy_bytes(a)
    assert c.get_npy("s", 1, ref="HEAD", tmp=tmp_path) == npy_bytes(scalar)
    info = c.json("column", "info", "a", "--ref", "HEAD")
    assert (info["dtype"], info["shape"], info["count"]) == (dtype, [2, 5], 2)


def test_create_column_options_as_the_cli_sees_them(repo_dir):
    with hangar.Repository(repo_dir) as repo, repo.checkout(write=True) as co:
        co.create_column("f", dtype="float16", shape=[3, 4], variable_shape=True,
                         backend="lmdb", compression_level=5)
        co.create_column("p", prototype=np.zeros((2, 7), dtype=np.int32))
        co.create_column("q", shape=6, dtype=np.uint16)
        co.create_column("h", dtype=np.float32, shape=(64, 64), backend="hdf5")
        co.create_column("n", dtype=np.int8, shape=(2,), nested=True)
        col = co.add_ndarray_column("hp", shape=(3,), dtype=np.float64)
        assert col.name == "hp" and col.dtype == np.float64 and col.shape == (3,)
        co.add_ndarray_column("hp2", prototype=np.zeros((5,), np.uint8), variable_shape=True)
        assert co["p"].dtype == np.int32 and co["p"].shape == (2, 7)
        assert co["q"].shape == (6,)
        assert co["n"].nested is True
        assert co["f"].variable_shape is True
    c = Cli(repo_dir)
    info = {i["name"]: i for i in c.json("column", "list")}
    assert {k: info["f"][k] for k in ("dtype", "shape", "variable_shape", "layout", "backend",
                                      "compression_level")} == {
        "dtype": "float16", "shape": [3, 4], "variable_shape": True, "layout": "flat",
        "backend": "lmdb", "compression_level": 5}
    assert (info["p"]["dtype"], info["p"]["shape"]) == ("int32", [2, 7])
    assert (info["q"]["dtype"], info["q"]["shape"]) == ("uint16", [6])
    assert info["h"]["backend"] == "hdf5"
    assert info["n"]["layout"] == "nested"
    assert (info["hp"]["dtype"], info["hp"]["shape"]) == ("float64", [3])
    assert info["hp2"]["variable_shape"] is True and info["hp2"]["dtype"] == "uint8"
    assert sorted(c.json("status")["columns_added"]) == sorted(["f", "p", "q", "h", "n", "hp",
                                                                 "hp2"])


def test_create_column_errors(small_repo):
    c = small_repo.cli
    with hangar.Repository(small_repo.path) as repo, repo.checkout(write=True) as co:
        with pytest.raises(hangar.AlreadyExists) as e:
            co.create_column("v", dtype=np.uint8, shape=(2,))
        # the CLI says the same (it cannot take the lock while we hold it, so ask after)
        msg_py = str(e.value)
        with pytest.raises(hangar.InvalidArgument):
            co.create_column("bad name!", dtype=np.uint8, shape=(2,))
        with pytest.raises((TypeError, ValueError)):
            co.create_column("c64", dtype=np.complex64, shape=(2,))
        with pytest.raises((TypeError, ValueError)):
            co.create_column("obj", dtype=object, shape=(2,))
        with pytest.raises((TypeError, ValueError)):
            co.create_column("nothing")  # neither dtype/shape nor prototype
        with pytest.raises((TypeError, ValueError, OverflowError)):
            co.create_column("neg", dtype=np.uint8, shape=(-1,))
        with pytest.raises(TypeError):
            co.create_column(5, dtype=np.uint8, shape=(2,))
        with pytest.raises((TypeError, ValueError)):
            co.create_column("bk", dtype=np.uint8, shape=(2,), backend="tape")
    assert msg_py == c.fails_py("column", "create", "v", "--dtype", "uint8", "--shape", "2")
    assert c.json("status")["columns_added"] == []


def test_delete_column(small_repo):
    with hangar.Repository(small_repo.path) as repo, repo.checkout(write=True) as co:
        co.delete_column("v")
        assert "v" not in co
        with pytest.raises(hangar.NotFound):
            co.delete_column("v")
        with pytest.raises(hangar.NotFound):
            co["v"]
        co.commit("drop v")
    assert Cli(small_repo.path).json("column", "list", "--ref", "HEAD") == []


def test_put_update_remove_delitem(small_repo, tmp_path):
    c = small_repo.cli
    with hangar.Repository(small_repo.path) as repo, repo.checkout(write=True) as co:
        col = co["v"]
        col.put(10, np.array([10, 11], dtype=np.uint8))
        col.update({11: np.array([1, 1], dtype=np.uint8), "s/1": np.array([2, 2], np.uint8)})
        col.update([(12, np.array([3, 3], np.uint8)), (13, np.array([4, 4], np.uint8))])
        col[0] = np.array([200, 201], dtype=np.uint8)  # mutate
        del col[1]
        col.remove(2)
        assert 1 not in col and 2 not in col
        with pytest.raises(hangar.NotFound) as e:
            del col[1]
        with pytest.raises(hangar.NotFound):
            col.remove(999)
        st = co.status()
        assert st["staged"]["v"] == {"added": 5, "deleted": 2, "mutated": 1}
        assert col.keys() == [0, 3, 4, 10, 11, 12, 13, "s/1"]
    # staged work stays staged after close; the CLI sees and commits it
    assert c.json("status")["staged"]["v"] == {"added": 5, "deleted": 2, "mutated": 1}
    assert c.json("diff")["columns"]["v"] == {"counts": {"added": 5, "deleted": 2, "mutated": 1},
                                              "added": [10, 11, 12, 13, "s/1"],
                                              "deleted": [1, 2], "mutated": [0]}
    assert c.get_array("v", "s/1").tolist() == [2, 2]
    c("commit", "-m", "from python")
    assert c.get_array("v", 0, ref="HEAD").tolist() == [200, 201]
    assert "no sample" in c.fails("get", "v", 1, "--ref", "HEAD")
    assert str(e.value) == c.fails_py("rm", "v", "1")


def test_update_is_all_or_nothing(small_repo):
    with hangar.Repository(small_repo.path) as repo, repo.checkout(write=True) as co:
        col = co["v"]
        with pytest.raises(hangar.InvalidArgument):
            col.update({20: np.array([1, 1], np.uint8), 21: np.array([1, 1, 1], np.uint8)})
        assert 20 not in col and 21 not in col
        assert co.status()["staged"] == {}


def test_non_contiguous_and_other_array_likes_are_written_by_value(repo_dir):
    base = np.arange(48, dtype=np.float32).reshape(6, 8)
    with hangar.Repository(repo_dir) as repo, repo.checkout(write=True) as co:
        col = co.create_column("m", dtype=np.float32, shape=(3, 4))
        col[0] = base[::2, ::2]  # strided view
        col[1] = np.asfortranarray(base[:3, :4])  # Fortran order
        assert np.array_equal(col[0], base[::2, ::2])
        assert np.array_equal(col[1], base[:3, :4])
        co.commit("layouts")
    c = Cli(repo_dir)
    assert np.array_equal(c.get_array("m", 0, ref="HEAD"), base[::2, ::2])
    assert np.array_equal(c.get_array("m", 1, ref="HEAD"), base[:3, :4])


def test_torch_tensors_can_be_written(repo_dir):
    import torch
    t = torch.arange(6, dtype=torch.float32).reshape(2, 3)
    with hangar.Repository(repo_dir) as repo, repo.checkout(write=True) as co:
        col = co.create_column("t", dtype=np.float32, shape=(2, 3))
        col[0] = t.numpy()
        col[1] = t  # via the array protocol
        assert np.array_equal(col[1], t.numpy())


def test_variable_shape_writes(repo_dir, tmp_path):
    with hangar.Repository(repo_dir) as repo, repo.checkout(write=True) as co:
        col = co.create_column("vs", dtype=np.int32, shape=(4, 4), variable_shape=True)
        col[0] = np.ones((2, 3), np.int32)
        col[1] = np.ones((4, 4), np.int32) * 2
        col[2] = np.ones((1, 4), np.int32) * 3
        with pytest.raises(hangar.InvalidArgument):
            col[3] = np.ones((5, 1), np.int32)  # over the maximum
        with pytest.raises(hangar.InvalidArgument):
            col[3] = np.ones((2,), np.int32)  # other rank
        co.commit("vs")
    c = Cli(repo_dir)
    assert c.get_npy("vs", 0, ref="HEAD", tmp=tmp_path) == npy_bytes(np.ones((2, 3), np.int32))
    assert c.get_array("vs", 2, ref="HEAD").shape == (1, 4)


@pytest.mark.parametrize("value", [
    np.zeros((2,), np.float32),     # wrong dtype
    np.zeros((2,), np.int8),        # wrong dtype, same size
    np.zeros((3,), np.uint8),       # wrong shape
    np.zeros((1, 2), np.uint8),     # wrong rank
    np.zeros((), np.uint8),         # 0-d
], ids=["float32", "int8", "shape3", "rank2", "scalar"])
def test_wrong_dtype_or_shape_is_invalid_argument(small_repo, value):
    with hangar.Repository(small_repo.path) as repo, repo.checkout(write=True) as co:
        with pytest.raises(hangar.InvalidArgument) as e:
            co["v"][9] = value
        assert isinstance(e.value, ValueError)
        with pytest.raises(hangar.InvalidArgument):
            co["v"].put(9, value)
        assert 9 not in co["v"]
        assert co.status()["staged"] == {}


def test_wrong_dtype_message_matches_cli(small_repo):
    f = save_npy(small_repo.path / "f.npy", np.zeros((2,), np.float32))
    msg = small_repo.cli.fails("put", "v", 9, f)
    with hangar.Repository(small_repo.path) as repo, repo.checkout(write=True) as co:
        with pytest.raises(hangar.InvalidArgument) as e:
            co["v"][9] = np.zeros((2,), np.float32)
    assert str(e.value) == msg


@pytest.mark.parametrize("key", ["../x", "a/../b", "./a", "a//b", "", "a\\b", "x" * 256,
                                 "tab\there", "/abs"])
def test_bad_string_keys_are_invalid_argument(small_repo, key):
    f = save_npy(small_repo.path / "a.npy", np.zeros((2,), np.uint8))
    with hangar.Repository(small_repo.path) as repo, repo.checkout(write=True) as co:
        with pytest.raises(hangar.InvalidArgument) as e:
            co["v"][key] = np.zeros((2,), np.uint8)
        if key:  # the CLI's argument parser refuses "" before hangar sees it
            assert str(e.value) == small_repo.cli.fails_py("put", "v", key, f)
        assert co.status()["staged"] == {}


def test_negative_int_keys_are_invalid_argument(small_repo):
    with hangar.Repository(small_repo.path) as repo:
        with repo.checkout(write=True) as co:
            with pytest.raises(hangar.InvalidArgument):
                co["v"][-1] = np.zeros((2,), np.uint8)
            with pytest.raises(hangar.InvalidArgument):
                co["v"].put(-5, np.zeros((2,), np.uint8))
            with pytest.raises(hangar.InvalidArgument):
                co["v"][-1]
            assert co.status()["staged"] == {}
        with repo.checkout() as ro:
            with pytest.raises(hangar.InvalidArgument):
                ro["v"][-1]
            with pytest.raises(hangar.InvalidArgument):
                ro["v"].get_batch([0, -1])


def test_key_types(small_repo):
    with hangar.Repository(small_repo.path) as repo, repo.checkout(write=True) as co:
        col = co["v"]
        col[2**64 - 1] = np.ones((2,), np.uint8)  # the largest key
        assert np.array_equal(col[2**64 - 1], [1, 1])
        with pytest.raises((hangar.InvalidArgument, OverflowError, TypeError)):
            col[2**64] = np.ones((2,), np.uint8)
        for bad in (1.5, None, b"bytes", (1, 2), [1]):
            with pytest.raises(TypeError):
                col.put(bad, np.zeros((2,), np.uint8))
        with pytest.raises(TypeError):
            col[1.5]
        with pytest.raises(TypeError):
            col[None]
        with pytest.raises(TypeError):
            col.get_batch([0, 1.5])
        with pytest.raises(TypeError):
            col.get_batch(5)


def test_numpy_integer_keys(small_repo):
    # not spelled out by the contract (Key = int | str), but indices from numpy arrays are what
    # training code has in hand: np.int64 should act as the int key
    with hangar.Repository(small_repo.path) as repo, repo.checkout(write=True) as co:
        col = co["v"]
        col[np.int64(20)] = np.zeros((2,), np.uint8)
        assert 20 in col and col.keys()[-1] == 20
        assert np.array_equal(col[np.uint32(3)], small_repo.values[3])


def test_nested_column(repo_dir, tmp_path):
    with hangar.Repository(repo_dir) as repo, repo.checkout(write=True) as co:
        col = co.create_column("n", dtype=np.uint8, shape=(3,), nested=True)
        assert col.nested is True
        col.put("clip1", np.array([1, 2, 3], np.uint8), subkey=0)
        col.put("clip1", np.array([4, 5, 6], np.uint8), subkey=1)
        col.put("clip1", np.array([7, 8, 9], np.uint8), subkey="x")
        col.put(5, np.array([0, 0, 1], np.uint8), subkey=2)
        assert col.subkeys("clip1") == [0, 1, "x"]
        assert col.subkeys(5) == [2]
        assert np.array_equal(col.read("clip1", 1), [4, 5, 6])
        assert np.array_equal(col.read("clip1", subkey="x"), [7, 8, 9])
        with pytest.raises(hangar.InvalidArgument):
            col.put("clip1", np.zeros(3, np.uint8))  # a nested column needs a subkey
        with pytest.raises(hangar.NotFound):
            col.read("clip1", 7)
        col.remove("clip1", 0)
        assert col.subkeys("clip1") == [1, "x"]
        out = np.zeros(3, np.uint8)
        col.read_into("clip1", out, subkey="x")
        assert out.tolist() == [7, 8, 9]
        assert col.is_local("clip1", 1)
        co.commit("nested")
        # a flat column refuses a subkey
        flat = co.create_column("flat", dtype=np.uint8, shape=(1,))
        with pytest.raises(hangar.InvalidArgument):
            flat.put(0, np.zeros(1, np.uint8), subkey=1)
    c = Cli(repo_dir)
    assert c.get_array("n", "clip1", subkey="x", ref="HEAD").tolist() == [7, 8, 9]
    assert c.get_array("n", 5, subkey=2, ref="HEAD").tolist() == [0, 0, 1]
    assert "no sample" in c.fails("get", "n", "clip1", "--subkey", "0", "--ref", "HEAD")


def test_reset_drops_staged_work(small_repo):
    with hangar.Repository(small_repo.path) as repo, repo.checkout(write=True) as co:
        co["v"][50] = np.zeros((2,), np.uint8)
        co.create_column("w", dtype=np.uint8, shape=(1,))
        del co["v"][0]
        co.reset()
        assert 50 not in co["v"] and 0 in co["v"] and "w" not in co
        assert co.status() == small_repo.cli.json("status")
        assert co.status()["staged"] == {} and co.status()["columns_added"] == []


def test_nothing_to_commit_is_invalid_argument_like_the_cli(small_repo):
    msg = small_repo.cli.fails("commit", "-m", "empty")
    with hangar.Repository(small_repo.path) as repo, repo.checkout(write=True) as co:
        with pytest.raises(hangar.InvalidArgument) as e:
            co.commit("empty")
        assert repo.head == small_repo.commit
    # The CLI's message; what to do is said with this API's calls.
    cli_hint = "; stage changes with 'hangar put', 'hangar import' or 'hangar rm'"
    assert msg.endswith(cli_hint)
    assert str(e.value) == msg.removesuffix(cli_hint) + (
        "; stage changes with Column.put(), Column.update() or Column.remove()")
    assert e.value.hint == {"action": "stage"}


def test_write_checkout_of_the_current_branch_by_name(small_repo):
    small_repo.cli("branch", "create", "dev")
    with hangar.Repository(small_repo.path) as repo:
        with repo.checkout("main", write=True) as co:
            assert co.branch == "main"
            co["v"][70] = np.zeros((2,), np.uint8)
    assert small_repo.cli.json("status")["staged"]["v"]["added"] == 1


def test_write_checkout_of_another_branch_switches_like_cli_checkout(small_repo):
    """checkout(BRANCH, write=True) is `hangar checkout BRANCH` + the staging area: refused
    with staged work (what to do in this API's calls) or for a name that is no branch, with the
    CLI's words."""
    c = small_repo.cli
    c("branch", "create", "dev")
    with hangar.Repository(small_repo.path) as repo:
        with repo.checkout(write=True) as co:
            co["v"][9] = np.zeros(2, np.uint8)
        with pytest.raises(hangar.InvalidArgument) as e:
            repo.checkout("dev", write=True)
        cli_hint = "; commit them or run 'hangar reset'"
        assert str(e.value) == c.fails_py("checkout", "dev").removesuffix(cli_hint) + (
            "; commit them with WriteCheckout.commit() or drop them with WriteCheckout.reset()")
        assert e.value.hint == {"action": "commit_or_reset"}
        assert repo.current_branch == "main"
        c("reset")
        with pytest.raises(hangar.NotFound) as e:
            repo.checkout("nope", write=True)
        assert str(e.value) == c.fails_py("checkout", "nope")
        with pytest.raises(hangar.NotFound):
            repo.checkout(small_repo.commit, write=True)  # a commit is not a branch
        # The CLI's checkout of a commit detaches HEAD there (read-only); back to main.
        assert c.json("checkout", small_repo.commit)["detached"] is True
        c("checkout", "main")
        with repo.checkout("dev", write=True) as co:
            assert co.branch == "dev" == repo.current_branch
            co["v"][7] = np.full(2, 7, np.uint8)
            dev = co.commit("on dev")
    assert c.json("status")["branch"] == "dev"
    assert {b["name"]: b["commit"] for b in c.json("branch", "list")} == {
        "dev": dev, "main": small_repo.commit}


def test_write_checkout_commit_moves_only_its_branch(small_repo):
    c = small_repo.cli
    c("branch", "create", "dev")
    c("checkout", "dev")
    with hangar.Repository(small_repo.path) as repo, repo.checkout(write=True) as co:
        assert co.branch == "dev"
        co["v"][8] = np.full((2,), 8, np.uint8)
        d = co.commit("on dev")
        assert repo.branches == {"dev": d, "main": small_repo.commit}


def test_read_checkout_columns_refuse_writes_with_type_error(small_repo):
    with hangar.Repository(small_repo.path) as repo, repo.checkout() as co:
        col = co["v"]
        assert col.writable is False
        z = np.zeros((2,), np.uint8)
        with pytest.raises(TypeError):
            col[9] = z
        with pytest.raises(TypeError):
            col.put(9, z)
        with pytest.raises(TypeError):
            col.update({9: z})
        with pytest.raises(TypeError):
            del col[0]
        with pytest.raises(TypeError):
            col.remove(0)
    assert small_repo.cli.json("status")["staged"] == {}
    # and a read checkout takes no lock: the CLI writes meanwhile
    with hangar.Repository(small_repo.path) as repo, repo.checkout() as co:
        small_repo.cli("put", "v", 9, save_npy(small_repo.path / "z.npy", z))
        assert 9 not in co["v"]


def test_a_write_checkout_holds_the_lock(small_repo):
    c = small_repo.cli
    f = save_npy(small_repo.path / "z.npy", np.zeros((2,), np.uint8))
    repo, co = open_write(small_repo.path)
    try:
        assert "locked" in c.fails("put", "v", 9, f)
        assert "locked" in c.fails("branch", "create", "x")
        assert c.json("status")["branch"] == "main"  # readers work
        with pytest.raises(hangar.Locked) as e:
            repo.checkout(write=True)
        assert isinstance(e.value, BlockingIOError)
        with pytest.raises(hangar.Locked):
            hangar.Repository(small_repo.path).checkout(write=True)
    finally:
        co.close()
    c("put", "v", 9, f)
    with hangar.Repository(small_repo.path) as r2:
        assert r2.create_branch("x") == small_repo.commit


def test_the_lock_is_released_by_an_exception_in_the_with_block(small_repo):
    c = small_repo.cli
    f = save_npy(small_repo.path / "z.npy", np.zeros((2,), np.uint8))
    with hangar.Repository(small_repo.path) as repo:
        with pytest.raises(RuntimeError, match="boom"):
            with repo.checkout(write=True) as co:
                co["v"][30] = np.ones((2,), np.uint8)
                raise RuntimeError("boom")
        c("put", "v", 31, f)  # the lock is free
        # the work staged before the exception stays staged, as with the CLI
        assert c.json("status")["staged"]["v"]["added"] == 2
        with repo.checkout(write=True) as co:
            assert 30 in co["v"] and 31 in co["v"]


FORGOTTEN_CHECKOUT = textwrap.dedent("""
    import gc, sys
    import numpy as np
    import hangar

    def leave_it_open():
        repo = hangar.Repository(sys.argv[1])
        co = repo.checkout(write=True)
        co["v"][40] = np.ones((2,), np.uint8)
        raise KeyError("forgot to close")

    try:
        leave_it_open()
    except KeyError:
        pass
    gc.collect()  # the traceback held the frame; once it is gone the checkout is freed
    print("ready", flush=True)
    sys.stdin.readline()  # alive (with hangar loaded) while the parent runs the CLI
""")


def test_the_lock_is_released_when_the_checkout_is_garbage_collected(small_repo):
    """Not closed, not in a with block: a write checkout that is garbage gives the lock back
    (in a child process, so that garbage of other tests does not count)."""
    import subprocess
    import sys
    f = save_npy(small_repo.path / "z.npy", np.zeros((2,), np.uint8))
    p = subprocess.Popen([sys.executable, "-c", FORGOTTEN_CHECKOUT, str(small_repo.path)],
                         stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         text=True)
    try:
        assert p.stdout.readline().strip() == "ready", p.stderr.read()
        small_repo.cli("put", "v", 41, f)
    finally:
        p.communicate("\n", timeout=60)
    assert small_repo.cli.json("diff")["columns"]["v"]["added"] == [40, 41]


WRITE_AFTER_CLOSE = textwrap.dedent("""
    import sys
    import numpy as np
    import hangar
    repo = hangar.Repository(sys.argv[1])
    co = repo.checkout(write=True)
    col = co["v"]
    co.close()
    try:
        col[60] = np.zeros((2,), np.uint8)
    except Exception as e:
        assert not isinstance(e, hangar.Internal), e
        print("refused", type(e).__name__)
    else:
        print("written")
""")


def test_writes_after_close_are_refused(small_repo):
    """A closed write checkout has given up the lock: writing through it must not stage
    anything (run in a child: a use-after-close must not crash the test run)."""
    p = run_python(WRITE_AFTER_CLOSE, small_repo.path)
    assert p.returncode == 0, p.stderr[-2000:]
    assert p.stdout.startswith("refused"), p.stdout
    small_repo.cli("put", "v", 61, save_npy(small_repo.path / "z.npy", np.zeros((2,), np.uint8)))
    assert small_repo.cli.json("diff")["columns"]["v"]["added"] == [61]
