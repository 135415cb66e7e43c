"""hangar.numpy_batches: stacked numpy batches of one or several columns."""
from __future__ import annotations

import numpy as np
import pytest

import hangar


@pytest.fixture(scope="module")
def id_co(id_repo):
    repo = hangar.Repository(id_repo.path)
    co = repo.checkout()
    yield co
    co.close()
    repo.close()


def test_one_column_in_key_order(id_repo, id_co):
    batches = list(hangar.numpy_batches(id_co["y"], 5))
    assert all(isinstance(b, np.ndarray) and b.dtype == np.int64 for b in batches)
    assert [b.shape for b in batches] == [(5,), (5,), (5,), (5,), (4,)]
    assert np.concatenate(batches).tolist() == list(range(id_repo.n))


def test_several_columns_give_tuples(id_repo, id_co):
    batches = list(hangar.numpy_batches([id_co["x"], id_co["y"]], 10))
    assert len(batches) == 3
    for x, y in batches:
        assert x.dtype == np.float32 and x.shape == (len(y), 4)
        assert np.array_equal(x[:, 0], y.astype(np.float32))
        assert np.allclose(x[:, 1] - x[:, 0], 0.25)
    assert isinstance(batches[0], tuple)
    t = list(hangar.numpy_batches((id_co["y"], id_co["x"]), 10))[0]
    assert t[0].shape == (10,) and t[1].shape == (10, 4)  # the order given


def test_drop_last(id_repo, id_co):
    batches = list(hangar.numpy_batches(id_co["y"], 5, drop_last=True))
    assert [b.shape for b in batches] == [(5,)] * 4
    assert np.concatenate(batches).tolist() == list(range(20))
    assert len(list(hangar.numpy_batches(id_co["y"], 100, drop_last=True))) == 0
    assert [b.shape for b in hangar.numpy_batches(id_co["y"], 100)] == [(id_repo.n,)]


def test_shuffle_is_a_permutation_deterministic_for_a_seed(id_repo, id_co):
    def run(**kw):
        return np.concatenate(list(hangar.numpy_batches(id_co["y"], 7, shuffle=True, **kw)))

    a, b, c = run(seed=11), run(seed=11), run(seed=12)
    assert sorted(a.tolist()) == list(range(id_repo.n))
    assert a.tolist() == b.tolist()
    assert a.tolist() != c.tolist()
    assert a.tolist() != list(range(id_repo.n))
    # several columns are shuffled together
    for x, y in hangar.numpy_batches([id_co["x"], id_co["y"]], 7, shuffle=True, seed=5):
        assert np.array_equal(x[:, 0], y.astype(np.float32))


def test_shuffle_drop_last(id_repo, id_co):
    batches = list(hangar.numpy_batches(id_co["y"], 7, shuffle=True, seed=3, drop_last=True))
    assert [len(b) for b in batches] == [7, 7, 7]
    flat = np.concatenate(batches).tolist()
    assert len(set(flat)) == 21


def test_it_is_lazy_iterator(id_co):
    it = hangar.numpy_batches(id_co["y"], 4)
    assert iter(it) is it
    first = next(it)
    assert first.tolist() == [0, 1, 2, 3]


def test_image_batches_equal_get_batch(image_repo):
    with hangar.Repository(image_repo.path) as repo, repo.checkout() as co:
        imgs, labels = next(iter(hangar.numpy_batches([co["images"], co["labels"]], 6)))
        assert imgs.shape == (6, 8, 8, 3) and imgs.dtype == np.uint8
        keys = image_repo.keys[:6]
        assert np.array_equal(imgs, np.stack([image_repo.pixels[k] for k in keys]))
        assert labels.tolist() == [image_repo.label_of(k) for k in keys]


def test_bad_arguments(id_co):
    with pytest.raises((ValueError, TypeError)):
        list(hangar.numpy_batches(id_co["y"], 0))
    with pytest.raises(TypeError):
        list(hangar.numpy_batches(5, 2))


def test_columns_with_different_keys_use_common_keys_or_refuse(tmp_path):
    from conftest import init_repo
    path = tmp_path / "r"
    init_repo(path)
    with hangar.Repository(path) as repo:
        with repo.checkout(write=True) as co:
            a = co.create_column("a", dtype=np.int64, shape=())
            b = co.create_column("b", dtype=np.int64, shape=())
            for k in range(6):
                a[k] = np.array(k, np.int64)
            for k in range(3, 9):
                b[k] = np.array(100 + k, np.int64)
            co.commit("ab")
        with repo.checkout() as co:
            try:
                out = list(hangar.numpy_batches([co["a"], co["b"]], 10))
            except (hangar.NotFound, ValueError):
                return  # refusing mismatched columns is fine
            # otherwise: only the keys both have, rows kept together
            (a_vals, b_vals), = out
            assert a_vals.tolist() == [3, 4, 5] and b_vals.tolist() == [103, 104, 105]
