# Type stubs of the C++ extension module hangar._hangar (python/src/). Users import these
# names from `hangar`; this file is what type checkers and IDEs read.
from __future__ import annotations

import os
from typing import Any, Iterable, Iterator, Literal, Mapping, Sequence, overload

import numpy as np
import numpy.typing as npt

Key = int | str
PathLike = str | os.PathLike[str]

__version__: str

def init(path: PathLike = ".", user: str | None = None, email: str | None = None) -> Repository:
    """Create a repository at `path` (like `hangar init`) and open it.
    Raises AlreadyExists when `path` holds one already."""

class Repository:
    """A repository on disk. `path` may be any folder inside it (the root is found like the
    CLI does). Opening is cheap and takes no lock: reads see every commit at any time; writes
    (branches, merge, a write checkout) take the repository's writer lock while they run."""

    def __init__(self, path: PathLike = ".") -> None: ...
    @property
    def path(self) -> str:
        """The root folder (the one holding .hangar)."""
    @property
    def current_branch(self) -> str: ...
    @property
    def head(self) -> str | None:
        """Digest of the current branch's commit; None before the first commit."""
    @property
    def branches(self) -> dict[str, str]:
        """Branch name -> commit digest, sorted by name."""
    def resolve(self, ref: str = "HEAD") -> str:
        """The full digest that a revision names: a branch, 'origin/main', 'HEAD~2',
        a digest prefix of >= 6 hex characters."""
    def create_branch(self, name: str, start: str | None = None) -> str:
        """Create `name` at `start` (default HEAD); returns its commit digest."""
    def delete_branch(self, name: str, force: bool = False) -> str:
        """Delete `name`; returns the digest it pointed at."""
    def log(self, ref: str = "HEAD", n: int | None = None) -> list[dict[str, Any]]:
        """`hangar log --json`: [{digest, parents, author, email, time, message}], newest first."""
    def diff(self, a: str | None = None, b: str | None = None, *,
             detail: Literal["keys", "stat", "summary"] = "keys") -> dict[str, Any]:
        """`hangar diff --json`: no revision = HEAD..staged, one = a..HEAD, two = a..b."""
    def show(self, ref: str = "HEAD") -> dict[str, Any]:
        """`hangar show --json`."""
    def merge(self, ref: str, *, message: str | None = None,
              strategy: Literal["ours", "theirs"] | None = None) -> dict[str, Any]:
        """`hangar merge --json` into the current branch. Raises Conflict (its `.report` is
        the document, its `.conflicts` the list) when the merge stops on conflicts."""
    def status(self) -> dict[str, Any]:
        """`hangar status --json`."""
    def summary(self, ref: str | None = None) -> dict[str, Any]:
        """`hangar summary --json` of `ref` (None: the staged state)."""
    @property
    def config(self) -> dict[str, str]:
        """`hangar config --list` as a dict."""
    def set_config(self, key: str, value: str | None) -> None:
        """`hangar config KEY VALUE` (None: --unset). Keys: user.name, user.email, fetch.lazy."""
    @property
    def lazy_fetch(self) -> bool:
        """True when reads fetch samples that are not local from the remote (fetch.lazy)."""
    @overload
    def checkout(self, ref: str = "HEAD", *, write: Literal[False] = False) -> Checkout: ...
    @overload
    def checkout(self, ref: str | None = None, *, write: Literal[True]) -> WriteCheckout: ...
    def close(self) -> None: ...
    def __enter__(self) -> Repository: ...
    def __exit__(self, *exc: object) -> None: ...

class Checkout:
    """A read-only view of one commit, pinned to its digest: later commits, branch moves and
    other processes' writes do not change what it shows."""

    @property
    def commit(self) -> str | None:
        """The digest of the commit this checkout shows."""
    @property
    def columns(self) -> Mapping[str, Column]: ...
    @property
    def writable(self) -> bool: ...
    def __getitem__(self, column: str) -> Column: ...
    def __contains__(self, column: object) -> bool: ...
    def __iter__(self) -> Iterator[str]: ...
    def __len__(self) -> int: ...
    def close(self) -> None: ...
    def __enter__(self) -> Checkout: ...
    def __exit__(self, *exc: object) -> None: ...

class WriteCheckout(Checkout):
    """The staging area of the current branch (what `hangar put/rm/commit` work on). Holds
    the repository's writer lock until close() or the end of its `with` block, also on an
    exception. Staged work stays staged after close, as with the CLI."""

    @property
    def branch(self) -> str: ...
    def commit(self, message: str) -> str:  # type: ignore[override]
        """Record the staged changes on the branch; returns the new commit's digest. (On a
        read checkout `commit` is the digest it shows.)"""
    def create_column(self, name: str, *, dtype: npt.DTypeLike | None = None,
                      shape: Sequence[int] | int | None = None,
                      prototype: npt.ArrayLike | None = None, variable_shape: bool = False,
                      nested: bool = False, backend: Literal["auto", "lmdb", "hdf5"] = "auto",
                      compression_level: int = 3) -> Column:
        """Stage a new column (dtype and shape, or both from `prototype`)."""
    def add_ndarray_column(self, name: str, shape: Sequence[int] | int | None = None,
                           dtype: npt.DTypeLike | None = None,
                           prototype: npt.ArrayLike | None = None,
                           variable_shape: bool = False) -> Column:
        """hangar-py's name for create_column."""
    def delete_column(self, name: str) -> None: ...
    def reset(self) -> None:
        """Drop every staged change."""
    def status(self) -> dict[str, Any]: ...

class Column:
    """One column of a checkout: a mapping key -> numpy.ndarray, in key order."""

    @property
    def name(self) -> str: ...
    @property
    def dtype(self) -> np.dtype[Any]: ...
    @property
    def shape(self) -> tuple[int, ...]:
        """The schema's shape (the per-dimension maximum when variable_shape)."""
    @property
    def variable_shape(self) -> bool: ...
    @property
    def nested(self) -> bool: ...
    @property
    def nbytes(self) -> int: ...
    @property
    def attributes(self) -> dict[str, str]: ...
    @property
    def writable(self) -> bool: ...
    def __len__(self) -> int: ...
    def __contains__(self, key: object) -> bool: ...
    def __iter__(self) -> Iterator[Key]: ...
    def keys(self) -> list[Key]: ...
    def values(self) -> Iterator[np.ndarray]: ...
    def items(self) -> Iterator[tuple[Key, np.ndarray]]: ...
    def get(self, key: Key, default: Any = None) -> Any: ...
    @overload
    def __getitem__(self, key: Key) -> np.ndarray: ...
    @overload
    def __getitem__(self, key: tuple[Any, ...]) -> np.ndarray:
        """col[key, 0:10, :, 5]: numpy basic indexing of one sample, reading only the chunks
        the selection touches."""
    def read(self, key: Key, subkey: Key | None = None) -> np.ndarray: ...
    def read_into(self, key: Key, out: Any, subkey: Key | None = None) -> None:
        """Fill `out` (a numpy array, torch.Tensor or any writable buffer of the sample's
        dtype and shape, C-contiguous) with no intermediate copy."""
    def read_slice(self, key: Key, index: Any) -> np.ndarray: ...
    def get_batch(self, keys: Sequence[Key]) -> np.ndarray | list[np.ndarray]:
        """One stacked array [len(keys), *shape] (a list for variable-shape columns), read in
        C++ on both cores with the GIL released."""
    def is_local(self, key: Key, subkey: Key | None = None) -> bool: ...
    def prefetch(self, keys: Sequence[Key]) -> int:
        """Lazy reads: brings the missing chunks of `keys` in batched requests (GIL released);
        returns how many chunks were missing (0 when the repository does not fetch lazily)."""
    def subkeys(self, key: Key) -> list[Key]:
        """Nested columns: the subkeys of `key`."""
    # writes (columns of a WriteCheckout)
    def __setitem__(self, key: Key, value: npt.ArrayLike) -> None: ...
    def __delitem__(self, key: Key) -> None: ...
    def update(self, values: Mapping[Key, npt.ArrayLike] | Sequence[tuple[Key, npt.ArrayLike]]
               ) -> None: ...
    def put(self, key: Key, value: npt.ArrayLike, subkey: Key | None = None) -> None: ...
    def remove(self, key: Key, subkey: Key | None = None) -> None: ...
    def _get_batch_at(self, keys: KeyList, indices: npt.ArrayLike) -> np.ndarray | list[np.ndarray]: ...
    def _read_at(self, keys: KeyList, index: int) -> np.ndarray: ...
    def _prefetch_at(self, keys: KeyList, indices: npt.ArrayLike) -> int: ...
    def _checkout_identity(self) -> tuple[str, str | None]: ...

class KeyList:
    """Sample keys held in C++ (datasets index them without a Python object per key)."""

    def __init__(self, keys: Iterable[Key]) -> None: ...
    @staticmethod
    def of_columns(columns: Sequence[Column], local_only: bool = False) -> KeyList:
        """The keys of columns[0] that every column has, in key order; with local_only, only
        those whose data is local in every column."""
    def __len__(self) -> int: ...
    def __getitem__(self, index: int) -> Key: ...
    def to_list(self) -> list[Key]: ...
