"""Python and the CLI on one repository: what one writes the other reads, byte for byte."""
from __future__ import annotations

import numpy as np
import pytest

import hangar
from conftest import (ALL_DTYPES, CLASS_COLOURS, Cli, init_repo, make_image_folder, npy_bytes,
                      random_array, save_npy)


def test_python_writes_every_dtype_and_the_cli_reads_them(repo_dir, tmp_path):
    rng = np.random.default_rng(5)
    written = {}
    with hangar.Repository(repo_dir) as repo, repo.checkout(write=True) as co:
        for dt in ALL_DTYPES:
            col = co.create_column(f"c_{dt}", dtype=dt, shape=(3,))
            for k in range(3):
                written[(dt, k)] = random_array(rng, dt, (3,))
                col[k] = written[(dt, k)]
        digest = co.commit("all dtypes from python")
    c = Cli(repo_dir)
    assert c.json("log")[0]["digest"] == digest
    for (dt, k), a in written.items():
        assert c.get_npy(f"c_{dt}", k, ref=digest, tmp=tmp_path) == npy_bytes(a), (dt, k)
        if a.dtype.kind in "biu":
            doc = c.json("get", f"c_{dt}", k, "--ref", digest)
            assert doc["values"] == a.tolist() and doc["dtype"] == dt
    assert c("fsck", "--exit-code").rc == 0


def test_cli_export_of_python_writes(repo_dir, tmp_path):
    rng = np.random.default_rng(6)
    imgs = {f"set/{i}": rng.integers(0, 256, (6, 5, 3), dtype=np.uint8) for i in range(4)}
    with hangar.Repository(repo_dir) as repo, repo.checkout(write=True) as co:
        col = co.create_column("img", dtype=np.uint8, shape=(6, 5, 3))
        col.update(imgs)
        co.commit("imgs")
    c = Cli(repo_dir)
    rep = c.json("export", "img", tmp_path / "npy", "--format", "npy")
    assert rep["written"] == 4
    for k, a in imgs.items():
        assert (tmp_path / "npy" / f"{k}.npy").read_bytes() == npy_bytes(a)
    c("export", "img", tmp_path / "png", "--format", "png")
    # the PNGs round-trip: import them into another repository and compare in Python
    other = tmp_path / "other"
    oc = init_repo(other)
    oc("import", "img", tmp_path / "png", "--recursive")
    oc("commit", "-m", "pngs")
    with hangar.Repository(other) as repo, repo.checkout() as co:
        for k, a in imgs.items():
            assert np.array_equal(co["img"][k], a)


def test_png_import_by_cli_read_by_python(tmp_path):
    pixels = make_image_folder(tmp_path / "pngs", CLASS_COLOURS, 3, 6, seed=9)
    c = init_repo(tmp_path / "r")
    rep = c.json("import", "images", tmp_path / "pngs", "--labels", "labels")
    assert rep["files"] == 9
    with hangar.Repository(tmp_path / "r") as repo:
        with repo.checkout(write=True) as co:  # the staged import, before any commit
            assert sorted(co["images"].keys()) == sorted(pixels)
        digest = repo.checkout(write=True).commit("import")
        with repo.checkout() as co:
            assert co.commit == digest
            for k, a in pixels.items():
                assert np.array_equal(co["images"][k], a)
                assert npy_bytes(co["images"][k]) == c.get_npy("images", k, ref="HEAD",
                                                               tmp=tmp_path)
                assert co["labels"][k] == rep["classes"].index(k.split("/")[0])


def test_cli_put_get_png(small_repo, tmp_path):
    # a PNG written by `get -o x.png` and put back into a uint8 image column
    c = small_repo.cli
    img = np.random.default_rng(1).integers(0, 256, (4, 7, 3), dtype=np.uint8)
    with hangar.Repository(small_repo.path) as repo, repo.checkout(write=True) as co:
        co.create_column("img", dtype=np.uint8, shape=(4, 7, 3))
        co["img"]["a"] = img
    c("get", "img", "a", "-o", tmp_path / "a.png")
    c("put", "img", "b", tmp_path / "a.png")
    c("commit", "-m", "png")
    with hangar.Repository(small_repo.path) as repo, repo.checkout() as co:
        assert np.array_equal(co["img"]["b"], img)


def test_staged_python_work_is_committed_by_the_cli(small_repo):
    c = small_repo.cli
    with hangar.Repository(small_repo.path) as repo:
        with repo.checkout(write=True) as co:
            col = co.create_column("w", dtype=np.float64, shape=(2,))
            col["x"] = np.array([0.5, -0.25])
            co["v"][1] = np.array([11, 12], np.uint8)
        st = c.json("status")
        assert st["columns_added"] == ["w"]
        assert st["staged"] == {"v": {"added": 0, "deleted": 0, "mutated": 1},
                                "w": {"added": 1, "deleted": 0, "mutated": 0}}
        digest = c.json("commit", "-m", "by the cli")["commit"]
        assert repo.head == digest
        with repo.checkout() as ro:
            assert ro["w"]["x"].tolist() == [0.5, -0.25]
            assert ro["v"][1].tolist() == [11, 12]


def test_cli_commits_seen_by_python(small_repo):
    c = small_repo.cli
    c("branch", "create", "feature")
    c("checkout", "feature")
    c("put", "v", 20, save_npy(small_repo.path / "a.npy", np.array([1, 1], np.uint8)))
    feat = c.json("commit", "-m", "feature")["commit"]
    with hangar.Repository(small_repo.path) as repo:
        assert repo.current_branch == "feature"
        assert repo.branches["feature"] == feat
        assert repo.log()[0]["message"] == "feature"
        with repo.checkout("feature") as co:
            assert co["v"][20].tolist() == [1, 1]
        with repo.checkout("main") as co:
            assert 20 not in co["v"]


def test_python_branches_and_merges_seen_by_the_cli(small_repo):
    c = small_repo.cli
    with hangar.Repository(small_repo.path) as repo:
        repo.create_branch("py")
    c("checkout", "py")
    with hangar.Repository(small_repo.path) as repo:
        with repo.checkout(write=True) as co:
            assert co.branch == "py"
            co["v"][30] = np.array([3, 0], np.uint8)
            py = co.commit("on py")
    c("checkout", "main")
    with hangar.Repository(small_repo.path) as repo:
        res = repo.merge("py")
    assert res["result"] == "fast-forward" and res["commit"] == py
    assert c.json("log", "-n", "1")[0]["digest"] == py
    assert c.json("get", "v", 30, "--ref", "main")["values"] == [3, 0]
    assert c("fsck", "--exit-code").rc == 0


def test_large_tensor_written_by_python_and_patched_by_the_cli(repo_dir, tmp_path):
    rng = np.random.default_rng(2)
    big = rng.standard_normal((1200, 1200)).astype(np.float32)
    with hangar.Repository(repo_dir) as repo, repo.checkout(write=True) as co:
        co.create_column("big", dtype=np.float32, shape=(1200, 1200))
        co["big"][0] = big
        co.commit("big")
    c = Cli(repo_dir)
    assert c.get_npy("big", 0, ref="HEAD", tmp=tmp_path) == npy_bytes(big)
    patch = np.full((10, 20), 7.5, np.float32)
    c("put", "big", 0, save_npy(tmp_path / "p.npy", patch), "--region", "100,300")
    c("commit", "-m", "patch")
    expected = big.copy()
    expected[100:110, 300:320] = patch
    with hangar.Repository(repo_dir) as repo, repo.checkout() as co:
        assert np.array_equal(co["big"][0], expected)
        assert np.array_equal(co["big"][0, 95:115, 295:325], expected[95:115, 295:325])
        stat = repo.diff("HEAD~1", "HEAD", detail="stat")
        assert stat == c.json("diff", "HEAD~1", "HEAD", "--stat")
        assert stat["columns"]["big"]["stats"][0]["changed"] == np.count_nonzero(
            big[100:110, 300:320] != patch)


@pytest.mark.parametrize("backend", ["lmdb", "hdf5"])
def test_backends_round_trip(repo_dir, backend, tmp_path):
    a = np.arange(64 * 64, dtype=np.float32).reshape(64, 64)
    with hangar.Repository(repo_dir) as repo, repo.checkout(write=True) as co:
        col = co.create_column("m", dtype=np.float32, shape=(64, 64), backend=backend)
        col[0] = a
        col[1] = a * 2
        co.commit(backend)
    c = Cli(repo_dir)
    assert c.json("column", "info", "m", "--ref", "HEAD")["backend"] == backend
    assert c.get_npy("m", 1, ref="HEAD", tmp=tmp_path) == npy_bytes(a * 2)
    with hangar.Repository(repo_dir) as repo, repo.checkout() as co:
        assert np.array_equal(co["m"][1], a * 2)
