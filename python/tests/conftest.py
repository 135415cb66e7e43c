"""Shared fixtures of the Python API tests.

Every test makes its own data under pytest's tmp_path with the `hangar` CLI (HANGAR_CLI, default
build/cli/hangar) and numpy, and compares what the Python API returns with what the CLI says
for the same repository: `--json` documents, `get -o x.npy` files, `hangar: error:` lines.

Run:  PYTHONPATH=build/python /usr/bin/python3 -m pytest python/tests
"""
from __future__ import annotations

import io
import json
import os
import pathlib
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pytest

HERE = pathlib.Path(__file__).resolve().parent
SOURCE_ROOT = HERE.parent.parent
HANGAR = os.environ.get("HANGAR_CLI", str(SOURCE_ROOT / "build" / "cli" / "hangar"))

# Every dtype hangar stores (dtype.h), by numpy name.
ALL_DTYPES = ["bool", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64",
              "float16", "float32", "float64"]


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "slow: takes more than 30 s")


# ---------------------------------------------------------------------------------------------
# The CLI
# ---------------------------------------------------------------------------------------------

def cli_env() -> dict[str, str]:
    env = dict(os.environ)
    env["USER"] = "tester"
    env.pop("HANGAR_TOKEN", None)
    env.pop("HANGAR_FAILPOINT", None)
    return env


class CliFailed(AssertionError):
    pass


@dataclass
class CliResult:
    args: list[str]
    rc: int
    out: str
    err: str

    def json(self) -> Any:
        return json.loads(self.out)

    @property
    def message(self) -> str:
        """The text after 'hangar: error: ' of a failed command (one stderr line)."""
        lines = self.err.splitlines()
        assert len(lines) == 1, f"expected one stderr line from {self.args}, got {self.err!r}"
        assert lines[0].startswith("hangar: error: "), lines[0]
        return lines[0][len("hangar: error: "):]


def run_cli(*args: Any, cwd: Any = None, check: bool = True, timeout: float = 120) -> CliResult:
    argv = [HANGAR, *(str(a) for a in args)]
    p = subprocess.run(argv, cwd=cwd, env=cli_env(), stdin=subprocess.DEVNULL,
                       capture_output=True, text=True, timeout=timeout)
    res = CliResult(argv, p.returncode, p.stdout, p.stderr)
    if check and p.returncode != 0:
        raise CliFailed(f"{' '.join(argv)} (cwd {cwd}) exited {p.returncode}:\n{p.stderr}")
    return res


# The hints the Python binding words in its own calls (python/src/errors.cc), as the CLI words
# them: a message of the CLI with one of these ends with the Python hint instead.
PYTHON_HINTS = [
    ("; run 'hangar init' or pass -C DIR",
     "; create one with hangar.init(PATH), or open the folder that holds one"),
    ("; run 'hangar init'", "; create it with hangar.init(PATH)"),
    ("; see 'hangar column list'", "; see Checkout.columns"),
    ("; see 'hangar branch list'", "; see Repository.branches"),
    ("; see 'hangar branch list --all', 'hangar tag' and 'hangar log'",
     "; see Repository.branches, Repository.log() and 'hangar tag'"),
]


def python_message(cli_message: str) -> str:
    """What the Python binding says for an error the CLI reports as `cli_message`."""
    for cli_hint, py_hint in PYTHON_HINTS:
        if cli_message.endswith(cli_hint):
            return cli_message.removesuffix(cli_hint) + py_hint
    m = re.fullmatch(r"(.*); see 'hangar log ([^-].*)'", cli_message, flags=re.S)
    if m:
        return f"{m[1]}; see Repository.log('{m[2]}')"
    return cli_message


class Cli:
    """`hangar` bound to a working directory: cli("put", "v", 0, "a.npy")."""

    def __init__(self, cwd: pathlib.Path | None = None) -> None:
        self.cwd = cwd

    def __call__(self, *args: Any, check: bool = True) -> CliResult:
        return run_cli(*args, cwd=self.cwd, check=check)

    def at(self, path: Any) -> "Cli":
        return Cli(pathlib.Path(path))

    def json(self, *args: Any) -> Any:
        return run_cli(*args, "--json", cwd=self.cwd).json()

    def fails(self, *args: Any, code: int = 3) -> str:
        """Runs a command that must fail with exit `code`; returns its error message."""
        res = run_cli(*args, cwd=self.cwd, check=False)
        assert res.rc == code, f"{res.args} exited {res.rc}, expected {code}: {res.err}"
        return res.message

    def fails_py(self, *args: Any, code: int = 3) -> str:
        """fails(), as the Python binding words the same error (python_message)."""
        return python_message(self.fails(*args, code=code))

    def get_npy(self, column: str, key: Any, *, ref: str | None = None,
                subkey: Any = None, slice_: str | None = None,
                tmp: pathlib.Path | None = None) -> bytes:
        """The bytes of `hangar get COLUMN KEY -o x.npy`."""
        out = (tmp or self.cwd) / f".get-{os.getpid()}.npy"
        args: list[Any] = ["get", column, key, "-o", out]
        if ref is not None:
            args += ["--ref", ref]
        if subkey is not None:
            args += ["--subkey", subkey]
        if slice_ is not None:
            args += ["--slice", slice_]
        self(*args)
        data = out.read_bytes()
        out.unlink()
        return data

    def get_array(self, column: str, key: Any, **kw: Any) -> np.ndarray:
        return np.load(io.BytesIO(self.get_npy(column, key, **kw)), allow_pickle=False)


def npy_bytes(a: np.ndarray) -> bytes:
    """What np.save writes: the CLI writes .npy files byte-identical to numpy's."""
    buf = io.BytesIO()
    np.save(buf, a, allow_pickle=False)
    return buf.getvalue()


def save_npy(path: pathlib.Path, a: np.ndarray) -> pathlib.Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    np.save(path, a, allow_pickle=False)
    return path


@pytest.fixture(scope="session", autouse=True)
def _cli_exists() -> None:
    if not os.access(HANGAR, os.X_OK):
        pytest.exit(f"the hangar CLI is missing: {HANGAR} (set HANGAR_CLI)", returncode=4)


@pytest.fixture
def cli() -> Cli:
    return Cli()


# ---------------------------------------------------------------------------------------------
# Repositories
# ---------------------------------------------------------------------------------------------

def init_repo(path: pathlib.Path) -> Cli:
    run_cli("init", path, "--user-name", "Tester", "--user-email", "t@example.org")
    return Cli(path)


def copy_repo(src: pathlib.Path, dst: pathlib.Path) -> pathlib.Path:
    """A copy of a repository no process has open (LMDB lock files are re-created)."""
    shutil.copytree(src, dst, ignore=shutil.ignore_patterns("lock.mdb"))
    return dst


class Templates:
    """Repositories built once per session and copied for each test that changes one: the
    CLI calls that build them cost more than the tests."""

    def __init__(self, root: pathlib.Path) -> None:
        self.root = root
        self.built: dict[str, Any] = {}

    def get(self, name: str, build: Any) -> Any:
        if name not in self.built:
            self.built[name] = build(self.root / name)
        return self.built[name]


@pytest.fixture(scope="session")
def templates(tmp_path_factory: pytest.TempPathFactory) -> Templates:
    return Templates(tmp_path_factory.mktemp("templates"))


@pytest.fixture
def repo_dir(tmp_path: pathlib.Path, templates: Templates) -> pathlib.Path:
    """An empty repository (no commit) made by the CLI."""
    src = templates.get("empty", lambda p: (init_repo(p), p)[1])
    return copy_repo(src, tmp_path / "repo")


@dataclass
class SmallRepo:
    """Column v: uint8 (2,), keys 0..4 with v[k] = [k, 2k]; one commit on main."""

    path: pathlib.Path
    cli: Cli
    commit: str
    values: dict[int, np.ndarray] = field(default_factory=dict)


def make_small_repo(path: pathlib.Path) -> SmallRepo:
    c = init_repo(path)
    c("column", "create", "v", "--dtype", "uint8", "--shape", "2")
    values = {}
    for k in range(5):
        values[k] = np.array([k, 2 * k], dtype=np.uint8)
        save_npy(path / f"{k}.npy", values[k])
        c("put", "v", k, f"{k}.npy")
        (path / f"{k}.npy").unlink()
    commit = c.json("commit", "-m", "base")["commit"]
    return SmallRepo(path, c, commit, values)


@pytest.fixture
def small_repo(tmp_path: pathlib.Path, templates: Templates) -> SmallRepo:
    t = templates.get("small", make_small_repo)
    path = copy_repo(t.path, tmp_path / "small")
    return SmallRepo(path, Cli(path), t.commit, {k: v.copy() for k, v in t.values.items()})


def random_array(rng: np.random.Generator, dtype: str, shape: tuple[int, ...]) -> np.ndarray:
    """Values over the whole range of `dtype`, extremes included (NaN, inf, -0.0 for floats)."""
    dt = np.dtype(dtype)
    if dt == np.bool_:
        a = rng.integers(0, 2, size=shape).astype(np.bool_)
    elif dt.kind in "iu":
        info = np.iinfo(dt)
        a = rng.integers(info.min, info.max, size=shape, dtype=dt, endpoint=True)
        flat = a.reshape(-1)
        if flat.size >= 2:
            flat[0], flat[-1] = info.min, info.max
    else:
        a = (rng.standard_normal(size=shape) * 1000).astype(dt)
        flat = a.reshape(-1)
        specials = [np.nan, np.inf, -np.inf, -0.0, np.finfo(dt).max, np.finfo(dt).tiny]
        for i, v in enumerate(specials[: flat.size]):
            flat[i] = v
    return np.array(a, dtype=dt, order="C")


@dataclass
class DtypeRepo:
    """Per dtype D: column `a_D` shape (3, 4) and column `s_D` 0-d, keys "k0" "k1" "k2" (imported
    from k0.npy ...); column `var`
    float32 variable shape max (5, 6) keys 0..3; string keys in `named` (int16 (2,))."""

    path: pathlib.Path
    cli: Cli
    commit: str
    data: dict[str, dict[Any, np.ndarray]]


@pytest.fixture(scope="session")
def dtype_repo(tmp_path_factory: pytest.TempPathFactory) -> DtypeRepo:
    root = tmp_path_factory.mktemp("dtypes")
    path = root / "repo"
    c = init_repo(path)
    rng = np.random.default_rng(1234)
    data: dict[str, dict[Any, np.ndarray]] = {}
    for dt in ALL_DTYPES:
        for prefix, shape in (("a", (3, 4)), ("s", ())):
            name = f"{prefix}_{dt}"
            folder = root / name
            data[name] = {}
            for k in ("k0", "k1", "k2"):
                a = random_array(rng, dt, shape)
                data[name][k] = a
                save_npy(folder / f"{k}.npy", a)
            # import creates the column from the first file (dtype and shape of the .npy)
            c("import", name, folder)
    c("column", "create", "var", "--dtype", "float32", "--shape", "5,6", "--variable-shape")
    data["var"] = {}
    for k, shape in enumerate([(1, 1), (5, 6), (3, 2), (4, 6)]):
        a = rng.standard_normal(size=shape).astype(np.float32)
        data["var"][k] = a
        c("put", "var", k, save_npy(root / "var.npy", a))
    c("column", "create", "named", "--dtype", "int16", "--shape", "2")
    data["named"] = {}
    for k in ["b", "a/x", "a/y", "17x", 3]:
        a = rng.integers(-1000, 1000, size=(2,)).astype(np.int16)
        data["named"][k] = a
        c("put", "named", k, save_npy(root / "n.npy", a))
    commit = c.json("commit", "-m", "all dtypes")["commit"]
    return DtypeRepo(path, c, commit, data)


@dataclass
class LargeRepo:
    """`big`: float32 (1200, 1200) key 0; `cube`: float32 (160, 160, 50) key 0. Both > 4 MiB,
    so stored as several chunks."""

    path: pathlib.Path
    cli: Cli
    commit: str
    big: np.ndarray
    cube: np.ndarray


@pytest.fixture(scope="session")
def large_repo(tmp_path_factory: pytest.TempPathFactory) -> LargeRepo:
    root = tmp_path_factory.mktemp("large")
    path = root / "repo"
    c = init_repo(path)
    rng = np.random.default_rng(7)
    big = rng.standard_normal((1200, 1200)).astype(np.float32)
    cube = rng.standard_normal((160, 160, 50)).astype(np.float32)
    c("column", "create", "big", "--dtype", "float32", "--shape", "1200,1200")
    c("column", "create", "cube", "--dtype", "float32", "--shape", "160,160,50")
    c("put", "big", 0, save_npy(root / "big.npy", big))
    c("put", "cube", 0, save_npy(root / "cube.npy", cube))
    commit = c.json("commit", "-m", "large")["commit"]
    return LargeRepo(path, c, commit, big, cube)


# ---------------------------------------------------------------------------------------------
# Labelled image folders (class sub-folders of PNGs) and repositories imported from them
# ---------------------------------------------------------------------------------------------

CLASS_COLOURS = {"blue": (30, 60, 220), "green": (40, 200, 60), "red": (220, 40, 40)}


def make_image_folder(dest: pathlib.Path, classes: dict[str, tuple[int, int, int]],
                      per_class: int, size: int, seed: int = 0,
                      scratch: pathlib.Path | None = None) -> dict[str, np.ndarray]:
    """dest/<class>/<nnn>.png: size x size RGB images, the class colour plus noise. PNGs are
    written by hangar itself (.npy files -> import -> export --format png). Returns the pixels
    by key ("<class>/<nnn>")."""
    rng = np.random.default_rng(seed)
    scratch = scratch or dest.parent / f".scratch-{dest.name}"
    npys = scratch / "npy"
    pixels: dict[str, np.ndarray] = {}
    for cls, colour in classes.items():
        for i in range(per_class):
            noise = rng.integers(-40, 41, size=(size, size, 3))
            img = np.clip(np.array(colour)[None, None, :] + noise, 0, 255).astype(np.uint8)
            key = f"{cls}/{i:03d}"
            pixels[key] = img
            save_npy(npys / cls / f"{i:03d}.npy", img)
    c = init_repo(scratch / "repo")
    c("import", "img", npys, "--recursive")
    c("export", "img", dest, "--format", "png")
    shutil.rmtree(scratch)
    return pixels


@dataclass
class ImageRepo:
    """`images` uint8 (S, S, 3) and `labels` int64 () imported from class folders."""

    path: pathlib.Path
    cli: Cli
    commit: str
    pixels: dict[str, np.ndarray]
    classes: list[str]

    @property
    def keys(self) -> list[str]:
        return sorted(self.pixels)

    def label_of(self, key: str) -> int:
        return self.classes.index(key.split("/")[0])


def make_image_repo(root: pathlib.Path, per_class: int = 8, size: int = 8,
                    seed: int = 0) -> ImageRepo:
    folder = root / "pngs"
    pixels = make_image_folder(folder, CLASS_COLOURS, per_class, size, seed)
    path = root / "repo"
    c = init_repo(path)
    rep = c.json("import", "images", folder, "--labels", "labels")
    commit = c.json("commit", "-m", "import")["commit"]
    return ImageRepo(path, c, commit, pixels, rep["classes"])


@pytest.fixture(scope="session")
def image_repo(tmp_path_factory: pytest.TempPathFactory) -> ImageRepo:
    """3 classes x 8 images of 8x8; read-only for the tests (session-scoped)."""
    return make_image_repo(tmp_path_factory.mktemp("images"))


@dataclass
class IdRepo:
    """Columns `x` float32 (4,) with x[k] = [k, k+.25, k+.5, k+.75] and `y` int64 () with
    y[k] = k, keys 0..n-1: a loader's output names the keys it read."""

    path: pathlib.Path
    cli: Cli
    commit: str
    n: int


def make_id_repo(path: pathlib.Path, n: int = 24) -> IdRepo:
    import hangar

    init_repo(path)
    with hangar.Repository(path) as repo:
        with repo.checkout(write=True) as co:
            x = co.create_column("x", dtype=np.float32, shape=(4,))
            y = co.create_column("y", dtype=np.int64, shape=())
            for k in range(n):
                x[k] = np.arange(4, dtype=np.float32) * 0.25 + k
                y[k] = np.array(k, dtype=np.int64)
            commit = co.commit("ids")
    return IdRepo(path, Cli(path), commit, n)


@pytest.fixture(scope="session")
def id_repo(tmp_path_factory: pytest.TempPathFactory) -> IdRepo:
    return make_id_repo(tmp_path_factory.mktemp("ids") / "repo")


# ---------------------------------------------------------------------------------------------
# A partial clone
# ---------------------------------------------------------------------------------------------

@dataclass
class PartialClone:
    source: pathlib.Path
    path: pathlib.Path
    cli: Cli
    commit: str
    data: dict[int, np.ndarray]


@pytest.fixture(scope="session")
def partial_clone(tmp_path_factory: pytest.TempPathFactory) -> PartialClone:
    """A source with `images` uint8 (32, 32, 3) (random, so incompressible: 3072 B each) and
    `labels` int64 (), keys 0..19; cloned with --max-bytes 10K: only a few samples are local."""
    root = tmp_path_factory.mktemp("partial")
    src = root / "src"
    c = init_repo(src)
    rng = np.random.default_rng(3)
    c("column", "create", "images", "--dtype", "uint8", "--shape", "32,32,3")
    c("column", "create", "labels", "--dtype", "int64", "--shape", "scalar")
    data = {}
    for k in range(20):
        data[k] = rng.integers(0, 256, size=(32, 32, 3), dtype=np.uint8)
        c("put", "images", k, save_npy(root / "i.npy", data[k]))
        c("put", "labels", k, save_npy(root / "l.npy", np.array(k % 3, dtype=np.int64)))
    commit = c.json("commit", "-m", "src")["commit"]
    dst = root / "part"
    run_cli("clone", src, dst, "--max-bytes", "10K")
    return PartialClone(src, dst, Cli(dst), commit, data)


# ---------------------------------------------------------------------------------------------
# Running Python snippets in a fresh interpreter (crashes stay out of the test process)
# ---------------------------------------------------------------------------------------------

def run_python(code: str, *args: Any, timeout: float = 120, cwd: Any = None,
               python: str = sys.executable, env: dict[str, str] | None = None
               ) -> subprocess.CompletedProcess:
    return subprocess.run([python, "-c", code, *(str(a) for a in args)], capture_output=True,
                          text=True, timeout=timeout, cwd=cwd,
                          env=env if env is not None else cli_env())
