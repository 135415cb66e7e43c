"""The one exception hierarchy of the Python API.

Every error of libhangar arrives as a subclass of HangarError carrying its message (what went
wrong, where, what to do) and its code. What to do is also data: ``hint`` is None or a dict
``{"action": ..., args}`` (libhangar's HintAction, e.g. ``{"action": "fetch_sample", "remote":
"origin", "revision": "HEAD", "keys": ["2"]}``); the message says it with this API's calls where
it has them (``Repository.set_config``, ``WriteCheckout.reset``), else with the ``hangar`` command. Each class also subclasses the builtin a
Python user would catch for it, so ``except KeyError`` sees a missing sample and ``except
OSError`` a corrupt or unreadable file.
"""
from __future__ import annotations

from typing import Any


class HangarError(Exception):
    """Base of every hangar error. ``code`` is libhangar's error code ("not-found", ...)."""

    code = "error"
    # What would help, as data (set by the extension module): None or {"action": name, ...}.
    hint: dict[str, Any] | None = None

    def __init__(self, message: str, *args: Any) -> None:
        super().__init__(message, *args)
        self.message = message

    def __str__(self) -> str:  # KeyError would show repr(message)
        return self.message


class InvalidArgument(HangarError, ValueError):
    """Bad input: a schema mismatch, a bad key, name or revision, a file that is not an image."""

    code = "invalid-argument"


class NotFound(HangarError, KeyError):
    """No such sample, column, branch, commit or remote."""

    code = "not-found"


class NotLocal(HangarError, LookupError):
    """The sample exists but its data was not fetched (a partial clone); the message names the
    ``hangar fetch-data`` command that brings it, ``hint`` its remote, revision and keys."""

    code = "not-local"


class AlreadyExists(HangarError, ValueError):
    """A branch, column, remote or repository of that name exists already."""

    code = "already-exists"


class Ambiguous(HangarError, ValueError):
    """A digest prefix that matches several commits."""

    code = "ambiguous"


class Locked(HangarError, BlockingIOError):
    """Another writer holds the repository: another process, or a second write checkout of
    this process (calls such as create_branch or merge share an open write checkout's lock)."""

    code = "locked"


class Corrupt(HangarError, OSError):
    """Stored or received bytes fail validation."""

    code = "corrupt"


class Io(HangarError, OSError):
    """An operating-system error; the message includes its text."""

    code = "io"


class NoSpace(Io):
    """The disk (or a memory map) is full."""

    code = "no-space"


class RemoteError(HangarError, ConnectionError):
    """A server refused, a stream broke, or authentication failed."""

    code = "remote"


class Unsupported(HangarError, RuntimeError):
    """A repository, chunk or protocol of a newer hangar."""

    code = "unsupported"


class Interrupted(HangarError, RuntimeError):
    """The operation was interrupted and undone."""

    code = "interrupted"


class Internal(HangarError, RuntimeError):
    """A bug in hangar: a broken invariant. Please report it with the message."""

    code = "internal"


class Conflict(HangarError):
    """A merge stopped on conflicts; nothing was written.

    ``report`` is the ``hangar merge --json`` document, ``conflicts`` its list of
    ``{"column", "key", "kind"}`` entries.
    """

    code = "conflict"

    def __init__(self, message: str, report: dict[str, Any]) -> None:
        super().__init__(message, report)
        self.report = report
        self.conflicts: list[dict[str, Any]] = report.get("conflicts", [])


# libhangar's error codes (error_code_name) -> class; used by the extension module.
BY_CODE: dict[str, type[HangarError]] = {
    cls.code: cls
    for cls in (InvalidArgument, NotFound, NotLocal, AlreadyExists, Ambiguous, Locked, Corrupt,
                Io, NoSpace, RemoteError, Unsupported, Interrupted, Internal)
}

__all__ = ["HangarError", "Conflict", *(cls.__name__ for cls in BY_CODE.values())]
