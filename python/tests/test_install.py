"""`pip install` of python/ works offline into a venv of Debian's Python, and the installed
package imports and works from another folder."""
from __future__ import annotations

import os
import pathlib
import subprocess
import textwrap

from conftest import HANGAR, SOURCE_ROOT

SYSTEM_PYTHON = "/usr/bin/python3"

def build_dir() -> pathlib.Path:
    """HANGAR_CMAKE_BUILD_DIR, else the CMake build folder holding HANGAR_CLI, else build/."""
    if "HANGAR_CMAKE_BUILD_DIR" in os.environ:
        return pathlib.Path(os.environ["HANGAR_CMAKE_BUILD_DIR"])
    of_cli = pathlib.Path(HANGAR).resolve().parent.parent
    return of_cli if (of_cli / "CMakeCache.txt").exists() else SOURCE_ROOT / "build"


SMOKE = textwrap.dedent("""
    import pathlib, sys, tempfile
    import numpy as np
    import hangar, hangar.torch
    print(hangar.__file__)
    d = pathlib.Path(tempfile.mkdtemp())
    repo = hangar.init(d / "r", user="pip", email="pip@example.org")
    with repo.checkout(write=True) as co:
        co.create_column("x", dtype=np.int16, shape=(2,))
        co["x"][0] = np.array([3, -4], np.int16)
        co.commit("installed")
    with repo.checkout() as co:
        assert co["x"][0].tolist() == [3, -4]
    assert hangar.torch.Dataset(d / "r", columns=("x",))[0].tolist() == [3, -4]
    print("ok", hangar.__version__)
""")


def test_pip_install_offline_into_a_venv(tmp_path):
    """About 10 s with an up-to-date build folder: setup.py runs `cmake --build DIR --target
    _hangar` in HANGAR_CMAKE_BUILD_DIR (default: the folder of HANGAR_CLI's build), so run the
    suite when nobody else is building there, or point HANGAR_CMAKE_BUILD_DIR elsewhere."""
    setup_py = SOURCE_ROOT / "python" / "setup.py"
    assert setup_py.is_file(), "python/setup.py is missing"
    venv = tmp_path / "venv"
    subprocess.run([SYSTEM_PYTHON, "-m", "venv", "--system-site-packages", str(venv)],
                   check=True, capture_output=True)
    env = {k: v for k, v in os.environ.items()
           if k not in ("PYTHONPATH", "PIP_FIND_LINKS", "PIP_INDEX_URL", "PIP_EXTRA_INDEX_URL")}
    env["HANGAR_CMAKE_BUILD_DIR"] = str(build_dir())
    env["PIP_NO_INDEX"] = "1"
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    # setup.py builds from its parent folder (the C++ tree): install the work tree's python/,
    # with the documented command (Debian's pip, offline)
    p = subprocess.run([str(venv / "bin" / "pip"), "install", "--no-index",
                        str(SOURCE_ROOT / "python")],
                       env=env, capture_output=True, text=True, timeout=900, cwd=tmp_path)
    assert p.returncode == 0, p.stdout[-3000:] + p.stderr[-3000:]
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    r = subprocess.run([str(venv / "bin" / "python"), "-c", SMOKE], env=env, cwd=elsewhere,
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr[-3000:]
    installed_at = pathlib.Path(r.stdout.splitlines()[0])
    assert venv in installed_at.parents, installed_at  # the venv's copy, not the build tree
    assert r.stdout.splitlines()[-1].startswith("ok ")
