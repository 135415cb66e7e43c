"""Read checkouts and columns: every dtype against `hangar get -o x.npy`, 0-d and variable-shape
samples, chunked tensors and slices, the mapping protocol, read_into and get_batch."""
from __future__ import annotations

import textwrap

import numpy as np
import pytest
import torch

import hangar
from conftest import ALL_DTYPES, npy_bytes, run_python


@pytest.fixture(scope="module")
def dtype_co(dtype_repo):
    repo = hangar.Repository(dtype_repo.path)
    co = repo.checkout()
    yield co
    co.close()
    repo.close()


@pytest.fixture(scope="module")
def large_co(large_repo):
    repo = hangar.Repository(large_repo.path)
    co = repo.checkout(large_repo.commit)
    yield co
    co.close()
    repo.close()


# ---------------------------------------------------------------------------------------------
# the checkout
# ---------------------------------------------------------------------------------------------

def test_checkout_is_a_mapping_of_columns(dtype_repo, dtype_co):
    names = [c["name"] for c in dtype_repo.cli.json("column", "list", "--ref", "HEAD")]
    assert dtype_co.commit == dtype_repo.commit
    assert list(dtype_co) == names
    assert len(dtype_co) == len(names)
    assert set(dtype_co.columns) == set(names)
    assert "a_int8" in dtype_co and "nope" not in dtype_co
    assert 5 not in dtype_co
    col = dtype_co["a_int8"]
    assert isinstance(col, hangar.Column)
    assert col.name == "a_int8"
    assert dtype_co.columns["a_int8"].name == "a_int8"


def test_checkout_of_refs(small_repo):
    c = small_repo.cli
    c("branch", "create", "old")
    np.save(small_repo.path / "x.npy", np.array([9, 9], dtype=np.uint8))
    c("put", "v", 9, "x.npy")
    second = c.json("commit", "-m", "second")["commit"]
    with hangar.Repository(small_repo.path) as repo:
        assert repo.checkout().commit == second
        assert repo.checkout("HEAD").commit == second
        assert repo.checkout("old").commit == small_repo.commit
        assert repo.checkout("HEAD~1").commit == small_repo.commit
        assert repo.checkout(second[:7]).commit == second
        with repo.checkout("old") as co:
            assert 9 not in co["v"]
        with pytest.raises(hangar.NotFound) as e:
            repo.checkout("nope")
        assert str(e.value) == c.fails_py("log", "nope")


def test_missing_column_is_not_found_with_cli_message(dtype_repo, dtype_co):
    with pytest.raises(hangar.NotFound) as e:
        dtype_co["nope"]
    assert isinstance(e.value, KeyError)
    assert str(e.value) == dtype_repo.cli.fails_py("get", "nope", "k0", "--ref", dtype_repo.commit)


def test_missing_key_is_not_found_with_cli_message(dtype_repo, dtype_co):
    col = dtype_co["named"]
    with pytest.raises(hangar.NotFound) as e:
        col["zz/top"]
    assert str(e.value) == dtype_repo.cli.fails_py("get", "named", "zz/top", "--ref",
                                                dtype_repo.commit)
    with pytest.raises(KeyError):
        col[12345]
    with pytest.raises(hangar.NotFound) as e:
        col.read(12345)
    assert str(e.value) == dtype_repo.cli.fails_py("get", "named", "12345", "--ref",
                                                dtype_repo.commit)


# ---------------------------------------------------------------------------------------------
# every dtype, byte for byte against the CLI
# ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("dtype", ALL_DTYPES)
def test_every_dtype_reads_equal_cli_get_bytes(dtype_repo, dtype_co, dtype, tmp_path):
    for prefix, shape in (("a", (3, 4)), ("s", ())):
        name = f"{prefix}_{dtype}"
        col = dtype_co[name]
        assert col.dtype == np.dtype(dtype)
        assert col.shape == shape
        assert col.variable_shape is False and col.nested is False
        for key, expected in dtype_repo.data[name].items():
            a = col[key]
            assert isinstance(a, np.ndarray)
            assert a.dtype == np.dtype(dtype) and a.shape == shape
            cli_bytes = dtype_repo.cli.get_npy(name, key, ref="HEAD", tmp=tmp_path)
            assert npy_bytes(a) == cli_bytes, f"{name}[{key}]"
            assert a.tobytes() == expected.tobytes()
            assert col.read(key).tobytes() == expected.tobytes()


@pytest.mark.parametrize("dtype", ALL_DTYPES)
def test_get_batch_every_dtype(dtype_repo, dtype_co, dtype):
    for prefix in ("a", "s"):
        name = f"{prefix}_{dtype}"
        data = dtype_repo.data[name]
        keys = ["k2", "k0", "k1", "k0"]
        batch = dtype_co[name].get_batch(keys)
        assert isinstance(batch, np.ndarray)
        expected = np.stack([data[k] for k in keys])
        assert batch.dtype == expected.dtype and batch.shape == expected.shape
        assert batch.tobytes() == expected.tobytes()


def test_returned_arrays_are_writable_copies(dtype_repo, dtype_co):
    col = dtype_co["a_float32"]
    a = col["k0"]
    a[...] = 0  # a private array: changing it does not change the next read
    assert col["k0"].tobytes() == dtype_repo.data["a_float32"]["k0"].tobytes()


def test_variable_shape_column(dtype_repo, dtype_co, tmp_path):
    col = dtype_co["var"]
    assert col.variable_shape is True
    assert col.shape == (5, 6)
    assert col.dtype == np.float32
    data = dtype_repo.data["var"]
    for key, expected in data.items():
        a = col[key]
        assert a.shape == expected.shape
        assert npy_bytes(a) == dtype_repo.cli.get_npy("var", key, ref="HEAD", tmp=tmp_path)
    batch = col.get_batch([3, 0, 1])
    assert isinstance(batch, list)
    assert [b.shape for b in batch] == [(4, 6), (1, 1), (5, 6)]
    for b, k in zip(batch, [3, 0, 1]):
        assert np.array_equal(b, data[k])


def test_string_and_int_keys_in_key_order(dtype_repo, dtype_co, tmp_path):
    col = dtype_co["named"]
    data = dtype_repo.data["named"]
    # integers first (numeric order), then strings (byte order) -- as the CLI lists them
    assert col.keys() == [3, "17x", "a/x", "a/y", "b"]
    assert list(col) == col.keys()
    assert len(col) == 5
    for k in col.keys():
        assert npy_bytes(col[k]) == dtype_repo.cli.get_npy("named", k, ref="HEAD", tmp=tmp_path)
        assert np.array_equal(col[k], data[k])
    assert "a/x" in col and 3 in col
    assert "3" not in col and "a" not in col and 4 not in col


def test_mapping_protocol(dtype_repo, dtype_co):
    col = dtype_co["a_int32"]
    data = dtype_repo.data["a_int32"]
    assert col.keys() == ["k0", "k1", "k2"]
    vals = list(col.values())
    assert len(vals) == 3 and all(np.array_equal(v, data[k]) for v, k in zip(vals, col.keys()))
    items = list(col.items())
    assert [k for k, _ in items] == ["k0", "k1", "k2"]
    assert all(np.array_equal(v, data[k]) for k, v in items)
    assert np.array_equal(col.get("k1"), data["k1"])
    assert col.get("missing") is None
    assert col.get("missing", 42) == 42
    assert col.writable is False


def test_column_sizes_equal_cli_summary(dtype_repo, dtype_co):
    summary = {c["name"]: c for c in dtype_repo.cli.json("summary", "HEAD")["columns"]}
    for name in dtype_co:
        col = dtype_co[name]
        assert len(col) == summary[name]["count"], name
        assert col.nbytes == summary[name]["nbytes"], name
    assert dtype_co["a_float64"].nbytes == 3 * 3 * 4 * 8


def test_column_attributes_of_a_labels_column(image_repo):
    with hangar.Repository(image_repo.path) as repo, repo.checkout() as co:
        assert co["labels"].attributes == {"classes": "\n".join(image_repo.classes)}
        assert co["images"].attributes == {}
        assert co["labels"].dtype == np.int64 and co["labels"].shape == ()
        for key in image_repo.keys[::5]:
            assert co["labels"][key] == image_repo.label_of(key)
            assert co["labels"][key].shape == ()
            assert np.array_equal(co["images"][key], image_repo.pixels[key])


# ---------------------------------------------------------------------------------------------
# large (chunked) tensors and slices
# ---------------------------------------------------------------------------------------------

def test_large_chunked_tensor_equals_cli(large_repo, large_co, tmp_path):
    col = large_co["big"]
    a = col[0]
    assert a.shape == (1200, 1200) and a.dtype == np.float32
    assert np.array_equal(a, large_repo.big)
    assert npy_bytes(a) == large_repo.cli.get_npy("big", 0, ref="HEAD", tmp=tmp_path)
    assert np.array_equal(large_co["cube"][0], large_repo.cube)


BIG_SLICES = [
    (slice(0, 10), slice(None)),
    (slice(0, 10), 5),
    (17,),
    (17, slice(None)),
    (slice(100, 900, 7), slice(3, 1100, 50)),
    (slice(-5, None),),
    (slice(None), -1),
    (slice(None, None, -3), slice(1199, 1000, -1)),
    (Ellipsis, 0),
    (5, 7),
    (slice(1190, 5000),),  # clipped like numpy
]

CUBE_SLICES = [
    (slice(0, 10), slice(None), 5),
    (Ellipsis, 49),
    (slice(150, 160), slice(None, None, 40), slice(10, 20)),
    (3, 4, slice(None)),
    (-1, -1, -1),
]


@pytest.mark.parametrize("index", BIG_SLICES + [("cube",) + s for s in CUBE_SLICES],
                         ids=lambda s: repr(s))
def test_slices_match_numpy(large_repo, large_co, index):
    if index and index[0] == "cube":
        name, full, index = "cube", large_repo.cube, index[1:]
    else:
        name, full = "big", large_repo.big
    col = large_co[name]
    expected = full[index]
    got = col[(0, *index)]
    assert isinstance(got, np.ndarray)
    assert got.shape == expected.shape and got.dtype == expected.dtype
    assert np.array_equal(got, expected)
    assert np.array_equal(col.read_slice(0, index), expected)


def test_slice_syntax_in_brackets(large_repo, large_co, tmp_path):
    col = large_co["cube"]
    expected = large_repo.cube[0:10, :, 5]
    got = col[0, 0:10, :, 5]
    assert np.array_equal(got, expected)
    cli_bytes = large_repo.cli.get_npy("cube", 0, ref="HEAD", slice_="0:10,:,5", tmp=tmp_path)
    assert npy_bytes(np.ascontiguousarray(got)) == cli_bytes
    assert np.array_equal(large_co["big"][0, 0:10, :], large_repo.big[0:10, :])


def test_slice_errors(large_co):
    col = large_co["big"]
    with pytest.raises(hangar.InvalidArgument):
        col[0, 5000]  # index out of bounds
    with pytest.raises(hangar.InvalidArgument):
        col[0, 1, 2, 3]  # too many indices
    with pytest.raises(hangar.NotFound):
        col[1, 0:3]  # no such sample


def test_slice_of_a_small_sample(dtype_repo, dtype_co):
    expected = dtype_repo.data["a_uint16"]["k1"]
    assert np.array_equal(dtype_co["a_uint16"]["k1", 1:, ::2], expected[1:, ::2])
    assert np.array_equal(dtype_co["a_uint16"]["k1", -1], expected[-1])


# ---------------------------------------------------------------------------------------------
# read_into
# ---------------------------------------------------------------------------------------------

def test_read_into_numpy(dtype_repo, dtype_co):
    for dtype in ALL_DTYPES:
        name = f"a_{dtype}"
        out = np.zeros((3, 4), dtype=dtype)
        assert dtype_co[name].read_into("k1", out) is None
        assert out.tobytes() == dtype_repo.data[name]["k1"].tobytes()
        scalar = np.zeros((), dtype=dtype)
        dtype_co[f"s_{dtype}"].read_into("k2", scalar)
        assert scalar.tobytes() == dtype_repo.data[f"s_{dtype}"]["k2"].tobytes()


def test_read_into_a_row_of_a_preallocated_batch(dtype_repo, dtype_co):
    batch = np.zeros((3, 3, 4), dtype=np.int64)
    for i, k in enumerate(["k2", "k0", "k1"]):
        dtype_co["a_int64"].read_into(k, batch[i])  # a C-contiguous row view
    expected = np.stack([dtype_repo.data["a_int64"][k] for k in ["k2", "k0", "k1"]])
    assert np.array_equal(batch, expected)


@pytest.mark.parametrize("dtype, torch_dtype", [
    ("float32", torch.float32), ("float64", torch.float64), ("float16", torch.float16),
    ("int64", torch.int64), ("int32", torch.int32), ("int16", torch.int16),
    ("int8", torch.int8), ("uint8", torch.uint8), ("bool", torch.bool)])
def test_read_into_torch(dtype_repo, dtype_co, dtype, torch_dtype):
    t = torch.zeros((3, 4), dtype=torch_dtype)
    dtype_co[f"a_{dtype}"].read_into("k0", t)
    assert t.numpy().tobytes() == dtype_repo.data[f"a_{dtype}"]["k0"].tobytes()


def test_read_into_a_writable_buffer(dtype_repo, dtype_co):
    buf = bytearray(3 * 4)
    dtype_co["a_uint8"].read_into("k2", memoryview(buf).cast("B", (3, 4)))
    assert bytes(buf) == dtype_repo.data["a_uint8"]["k2"].tobytes()


def test_read_into_variable_shape_sample(dtype_repo, dtype_co):
    out = np.zeros((3, 2), dtype=np.float32)
    dtype_co["var"].read_into(2, out)
    assert np.array_equal(out, dtype_repo.data["var"][2])
    with pytest.raises((ValueError, TypeError)):
        dtype_co["var"].read_into(2, np.zeros((5, 6), dtype=np.float32))


def test_read_into_refuses_wrong_buffers(dtype_co):
    col = dtype_co["a_float32"]
    before = np.full((3, 4), 7, dtype=np.float64)
    with pytest.raises((ValueError, TypeError)):
        col.read_into("k0", before)  # wrong dtype
    assert (before == 7).all()
    with pytest.raises((ValueError, TypeError)):
        col.read_into("k0", np.zeros((4, 3), dtype=np.float32))  # wrong shape
    with pytest.raises((ValueError, TypeError)):
        col.read_into("k0", np.zeros((12,), dtype=np.float32))  # same size, wrong shape
    with pytest.raises((ValueError, TypeError)):
        col.read_into("k0", np.zeros((3, 5), dtype=np.float32))  # wrong size
    with pytest.raises((ValueError, TypeError)):
        col.read_into("k0", np.zeros((3, 8), dtype=np.float32)[:, ::2])  # non-contiguous
    with pytest.raises((ValueError, TypeError)):
        col.read_into("k0", np.zeros((4, 3), dtype=np.float32).T)  # Fortran order
    ro = np.zeros((3, 4), dtype=np.float32)
    ro.setflags(write=False)
    with pytest.raises((ValueError, TypeError)):
        col.read_into("k0", ro)  # read-only
    assert (ro == 0).all()
    with pytest.raises((ValueError, TypeError)):
        col.read_into("k0", torch.zeros((3, 4), dtype=torch.float64))
    with pytest.raises((ValueError, TypeError)):
        col.read_into("k0", torch.zeros((3, 8), dtype=torch.float32)[:, ::2])
    with pytest.raises((ValueError, TypeError)):
        col.read_into("k0", torch.zeros((4, 3), dtype=torch.float32).t())
    with pytest.raises(TypeError):
        col.read_into("k0", [0.0] * 12)  # not a writable buffer
    with pytest.raises((ValueError, TypeError)):
        col.read_into("k0", b"\0" * 48)  # read-only buffer
    with pytest.raises(hangar.NotFound):
        col.read_into("missing", np.zeros((3, 4), dtype=np.float32))


def test_read_into_large_chunked_tensor(large_repo, large_co):
    out = np.empty((1200, 1200), dtype=np.float32)
    large_co["big"].read_into(0, out)
    assert np.array_equal(out, large_repo.big)
    t = torch.empty((160, 160, 50), dtype=torch.float32)
    large_co["cube"].read_into(0, t)
    assert np.array_equal(t.numpy(), large_repo.cube)


# ---------------------------------------------------------------------------------------------
# get_batch
# ---------------------------------------------------------------------------------------------

def test_get_batch_stacks_in_the_given_order(image_repo):
    keys = image_repo.keys[::-3]
    with hangar.Repository(image_repo.path) as repo, repo.checkout() as co:
        imgs = co["images"].get_batch(keys)
        labels = co["labels"].get_batch(keys)
        assert imgs.shape == (len(keys), 8, 8, 3) and imgs.dtype == np.uint8
        assert labels.shape == (len(keys),) and labels.dtype == np.int64
        for i, k in enumerate(keys):
            assert np.array_equal(imgs[i], image_repo.pixels[k])
            assert labels[i] == image_repo.label_of(k)
        # a tuple works as well as a list
        assert np.array_equal(co["labels"].get_batch(tuple(keys)), labels)
        with pytest.raises(hangar.NotFound):
            co["images"].get_batch([keys[0], "nope/000"])


def test_get_batch_of_a_large_tensor(large_repo, large_co):
    b = large_co["big"].get_batch([0, 0])
    assert b.shape == (2, 1200, 1200)
    assert np.array_equal(b[0], large_repo.big) and np.array_equal(b[1], large_repo.big)


# ---------------------------------------------------------------------------------------------
# a read view is read-only and pinned
# ---------------------------------------------------------------------------------------------

LIFETIMES = textwrap.dedent("""
    import gc, sys
    import numpy as np
    import hangar
    repo = hangar.Repository(sys.argv[1])
    co = repo.checkout()
    col = co["v"]
    del repo, co  # the column keeps what it reads alive
    gc.collect()
    assert col[3].tolist() == [3, 6], col[3]
    co = hangar.Repository(sys.argv[1]).checkout()
    col = co["v"]
    co.close()
    try:
        col[3]
    except Exception as e:  # a closed checkout may refuse reads, but cleanly
        assert not isinstance(e, hangar.Internal), e
    print("ok")
""")


def test_objects_outliving_their_parents_do_not_crash(small_repo):
    p = run_python(LIFETIMES, small_repo.path)
    assert p.returncode == 0 and p.stdout.strip() == "ok", (p.returncode, p.stderr[-2000:])


def test_checkout_context_manager(small_repo):
    with hangar.Repository(small_repo.path) as repo:
        with repo.checkout() as co:
            assert isinstance(co, hangar.Checkout)
            assert not isinstance(co, hangar.WriteCheckout)
            assert np.array_equal(co["v"][2], small_repo.values[2])
        with repo.checkout() as co2:
            assert co2.commit == small_repo.commit


def test_cli_reads_a_sample_the_same_way(small_repo):
    # the CLI's own value printing agrees with what Python reads
    with hangar.Repository(small_repo.path) as repo, repo.checkout() as co:
        for k in range(5):
            doc = small_repo.cli.json("get", "v", k, "--ref", "HEAD")
            assert doc["values"] == co["v"][k].tolist()
            assert doc["dtype"] == str(co["v"].dtype)
            assert doc["shape"] == list(co["v"].shape)
