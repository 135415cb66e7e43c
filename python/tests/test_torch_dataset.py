"""hangar.torch.Dataset and make_torch_dataset: samples, batches, transforms, pinning to a
commit, pickling, DataLoader workers under fork and spawn, ds.loader(), partial clones."""
from __future__ import annotations

import pickle
from unittest import mock

import numpy as np
import pytest
import torch
from torch.utils.data import DataLoader

import hangar
import hangar.dataset
import hangar.torch
from conftest import init_repo, make_id_repo, save_npy

Dataset = hangar.torch.Dataset


# module-level so that spawn workers can unpickle them
def to_float_chw(sample):
    img, label = sample
    return img.permute(2, 0, 1).float() / 255.0, label


def double_x(sample):
    x, y = sample
    return x * 2, y


def keys_of_batches(batches) -> list[int]:
    """The keys an id_repo loader read: y[k] == k; x[k][0] == k."""
    out: list[int] = []
    for x, y in batches:
        assert torch.equal(x[:, 0], y.to(torch.float32)), "x and y of one sample go together"
        out.extend(int(v) for v in y.reshape(-1))
    return out


# ---------------------------------------------------------------------------------------------
# samples
# ---------------------------------------------------------------------------------------------

def test_dataset_samples(image_repo):
    ds = Dataset(image_repo.path)
    assert isinstance(ds, torch.utils.data.Dataset)
    assert ds.commit == image_repo.commit
    assert list(ds.keys) == image_repo.keys
    assert len(ds) == len(image_repo.keys)
    for i in (0, 7, len(ds) - 1):
        key = image_repo.keys[i]
        sample = ds[i]
        assert isinstance(sample, tuple) and len(sample) == 2
        img, label = sample
        assert isinstance(img, torch.Tensor) and isinstance(label, torch.Tensor)
        assert img.dtype == torch.uint8 and img.shape == (8, 8, 3)
        assert label.dtype == torch.int64 and label.shape == ()
        assert np.array_equal(img.numpy(), image_repo.pixels[key])
        assert int(label) == image_repo.label_of(key)


def test_dataset_from_a_repository_object_and_str_path(image_repo):
    with hangar.Repository(image_repo.path) as repo:
        ds = Dataset(repo)
        assert ds.commit == image_repo.commit and len(ds) == len(image_repo.keys)
        assert np.array_equal(ds[3][0].numpy(), image_repo.pixels[image_repo.keys[3]])
    ds2 = Dataset(str(image_repo.path))
    assert ds2.keys == ds.keys


def test_single_column_gives_the_tensor(image_repo):
    ds = Dataset(image_repo.path, columns=("labels",))
    x = ds[4]
    assert isinstance(x, torch.Tensor) and x.shape == ()
    assert int(x) == image_repo.label_of(image_repo.keys[4])
    b = ds[[4, 5, 6]]
    assert isinstance(b, torch.Tensor) and b.shape == (3,)
    assert b.tolist() == [image_repo.label_of(image_repo.keys[i]) for i in (4, 5, 6)]


def test_as_dict(image_repo):
    ds = Dataset(image_repo.path, as_dict=True)
    s = ds[2]
    assert isinstance(s, dict) and set(s) == {"images", "labels"}
    assert np.array_equal(s["images"].numpy(), image_repo.pixels[image_repo.keys[2]])
    b = ds[[2, 3]]
    assert isinstance(b, dict) and b["images"].shape == (2, 8, 8, 3)
    assert b["labels"].tolist() == [image_repo.label_of(image_repo.keys[i]) for i in (2, 3)]


def test_columns_order_is_kept(image_repo):
    ds = Dataset(image_repo.path, columns=("labels", "images"))
    label, img = ds[0]
    assert label.shape == () and img.shape == (8, 8, 3)


@pytest.mark.parametrize("indices", [[0, 5, 2], np.array([0, 5, 2]),
                                     np.array([0, 5, 2], dtype=np.int32)],
                         ids=["list", "int64-array", "int32-array"])
def test_batch_indexing_stacks(image_repo, indices):
    ds = Dataset(image_repo.path)
    imgs, labels = ds[indices]
    assert imgs.shape == (3, 8, 8, 3) and imgs.dtype == torch.uint8
    assert labels.shape == (3,) and labels.dtype == torch.int64
    for row, i in enumerate([0, 5, 2]):
        single_img, single_label = ds[i]
        assert torch.equal(imgs[row], single_img)
        assert torch.equal(labels[row], single_label)


def test_transform_applies_to_each_sample(image_repo):
    ds = Dataset(image_repo.path, transform=to_float_chw)
    img, label = ds[1]
    assert img.dtype == torch.float32 and img.shape == (3, 8, 8)
    raw = torch.from_numpy(image_repo.pixels[image_repo.keys[1]])
    assert torch.allclose(img, raw.permute(2, 0, 1).float() / 255)
    imgs, labels = ds[[1, 2]]
    assert imgs.shape == (2, 3, 8, 8)
    assert torch.equal(imgs[0], img) and torch.equal(labels[0], label)
    seen = []

    def record(sample):
        seen.append(sample)
        return sample

    ds2 = Dataset(image_repo.path, columns=("labels",), transform=record)
    ds2[[0, 1, 2]]
    assert len(seen) == 3 and all(isinstance(s, torch.Tensor) and s.shape == () for s in seen)


def test_explicit_keys(image_repo):
    keys = [image_repo.keys[5], image_repo.keys[0], image_repo.keys[9]]
    ds = Dataset(image_repo.path, keys=keys)
    assert list(ds.keys) == keys and len(ds) == 3
    assert np.array_equal(ds[0][0].numpy(), image_repo.pixels[keys[0]])
    assert np.array_equal(ds[1][0].numpy(), image_repo.pixels[keys[1]])
    with pytest.raises(hangar.NotFound):
        bad = Dataset(image_repo.path, keys=["nope/000"])
        bad[0]


def test_default_keys_are_those_every_column_has(tmp_path):
    path = tmp_path / "r"
    init_repo(path)
    with hangar.Repository(path) as repo, repo.checkout(write=True) as co:
        a = co.create_column("a", dtype=np.int64, shape=())
        b = co.create_column("b", dtype=np.int64, shape=())
        for k in (0, 1, 2, 5, "s"):
            a[k] = np.array(10 + (k if isinstance(k, int) else 99), np.int64)
        for k in (1, 2, 5, 9, "s", "t"):
            b[k] = np.array(20, np.int64)
        co.commit("ab")
    assert list(Dataset(path, columns=("a", "b")).keys) == [1, 2, 5, "s"]
    assert list(Dataset(path, columns=("b", "a")).keys) == [1, 2, 5, "s"]
    assert list(Dataset(path, columns=("a",)).keys) == [0, 1, 2, 5, "s"]
    assert int(Dataset(path, columns=("a", "b"))[2][0]) == 15


def test_index_out_of_range(image_repo):
    ds = Dataset(image_repo.path)
    with pytest.raises(IndexError):
        ds[len(ds)]
    with pytest.raises(IndexError):
        ds[[0, len(ds)]]


def test_bad_ref_or_column(image_repo):
    with pytest.raises(hangar.NotFound):
        Dataset(image_repo.path, ref="nope")
    with pytest.raises(hangar.NotFound):
        Dataset(image_repo.path, columns=("images", "nope"))
    with pytest.raises(hangar.NotFound):
        Dataset(image_repo.path.parent / "not-a-repo")


def test_dataset_is_pinned_to_the_digest_of_its_ref(small_repo):
    c = small_repo.cli
    c("branch", "create", "dev")
    ds = Dataset(small_repo.path, columns=("v",), ref="dev")
    assert ds.commit == small_repo.commit
    c("checkout", "dev")
    c("put", "v", 2, save_npy(small_repo.path / "n.npy", np.array([99, 99], np.uint8)))
    c("put", "v", 9, "n.npy")
    moved = c.json("commit", "-m", "move dev")["commit"]
    assert ds.commit == small_repo.commit
    assert len(ds) == 5 and list(ds.keys) == [0, 1, 2, 3, 4]
    assert ds[2].tolist() == [2, 4]
    again = pickle.loads(pickle.dumps(ds))
    assert again.commit == small_repo.commit and again[2].tolist() == [2, 4]
    fresh = Dataset(small_repo.path, columns=("v",), ref="dev")
    assert fresh.commit == moved and len(fresh) == 6 and fresh[2].tolist() == [99, 99]
    by_digest = Dataset(small_repo.path, columns=("v",), ref=small_repo.commit[:8])
    assert by_digest.commit == small_repo.commit


# ---------------------------------------------------------------------------------------------
# pickling
# ---------------------------------------------------------------------------------------------

def test_pickle_holds_path_and_digest_not_keys(image_repo):
    ds = Dataset(image_repo.path)
    ds[0]  # an opened dataset pickles the same way
    blob = pickle.dumps(ds)
    assert image_repo.commit.encode() in blob
    assert str(image_repo.path).encode() in blob
    assert image_repo.keys[3].encode() not in blob  # keys=None: not pickled
    assert len(blob) < 2000
    back = pickle.loads(blob)
    assert back.commit == ds.commit and list(back.keys) == list(ds.keys)
    assert torch.equal(back[3][0], ds[3][0])


def test_pickle_with_explicit_keys_and_options(image_repo):
    keys = image_repo.keys[2:6]
    ds = Dataset(image_repo.path, columns=("images",), keys=keys, transform=to_float_chw_single,
                 as_dict=False)
    blob = pickle.dumps(ds)
    assert all(k.encode() in blob for k in keys)
    back = pickle.loads(blob)
    assert list(back.keys) == keys
    assert torch.equal(back[0], ds[0]) and back[0].dtype == torch.float32


def to_float_chw_single(img):
    return img.permute(2, 0, 1).float()


def test_pickle_of_as_dict_dataset(image_repo):
    ds = Dataset(image_repo.path, as_dict=True, ref=image_repo.commit)
    back = pickle.loads(pickle.dumps(ds))
    assert set(back[0]) == {"images", "labels"}


# ---------------------------------------------------------------------------------------------
# DataLoader workers
# ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("context", ["fork", "spawn"])
def test_dataloader_workers_read_every_key_once_per_epoch(tmp_path, context):
    r = make_id_repo(tmp_path / "ids", n=24)
    ds = Dataset(r.path, columns=("x", "y"))
    ds[0]  # the parent has the repository open before the workers start
    # the branch moves before the workers start: they reopen the pinned digest (spawn:
    # unpickled as path + digest), so y[k] == x[k][0] == k still holds in every batch
    with hangar.Repository(r.path) as repo, repo.checkout(write=True) as co:
        for k in range(24):
            co["y"][k] = np.array(1000 + k, np.int64)
        co.commit("change y")
    loader = DataLoader(ds, batch_size=5, shuffle=True, num_workers=2,
                        multiprocessing_context=context, persistent_workers=True, timeout=120)
    epochs = [keys_of_batches(list(loader)) for _ in range(2)]
    for keys in epochs:
        assert sorted(keys) == list(range(24))
    assert epochs[0] != sorted(epochs[0]) and epochs[0] != epochs[1]  # shuffled per epoch
    del loader


@pytest.mark.parametrize("context", ["fork", "spawn"])
def test_loader_with_workers(id_repo, context):
    ds = Dataset(id_repo.path, columns=("x", "y"), transform=double_x)
    ds[[0, 1]]
    loader = ds.loader(batch_size=5, shuffle=True, num_workers=2, seed=3,
                       multiprocessing_context=context, persistent_workers=True, timeout=120)
    assert isinstance(loader, DataLoader)
    epochs = []
    for _ in range(2):
        batches = list(loader)
        assert [len(y) for _, y in batches] == [5, 5, 5, 5, 4]
        for x, y in batches:
            assert torch.equal(x[:, 0], 2 * y.to(torch.float32))  # transform ran
        epochs.append([int(v) for _, y in batches for v in y])
        assert sorted(epochs[-1]) == list(range(id_repo.n))
    assert epochs[0] != list(range(id_repo.n))


def test_loader_order_and_seed(id_repo):
    ds = Dataset(id_repo.path, columns=("x", "y"))

    def order(**kw):
        return keys_of_batches(list(ds.loader(batch_size=4, **kw)))

    assert order() == list(range(id_repo.n))
    a, b, c = order(shuffle=True, seed=1), order(shuffle=True, seed=1), order(shuffle=True,
                                                                                seed=2)
    assert a == b and a != c
    assert sorted(a) == sorted(c) == list(range(id_repo.n))


def test_loader_drop_last_and_batch_shapes(id_repo):
    ds = Dataset(id_repo.path, columns=("x", "y"))
    batches = list(ds.loader(batch_size=5, drop_last=True))
    assert len(batches) == 4 and all(x.shape == (5, 4) and y.shape == (5,) for x, y in batches)
    assert len(ds.loader(batch_size=5)) == 5
    assert len(ds.loader(batch_size=5, drop_last=True)) == 4
    assert [b.shape for b in Dataset(id_repo.path, columns=("y",)).loader(batch_size=10)] == [
        (10,), (10,), (4,)]


def test_loader_reads_each_batch_with_one_call(id_repo):
    ds = Dataset(id_repo.path, columns=("x", "y"))
    calls = []
    real = type(ds).__getitem__

    def spy(self, index):
        calls.append(index)
        return real(self, index)

    with mock.patch.object(type(ds), "__getitem__", spy):
        batches = list(ds.loader(batch_size=7))
    assert len(batches) == len(calls) == 4
    assert [len(c) for c in calls] == [7, 7, 7, 3]
    assert [list(map(int, c)) for c in calls][0] == list(range(7))


def test_loader_passes_dataloader_kwargs(id_repo):
    ds = Dataset(id_repo.path, columns=("x", "y"))
    loader = ds.loader(batch_size=4, timeout=17, pin_memory=False)
    assert loader.timeout == 17
    assert loader.dataset is ds


def test_not_local_from_a_worker_arrives_as_not_local(partial_clone):
    ds = Dataset(partial_clone.path, columns=("images", "labels"))
    loader = DataLoader(ds, batch_size=4, num_workers=1, multiprocessing_context="fork",
                        timeout=120)
    with pytest.raises(hangar.NotLocal) as e:
        list(loader)
    assert "fetch-data" in str(e.value)


# ---------------------------------------------------------------------------------------------
# partial clones
# ---------------------------------------------------------------------------------------------

def test_partial_clone_not_local_and_local_only(partial_clone):
    with hangar.Repository(partial_clone.path) as repo, repo.checkout() as co:
        local_everywhere = [k for k in co["images"].keys()
                            if co["images"].is_local(k) and co["labels"].is_local(k)]
        local_count = {c["name"]: c["local_count"]
                       for c in partial_clone.cli.json("summary", "HEAD")["columns"]}
        assert sum(co["images"].is_local(k) for k in co["images"].keys()) == \
            local_count["images"]
    assert 0 < len(local_everywhere) < 20
    full = Dataset(partial_clone.path)
    assert list(full.keys) == list(range(20))
    missing = next(i for i, k in enumerate(full.keys) if k not in local_everywhere)
    with pytest.raises(hangar.NotLocal) as e:
        full[missing]
    assert "fetch-data" in str(e.value)
    with pytest.raises(hangar.NotLocal):
        full[[0, missing]]
    ds = Dataset(partial_clone.path, local_only=True)
    assert list(ds.keys) == local_everywhere
    for i, k in enumerate(ds.keys):
        img, label = ds[i]
        assert np.array_equal(img.numpy(), partial_clone.data[k])
        assert int(label) == k % 3
    got = [int(v) for _, y in ds.loader(batch_size=2) for v in y]
    assert got == [k % 3 for k in local_everywhere]
    # pickled with local_only: the worker sees the same keys
    back = pickle.loads(pickle.dumps(ds))
    assert list(back.keys) == local_everywhere


# ---------------------------------------------------------------------------------------------
# make_torch_dataset (hangar-py's API)
# ---------------------------------------------------------------------------------------------

def test_make_torch_dataset(image_repo):
    assert hangar.dataset.make_torch_dataset is hangar.torch.make_torch_dataset
    with hangar.Repository(image_repo.path) as repo, repo.checkout() as co:
        ds = hangar.torch.make_torch_dataset([co["images"], co["labels"]])
        assert isinstance(ds, torch.utils.data.Dataset)
        assert len(ds) == len(image_repo.keys)
        img, label = ds[4]
        key = image_repo.keys[4]
        assert np.array_equal(np.asarray(img), image_repo.pixels[key])
        assert int(label) == image_repo.label_of(key)
        keys = image_repo.keys[3:7]
        sub = hangar.torch.make_torch_dataset([co["labels"]], keys=keys)
        assert len(sub) == 4
        first = sub[0]
        first = first[0] if isinstance(first, (tuple, list)) else first
        assert int(first) == image_repo.label_of(keys[0])
        d = hangar.dataset.make_torch_dataset([co["images"], co["labels"]], as_dict=True)
        assert set(d[0]) == {"images", "labels"}
        loader = DataLoader(ds, batch_size=6, shuffle=True, num_workers=2,
                            multiprocessing_context="fork", timeout=120)
        labels = sorted(int(v) for _, y in loader for v in y)
        assert labels == sorted(image_repo.label_of(k) for k in image_repo.keys)


def test_make_torch_dataset_is_pinned_to_its_checkout(small_repo):
    c = small_repo.cli
    with hangar.Repository(small_repo.path) as repo, repo.checkout() as co:
        ds = hangar.torch.make_torch_dataset([co["v"]])
        c("put", "v", 0, save_npy(small_repo.path / "n.npy", np.array([77, 77], np.uint8)))
        c("commit", "-m", "later")
        x = ds[0]
        x = x[0] if isinstance(x, (tuple, list)) else x
        assert np.asarray(x).tolist() == [0, 0]
