"""NumPy batches of one or several columns, for training loops without PyTorch."""
from __future__ import annotations

from typing import Iterator, Sequence

import numpy as np

from ._hangar import Column, KeyList

Key = int | str


def numpy_batches(columns: Column | Sequence[Column], batch_size: int, shuffle: bool = False,
                  seed: int | None = None, drop_last: bool = False,
                  keys: Sequence[Key] | None = None
                  ) -> Iterator[np.ndarray | tuple[np.ndarray, ...]]:
    """Yield stacked batches of `batch_size` samples: one array per batch for one column, a
    tuple of arrays (in the order given) for several.

    `keys` defaults to the keys of the first column that every column has, in key order.
    `shuffle` permutes them with ``numpy.random.default_rng(seed)``: the same seed gives the
    same batches. The last, smaller batch is dropped when `drop_last`. Each batch is one
    ``get_batch`` per column, read on every core with the GIL released.
    """
    single = isinstance(columns, Column)
    cols = [columns] if single else list(columns)
    if not cols or not all(isinstance(c, Column) for c in cols):
        raise TypeError("numpy_batches takes a Column or a sequence of Columns")
    if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
        raise ValueError(f"batch_size must be a positive int, not {batch_size!r}")
    keylist = KeyList.of_columns(cols) if keys is None else KeyList(keys)
    order = np.arange(len(keylist), dtype=np.int64)
    if shuffle:
        np.random.default_rng(seed).shuffle(order)
    for start in range(0, len(order), batch_size):
        picked = order[start:start + batch_size]
        if drop_last and len(picked) < batch_size:
            return
        arrays = tuple(c._get_batch_at(keylist, picked) for c in cols)
        yield arrays[0] if single else arrays
