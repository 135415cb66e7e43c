"""Storage format 1 (decision 0015): opening a repository of format 1 (the checked-in
fixture a format-1 hangar made) raises hangar.Unsupported with the CLI's message naming
'hangar upgrade', for reads and writes alike; once `hangar upgrade` converted it, it opens and
every sample reads as format 1 held it."""
from __future__ import annotations

import hashlib
import io
import pathlib
import tarfile

import numpy as np
import pytest

import hangar
from conftest import SOURCE_ROOT, run_cli

FIXTURES = SOURCE_ROOT / "tests" / "fixtures" / "format1"


def unpack(tmp_path: pathlib.Path, name: str) -> pathlib.Path:
    with tarfile.open(FIXTURES / f"{name}.tar.gz") as tar:
        tar.extractall(tmp_path)
    return tmp_path / name


def expected_hashes() -> dict[str, str]:
    """'BRANCH/COLUMN/KEY.npy' -> sha256 of that .npy as format 1 exported it."""
    out = {}
    for line in (FIXTURES / "expected.sha256").read_text().splitlines():
        digest, path = line.split()
        out[path[2:]] = digest
    return out


def npy_sha256(array: np.ndarray) -> str:
    buf = io.BytesIO()
    np.save(buf, array)
    return hashlib.sha256(buf.getvalue()).hexdigest()


def test_a_format1_repository_raises_unsupported_naming_upgrade(tmp_path):
    root = unpack(tmp_path, "repo")
    message = (f"repository '{root}' is storage format 1; this hangar reads format 2: run "
               "'hangar upgrade' (it keeps the old data until the new is verified)")
    with pytest.raises(hangar.Unsupported) as e:
        hangar.Repository(root)
    assert e.value.message == message
    assert e.value.code == "unsupported"
    assert isinstance(e.value, RuntimeError)
    with pytest.raises(hangar.Unsupported) as e:
        hangar.Repository(root / "sub-folder-that-does-not-exist" / "..")
    assert e.value.message == message
    assert run_cli("log", cwd=root, check=False).message == message


def test_the_upgraded_repository_opens_with_every_sample_as_format1_held_it(tmp_path):
    root = unpack(tmp_path, "repo")
    report = run_cli("upgrade", root, "--json").json()
    assert report["from_format"] == 1 and report["verified"]
    expected = expected_hashes()
    got = {}
    with hangar.Repository(root) as repo:
        assert repo.head == report["refs"]["refs/heads/main"]
        for branch in ("main", "dev", "old"):
            with repo.checkout(branch) as co:
                for name in co.columns:
                    column = co[name]
                    for key in column.keys():
                        if column.nested:
                            for sub in column.subkeys(key):
                                got[f"{branch}/{name}/{key}/{sub}.npy"] = npy_sha256(
                                    column.read(key, sub))
                        else:
                            got[f"{branch}/{name}/{key}.npy"] = npy_sha256(column[key])
    assert got == expected
