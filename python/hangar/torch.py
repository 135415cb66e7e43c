"""PyTorch datasets over hangar commits.

    ds = hangar.torch.Dataset("data", columns=("images", "labels"), ref="main")
    for images, labels in ds.loader(batch_size=64, shuffle=True, num_workers=2):
        ...

A Dataset is pinned to the commit digest that `ref` named when it was made, so a branch that
moves later does not change an epoch. It pickles as (repository path, digest, options), and
every process opens the repository itself: DataLoader workers work under both the "fork" and
the "spawn" start methods.
"""
from __future__ import annotations

import os
import threading
from typing import Any, Callable, Iterator, Sequence

import numpy as np
import torch
import torch.utils.data as tud

from ._hangar import Column, KeyList, Repository
from .errors import NotLocal

Key = int | str

# torch has no uint16/32/64 tensors: such samples widen to the next signed type.
_WIDEN = {np.dtype(np.uint16): np.int32, np.dtype(np.uint32): np.int64}


def _tensor(array: np.ndarray | np.generic) -> torch.Tensor:
    array = np.asarray(array)  # a sample of a batch of scalars is a numpy scalar
    widen = _WIDEN.get(array.dtype)
    if widen is not None:
        array = array.astype(widen)
    elif array.dtype == np.uint64:
        if array.size and int(array.max()) > np.iinfo(np.int64).max:
            raise OverflowError("uint64 values above 2**63-1 have no torch dtype")
        array = array.astype(np.int64)
    return torch.from_numpy(array)


class Dataset(tud.Dataset):
    """A map-style dataset: item i is sample ``keys[i]`` of every column, as torch tensors
    (one tensor for one column, a tuple in column order for several, a dict when `as_dict`).

    `ds[[i, j, ...]]` reads a whole batch with one ``get_batch`` per column and returns the
    tensors stacked; ``loader()`` makes a DataLoader that fetches batches that way.

    Parameters: `repo_or_path` a Repository or any folder inside one; `columns` the column
    names; `ref` any revision ("HEAD", "main", "HEAD~2", a digest prefix); `keys` the samples
    (default: the keys of the first column that every column has, in key order); `transform`
    a function applied to each sample (what ``ds[i]`` would return without it); `local_only`
    keeps only samples whose data is local in every column (a partial clone) instead of
    raising hangar.NotLocal when one is read. Fixed-shape columns whose samples total at most
    `cache_bytes` (labels, typically) are read once, whole, and kept in memory.
    """

    def __init__(self, repo_or_path: Repository | str | os.PathLike[str],
                 columns: Sequence[str] | str = ("images", "labels"), ref: str = "HEAD",
                 keys: Sequence[Key] | None = None,
                 transform: Callable[[Any], Any] | None = None, local_only: bool = False,
                 as_dict: bool = False, cache_bytes: int = 16 << 20) -> None:
        repo = repo_or_path if isinstance(repo_or_path, Repository) else Repository(repo_or_path)
        if isinstance(columns, str):
            columns = (columns,)
        if not columns:
            raise ValueError("a dataset needs at least one column")
        self.path = repo.path
        self.commit = repo.resolve(ref)
        self.column_names = tuple(columns)
        self.transform = transform
        self.local_only = local_only
        self.as_dict = as_dict
        self.cache_bytes = cache_bytes
        self._given_keys = None if keys is None else list(keys)
        self._open()

    def _open(self) -> None:
        repo = Repository(self.path)
        checkout = repo.checkout(self.commit)
        self._columns = [checkout[name] for name in self.column_names]
        if self._given_keys is None:
            self._keys = KeyList.of_columns(self._columns, self.local_only)
        elif self.local_only:
            self._keys = KeyList([k for k in self._given_keys
                                  if all(k in c and c.is_local(k) for c in self._columns)])
        else:
            self._keys = KeyList(self._given_keys)
        self._cached = [self._read_whole(c) for c in self._columns]
        self.lazy = repo.lazy_fetch

    def _prefetch(self, indices: np.ndarray) -> int:
        """Brings the missing chunks of samples `indices` (lazy reads); returns how many."""
        return sum(c._prefetch_at(self._keys, indices)
                   for c, cached in zip(self._columns, self._cached) if cached is None)

    def _read_whole(self, column: Column) -> np.ndarray | None:
        n = len(self._keys)
        if column.variable_shape or n == 0:
            return None
        size = n * column.dtype.itemsize * int(np.prod(column.shape, dtype=np.int64))
        if size > self.cache_bytes:
            return None
        try:
            return column._get_batch_at(self._keys, np.arange(n, dtype=np.int64))
        except NotLocal:
            return None  # read sample by sample: the error then names the one not local

    def __getstate__(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items()
                if k not in ("_columns", "_keys", "_cached")}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._open()

    @property
    def keys(self) -> list[Key]:
        return self._keys.to_list()

    def key(self, index: int) -> Key:
        return self._keys[index]

    def __len__(self) -> int:
        return len(self._keys)

    def _keys_index(self, i: int) -> int:
        n = len(self._keys)
        if not -n <= i < n:
            raise IndexError(f"index {i} is out of range for {n} samples")
        return i

    def _checked(self, picked: np.ndarray) -> np.ndarray:
        n = len(self._keys)
        if picked.size and (picked.min() < -n or picked.max() >= n):
            bad = picked[(picked < -n) | (picked >= n)][0]
            raise IndexError(f"index {bad} is out of range for {n} samples")
        return picked

    def _pack(self, tensors: Sequence[Any]) -> Any:
        if self.as_dict:
            return dict(zip(self.column_names, tensors))
        return tensors[0] if len(tensors) == 1 else tuple(tensors)

    def __getitem__(self, index: Any) -> Any:
        if isinstance(index, (int, np.integer)) and not isinstance(index, bool):
            i = int(index)
            sample = self._pack([_tensor(c._read_at(self._keys, i) if cached is None
                                         else np.array(cached[self._keys_index(i)]))
                                 for c, cached in zip(self._columns, self._cached)])
            return self.transform(sample) if self.transform else sample
        picked = np.asarray(index.numpy() if isinstance(index, torch.Tensor) else index)
        if picked.ndim != 1 or not (picked.size == 0 or np.issubdtype(picked.dtype, np.integer)):
            raise TypeError("a Dataset is indexed by an int or a 1-d sequence of ints")
        picked = picked.astype(np.int64)
        batches = [c._get_batch_at(self._keys, picked) if cached is None
                   else cached[self._checked(picked)]
                   for c, cached in zip(self._columns, self._cached)]
        if self.transform is None:
            return self._pack([_tensor(b) if isinstance(b, np.ndarray)
                               else [_tensor(a) for a in b] for b in batches])
        samples = [self.transform(self._pack([_tensor(b[i]) for b in batches]))
                   for i in range(len(picked))]
        return tud.default_collate(samples)

    def loader(self, batch_size: int = 64, shuffle: bool = False, num_workers: int = 0,
               drop_last: bool = False, seed: int | None = None, prefetch_samples: int = 4096,
               **dataloader_kwargs: Any) -> tud.DataLoader:
        """A DataLoader whose batches are read with one ``get_batch`` per column: the fast way
        into a training loop. `seed` fixes the shuffle order; the other keyword arguments go to
        DataLoader (num_workers, pin_memory, multiprocessing_context, ...).

        In a repository that fetches lazily (``hangar config fetch.lazy true``, ``hangar clone
        --lazy``), a thread of this process fetches the missing chunks of the next
        `prefetch_samples` samples while the current batches train, and a batch goes to the
        workers once it is local: each chunk is fetched once, by one request for many samples.
        A failed fetch raises hangar.NotLocal from the loop."""
        generator = None if seed is None else torch.Generator().manual_seed(seed)
        sampler: tud.Sampler[int] = (tud.RandomSampler(self, generator=generator) if shuffle
                                     else tud.SequentialSampler(self))
        batches: tud.Sampler[list[int]] = tud.BatchSampler(sampler, batch_size, drop_last)
        if self.lazy:
            batches = _PrefetchedBatches(self, batches, max(2, prefetch_samples // batch_size))
        return tud.DataLoader(self, batch_size=None, sampler=batches, num_workers=num_workers,
                              **dataloader_kwargs)

    def __repr__(self) -> str:
        return (f"<hangar.torch.Dataset {len(self)} samples of {', '.join(self.column_names)} "
                f"at {self.commit[:12]} in '{self.path}'>")


class _PrefetchedBatches(tud.Sampler[list[int]]):
    """The batches of `batches`, each yielded once its samples are local: a thread fetches the
    missing chunks of up to `depth` batches ahead of the last one yielded. Requests grow from
    one batch to `depth` batches (doubling), so the first batch trains after one small round
    trip; after that the thread sleeps until only half of `depth` is left ahead, so requests
    stay few and large and the two threads rarely wake each other (once every local chunk is
    there, an epoch costs what it costs without the thread)."""

    def __init__(self, dataset: Dataset, batches: tud.Sampler[list[int]], depth: int) -> None:
        self.dataset = dataset
        self.batches = batches
        self.depth = depth

    def __len__(self) -> int:
        return len(self.batches)  # type: ignore[arg-type]

    def __iter__(self) -> Iterator[list[int]]:
        order = list(self.batches)
        state = {"yielded": 0, "fetched": 0, "stop": False, "error": None}
        cond = threading.Condition()
        low = self.depth // 2  # the thread wakes when no more than this is fetched ahead

        def fetch() -> None:
            step = 1
            while True:
                with cond:
                    cond.wait_for(lambda: state["stop"] or (
                        state["fetched"] < len(order)
                        and state["fetched"] - state["yielded"] <= low))
                    if state["stop"]:
                        return
                    begin = state["fetched"]
                    end = min(len(order), state["yielded"] + self.depth, begin + step)
                step = min(2 * step, self.depth)
                try:
                    self.dataset._prefetch(np.concatenate(
                        [np.asarray(b, dtype=np.int64) for b in order[begin:end]]))
                except BaseException as e:  # handed to the loop, which raises it
                    with cond:
                        state["error"] = e
                        cond.notify_all()
                    return
                with cond:
                    state["fetched"] = end
                    cond.notify_all()
                if end == len(order):
                    return

        thread = threading.Thread(target=fetch, name="hangar-prefetch", daemon=True)
        thread.start()
        try:
            for i, batch in enumerate(order):
                with cond:
                    cond.wait_for(lambda: state["fetched"] > i or state["error"] is not None)
                    if state["fetched"] <= i:
                        # Raised without a reference left in `state` or here: the error's
                        # traceback holds the fetch thread's frame, which holds `state`, and
                        # that cycle would keep the DataLoader iterator (and its worker
                        # processes) alive until the cyclic GC, which then tears them down in
                        # any order ("Bad file descriptor" in QueueFeederThread).
                        error, state["error"] = state["error"], None
                        try:
                            raise error  # type: ignore[misc]
                        finally:
                            del error
                yield batch
                with cond:
                    state["yielded"] = i + 1
                    if state["fetched"] - state["yielded"] <= low:
                        cond.notify_all()
        finally:
            with cond:
                state["stop"] = True
                cond.notify_all()
            thread.join()


def make_torch_dataset(columns: Column | Sequence[Column], keys: Sequence[Key] | None = None,
                       as_dict: bool = False) -> Dataset:
    """hangar-py's entry point: a Dataset over Column objects of one read checkout."""
    cols = [columns] if isinstance(columns, Column) else list(columns)
    if not cols or not all(isinstance(c, Column) for c in cols):
        raise TypeError("make_torch_dataset takes a Column or a sequence of Columns")
    identities = {c._checkout_identity() for c in cols}
    if len(identities) != 1:
        raise ValueError("make_torch_dataset needs columns of one checkout")
    path, commit = identities.pop()
    if commit is None:
        raise ValueError("datasets read a commit: commit the staged work first, or use the "
                         "columns of repo.checkout()")
    return Dataset(path, columns=[c.name for c in cols], ref=commit, keys=keys, as_dict=as_dict)


__all__ = ["Dataset", "make_torch_dataset"]
