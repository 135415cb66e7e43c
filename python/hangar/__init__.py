"""hangar: version control for numeric tensor datasets, from Python.

    import hangar
    repo = hangar.Repository("data")            # any folder inside a repository
    co = repo.checkout("main~1")                 # a read-only view of one commit
    image = co["images"]["cat/00017"]            # numpy.ndarray
    with repo.checkout(write=True) as w:         # the staging area; holds the writer lock
        w["images"]["cat/00018"] = image
        w.commit("Add a cat")

PyTorch: ``hangar.torch.Dataset``; plain NumPy batches: ``hangar.numpy_batches``.
Errors: ``hangar.errors`` (all subclass ``hangar.HangarError``).
"""
import importlib as _importlib
from collections.abc import Mapping as _Mapping
from typing import Any as _Any

from ._hangar import Checkout, Column, KeyList, Repository, WriteCheckout, __version__, init
from .batches import numpy_batches
from .errors import (AlreadyExists, Ambiguous, Conflict, Corrupt, HangarError, Internal,
                     Interrupted, InvalidArgument, Io, Locked, NoSpace, NotFound, NotLocal,
                     RemoteError, Unsupported)

_Mapping.register(Column)

__all__ = [
    "init", "Repository", "Checkout", "WriteCheckout", "Column", "KeyList", "numpy_batches",
    "make_torch_dataset", "HangarError", "AlreadyExists", "Ambiguous", "Conflict", "Corrupt",
    "Internal", "Interrupted", "InvalidArgument", "Io", "Locked", "NoSpace", "NotFound",
    "NotLocal", "RemoteError", "Unsupported", "__version__",
]


def __getattr__(name: str) -> _Any:
    # hangar.torch imports torch (about a second): only when asked for.
    if name == "torch":
        return _importlib.import_module("hangar.torch")
    if name == "make_torch_dataset":
        return _importlib.import_module("hangar.torch").make_torch_dataset
    raise AttributeError(f"module 'hangar' has no attribute '{name}'")
