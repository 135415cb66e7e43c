"""Repository: init/open, refs and branches, and the reports (log, diff, show, status, summary,
merge) against the CLI's --json documents for the same repository state."""
from __future__ import annotations

import os
import pathlib
import shutil

import numpy as np
import pytest

import hangar
from conftest import Cli, SmallRepo, copy_repo, init_repo, make_small_repo, run_cli, save_npy


def _put(c: Cli, column: str, key, values, dtype=np.uint8) -> None:
    f = save_npy(c.cwd / ".put.npy", np.array(values, dtype=dtype))
    c("put", column, key, f)
    f.unlink()


# ---------------------------------------------------------------------------------------------
# init / open
# ---------------------------------------------------------------------------------------------

def test_version_is_a_string_matching_the_cli():
    assert isinstance(hangar.__version__, str) and hangar.__version__
    out = run_cli("--version").out
    assert hangar.__version__ in out


def test_init_creates_a_repository_the_cli_opens(tmp_path):
    repo = hangar.init(tmp_path / "r", user="Ada", email="ada@example.org")
    assert isinstance(repo, hangar.Repository)
    assert pathlib.Path(repo.path) == (tmp_path / "r").resolve()
    assert repo.head is None
    assert repo.current_branch == "main"
    assert repo.branches == {}
    status = run_cli("status", "--json", cwd=tmp_path / "r").json()
    assert status["branch"] == "main" and status["head"] is None
    # the identity given to init is the one the CLI's commits carry
    c = Cli(tmp_path / "r")
    c("column", "create", "v", "--dtype", "uint8", "--shape", "2")
    _put(c, "v", 0, [1, 2])
    c("commit", "-m", "first")
    entry = c.json("log")[0]
    assert (entry["author"], entry["email"]) == ("Ada", "ada@example.org")
    repo.close()


def test_init_accepts_pathlike_and_defaults_to_cwd(tmp_path, monkeypatch):
    (tmp_path / "here").mkdir()
    monkeypatch.chdir(tmp_path / "here")
    with hangar.init(user="A", email="a@example.org") as repo:
        assert pathlib.Path(repo.path) == (tmp_path / "here").resolve()
    assert (tmp_path / "here" / ".hangar").is_dir()


def test_init_twice_raises_already_exists_with_cli_message(tmp_path):
    init_repo(tmp_path / "r")
    with pytest.raises(hangar.AlreadyExists) as e:
        hangar.init(tmp_path / "r", user="A", email="a@example.org")
    msg = Cli(tmp_path).fails("init", tmp_path / "r", "--user-name", "A", "--user-email", "a@b.c")
    assert str(e.value) == msg
    assert isinstance(e.value, ValueError) and isinstance(e.value, hangar.HangarError)


def test_open_from_a_subfolder_finds_the_root(small_repo):
    sub = small_repo.path / "a" / "b"
    sub.mkdir(parents=True)
    with hangar.Repository(sub) as repo:
        assert pathlib.Path(repo.path) == small_repo.path.resolve()
        assert repo.head == small_repo.commit
    with hangar.Repository(str(sub)) as repo:  # str as well as PathLike
        assert repo.head == small_repo.commit


def test_open_default_is_cwd(small_repo, monkeypatch):
    monkeypatch.chdir(small_repo.path)
    with hangar.Repository() as repo:
        assert repo.head == small_repo.commit


def test_open_outside_a_repository_raises_not_found_like_the_cli(tmp_path):
    (tmp_path / "empty").mkdir()
    with pytest.raises(hangar.NotFound) as e:
        hangar.Repository(tmp_path / "empty")
    assert isinstance(e.value, KeyError)
    assert str(e.value) == Cli(tmp_path / "empty").fails_py("status")


# ---------------------------------------------------------------------------------------------
# refs
# ---------------------------------------------------------------------------------------------

def test_head_branches_and_current_branch_follow_the_cli(small_repo):
    c = small_repo.cli
    c("branch", "create", "zeta")
    c("branch", "create", "alpha")
    _put(c, "v", 9, [9, 9])
    c("commit", "-m", "second")
    with hangar.Repository(small_repo.path) as repo:
        listed = c.json("branch", "list")
        assert repo.branches == {b["name"]: b["commit"] for b in listed}
        assert list(repo.branches) == sorted(repo.branches)
        assert repo.head == c.json("log")[0]["digest"] != small_repo.commit
        assert repo.current_branch == "main"
        c("checkout", "alpha")
        # the properties read the repository as it is now, not as it was when opened
        assert repo.current_branch == "alpha"
        assert repo.head == small_repo.commit


def test_resolve_forms(small_repo):
    c = small_repo.cli
    _put(c, "v", 7, [7, 7])
    second = c.json("commit", "-m", "second")["commit"]
    with hangar.Repository(small_repo.path) as repo:
        assert repo.resolve() == second
        assert repo.resolve("HEAD") == second
        assert repo.resolve("main") == second
        assert repo.resolve("HEAD~1") == small_repo.commit
        assert repo.resolve("main^") == small_repo.commit
        assert repo.resolve(second[:6]) == second
        assert repo.resolve(second[:10].upper()) == second
        assert repo.resolve(small_repo.commit) == small_repo.commit


@pytest.mark.parametrize("rev, error", [
    ("nope", hangar.NotFound),
    ("HEAD~2", hangar.NotFound),        # past the first commit
    ("HEAD^2", hangar.NotFound),        # a parent that does not exist
    ("HEAD~x", hangar.InvalidArgument),
    ("~1", hangar.InvalidArgument),
    ("000000", hangar.NotFound),        # a hex prefix no commit has
])
def test_resolve_errors_match_the_cli(small_repo, rev, error):
    with hangar.Repository(small_repo.path) as repo:
        with pytest.raises(error) as e:
            repo.resolve(rev)
    assert str(e.value) == small_repo.cli.fails_py("log", rev)


def test_resolve_on_an_unborn_branch_is_not_found(repo_dir):
    with hangar.Repository(repo_dir) as repo:
        with pytest.raises(hangar.NotFound) as e:
            repo.resolve("HEAD")
    assert str(e.value) == Cli(repo_dir).fails_py("log", "HEAD")


def test_create_and_delete_branch(small_repo):
    c = small_repo.cli
    _put(c, "v", 7, [7, 7])
    second = c.json("commit", "-m", "second")["commit"]
    with hangar.Repository(small_repo.path) as repo:
        assert repo.create_branch("dev") == second
        assert repo.create_branch("old", "HEAD~1") == small_repo.commit
        assert repo.create_branch("old2", start=small_repo.commit[:8]) == small_repo.commit
        listed = {b["name"]: b["commit"] for b in c.json("branch", "list")}
        assert listed == {"main": second, "dev": second, "old": small_repo.commit,
                          "old2": small_repo.commit}
        assert repo.delete_branch("old2") == small_repo.commit
        assert "old2" not in repo.branches
        assert "old2" not in {b["name"] for b in c.json("branch", "list")}


def test_delete_branch_refusals_match_the_cli(small_repo):
    c = small_repo.cli
    c("branch", "create", "topic")
    c("checkout", "topic")
    _put(c, "v", 7, [7, 7])
    topic = c.json("commit", "-m", "topic only")["commit"]
    c("checkout", "main")
    with hangar.Repository(small_repo.path) as repo:
        # unmerged work: refused without force, with the CLI's words
        with pytest.raises(hangar.InvalidArgument) as e:
            repo.delete_branch("topic")
        assert str(e.value) == c.fails_py("branch", "delete", "topic")
        # the current branch
        with pytest.raises(hangar.InvalidArgument) as e:
            repo.delete_branch("main")
        assert str(e.value) == c.fails_py("branch", "delete", "main")
        with pytest.raises(hangar.NotFound) as e:
            repo.delete_branch("nope")
        assert str(e.value) == c.fails_py("branch", "delete", "nope")
        assert repo.delete_branch("topic", force=True) == topic
        assert "topic" not in repo.branches


def test_create_branch_errors_match_the_cli(small_repo):
    c = small_repo.cli
    with hangar.Repository(small_repo.path) as repo:
        repo.create_branch("dev")
        with pytest.raises(hangar.AlreadyExists) as e:
            repo.create_branch("dev")
        assert str(e.value) == c.fails_py("branch", "create", "dev")
        with pytest.raises(hangar.InvalidArgument) as e:
            repo.create_branch("bad..name")
        assert str(e.value) == c.fails_py("branch", "create", "bad..name")
        with pytest.raises(hangar.NotFound) as e:
            repo.create_branch("x", "nope")
        assert str(e.value) == c.fails_py("branch", "create", "x", "nope")
        assert "x" not in repo.branches


# ---------------------------------------------------------------------------------------------
# reports: log / diff / show / status / summary against the CLI's --json
# ---------------------------------------------------------------------------------------------

def make_history(path: pathlib.Path):
    """base <- edit (main) and base <- side (dev), plus staged work on main."""
    s = make_small_repo(path)
    c = s.cli
    c("branch", "create", "dev")
    _put(c, "v", 1, [100, 101])
    _put(c, "v", 5, [5, 5])
    c("rm", "v", 2)
    c("column", "create", "w", "--dtype", "float32", "--shape", "3")
    _put(c, "w", "a/b", [1.5, 2.5, 3.5], np.float32)
    edit = c.json("commit", "-m", "edit")["commit"]
    c("checkout", "dev")
    _put(c, "v", 8, [8, 8])
    side = c.json("commit", "-m", "side")["commit"]
    c("checkout", "main")
    _put(c, "v", 3, [33, 34])
    _put(c, "v", 6, [6, 6])
    c("rm", "v", 4)
    return s, edit, side


@pytest.fixture
def history(tmp_path, templates):
    s, edit, side = templates.get("history", make_history)
    path = copy_repo(s.path, tmp_path / "hist")
    return SmallRepo(path, Cli(path), s.commit, s.values), edit, side


def test_log_equals_cli(history):
    s, edit, side = history
    c = s.cli
    with hangar.Repository(s.path) as repo:
        assert repo.log() == c.json("log")
        assert repo.log("HEAD") == c.json("log", "HEAD")
        assert repo.log("dev") == c.json("log", "dev")
        assert repo.log(n=1) == c.json("log", "-n", "1")
        assert repo.log("HEAD~1") == c.json("log", "HEAD~1")
        log = repo.log()
        assert [e["digest"] for e in log] == [edit, s.commit]
        assert log[0]["parents"] == [s.commit] and log[0]["message"] == "edit"


def test_log_unknown_ref_is_not_found(history):
    s, _, _ = history
    with hangar.Repository(s.path) as repo:
        with pytest.raises(hangar.NotFound) as e:
            repo.log("nope")
    assert str(e.value) == s.cli.fails_py("log", "nope")


def test_diff_equals_cli(history):
    s, edit, side = history
    c = s.cli
    with hangar.Repository(s.path) as repo:
        staged = repo.diff()
        assert staged == c.json("diff")
        assert staged["columns"]["v"] == {"counts": {"added": 1, "deleted": 1, "mutated": 1},
                                          "added": [6], "deleted": [4], "mutated": [3]}
        assert repo.diff(s.commit) == c.json("diff", s.commit)
        assert repo.diff(s.commit, edit) == c.json("diff", s.commit, edit)
        assert repo.diff("dev", "main") == c.json("diff", "dev", "main")
        assert repo.diff("HEAD~1", "HEAD") == c.json("diff", "HEAD~1", "HEAD")
        for detail, flag in (("stat", "--stat"), ("summary", "--summary"), ("keys", None)):
            extra = [flag] if flag else []
            assert repo.diff(detail=detail) == c.json("diff", *extra)
            assert repo.diff(s.commit, edit, detail=detail) == c.json("diff", s.commit, edit,
                                                                      *extra)
        assert repo.diff(s.commit, edit, detail="summary")["columns"]["v"] == {
            "counts": {"added": 1, "deleted": 1, "mutated": 1}}


def test_diff_errors(history):
    s, _, _ = history
    with hangar.Repository(s.path) as repo:
        with pytest.raises(hangar.NotFound) as e:
            repo.diff("nope")
        assert str(e.value) == s.cli.fails_py("diff", "nope")
        with pytest.raises((ValueError, TypeError)):
            repo.diff(detail="everything")


def test_show_equals_cli(history):
    s, edit, side = history
    c = s.cli
    with hangar.Repository(s.path) as repo:
        assert repo.show() == c.json("show", "HEAD")
        assert repo.show(edit) == c.json("show", edit)
        assert repo.show("dev") == c.json("show", "dev")
        assert repo.show(s.commit) == c.json("show", s.commit)
        assert repo.show(edit)["columns"]["v"] == {"added": 1, "deleted": 1, "mutated": 1}
        with pytest.raises(hangar.NotFound) as e:
            repo.show("nope")
        assert str(e.value) == c.fails_py("show", "nope")


def test_status_equals_cli(history):
    s, _, _ = history
    c = s.cli
    with hangar.Repository(s.path) as repo:
        st = repo.status()
        assert st == c.json("status")
        assert st["staged"]["v"] == {"added": 1, "deleted": 1, "mutated": 1}
        c("reset")
        assert repo.status() == c.json("status")
        assert repo.status()["staged"] == {}


def test_status_on_an_unborn_branch(repo_dir):
    c = Cli(repo_dir)
    c("column", "create", "v", "--dtype", "uint8", "--shape", "2")
    with hangar.Repository(repo_dir) as repo:
        st = repo.status()
        assert st == c.json("status")
        assert st["head"] is None and st["columns_added"] == ["v"]


def test_summary_equals_cli(history):
    s, edit, _ = history
    c = s.cli
    with hangar.Repository(s.path) as repo:
        assert repo.summary() == c.json("summary")
        assert repo.summary("HEAD") == c.json("summary", "HEAD")
        assert repo.summary(s.commit) == c.json("summary", s.commit)
        assert repo.summary("dev") == c.json("summary", "dev")
        staged = {col["name"]: col for col in repo.summary()["columns"]}
        at_head = {col["name"]: col for col in repo.summary("HEAD")["columns"]}
        assert staged["v"]["count"] == at_head["v"]["count"] == 5  # +6 -4
        with pytest.raises(hangar.NotFound) as e:
            repo.summary("nope")
        assert str(e.value) == c.fails_py("summary", "nope")


def test_summary_of_a_partial_clone_counts_local_samples_like_the_cli(partial_clone):
    with hangar.Repository(partial_clone.path) as repo:
        doc = repo.summary("HEAD")
        assert doc == partial_clone.cli.json("summary", "HEAD")
        assert repo.summary() == partial_clone.cli.json("summary")
    images = next(c for c in doc["columns"] if c["name"] == "images")
    assert images["count"] == 20 and 0 < images["local_count"] < 20


# ---------------------------------------------------------------------------------------------
# merge
# ---------------------------------------------------------------------------------------------

def test_merge_fast_forward_and_up_to_date_equal_cli(small_repo, tmp_path):
    c = small_repo.cli
    c("branch", "create", "ff")
    c("checkout", "ff")
    _put(c, "v", 6, [6, 6])
    ff = c.json("commit", "-m", "ff")["commit"]
    c("checkout", "main")
    twin = tmp_path / "twin"
    shutil.copytree(small_repo.path, twin)
    with hangar.Repository(small_repo.path) as repo:
        res = repo.merge("ff")
        assert res == Cli(twin).json("merge", "ff")
        assert res == {"result": "fast-forward", "commit": ff, "conflicts": [], "resolved": []}
        assert repo.head == ff
        again = repo.merge("ff")
        assert again == Cli(twin).json("merge", "ff")
        assert again["result"] == "up-to-date"


def test_merge_three_way_matches_cli(small_repo, tmp_path):
    c = small_repo.cli
    c("branch", "create", "dev")
    _put(c, "v", 7, [7, 7])
    main_commit = c.json("commit", "-m", "main work")["commit"]
    c("checkout", "dev")
    _put(c, "v", 8, [8, 8])
    dev_commit = c.json("commit", "-m", "dev work")["commit"]
    c("checkout", "main")
    twin = tmp_path / "twin"
    shutil.copytree(small_repo.path, twin)
    with hangar.Repository(small_repo.path) as repo:
        res = repo.merge("dev", message="merge dev")
        cli_res = Cli(twin).json("merge", "dev", "-m", "merge dev")
        # the merge commits differ only by their time, so compare everything else
        assert {k: v for k, v in res.items() if k != "commit"} == \
            {k: v for k, v in cli_res.items() if k != "commit"}
        assert res["result"] == "merged"
        log = c.json("log")
        assert res["commit"] == repo.head == log[0]["digest"]
        assert log[0]["parents"] == [main_commit, dev_commit]
        assert log[0]["message"] == "merge dev"
        assert repo.log() == log
        assert repo.diff("HEAD~1", "HEAD")["columns"]["v"]["added"] == [8]


def make_conflict(small_repo):
    c = small_repo.cli
    c("branch", "create", "topic")
    _put(c, "v", 1, [50, 50])
    _put(c, "v", 3, [60, 60])
    c("commit", "-m", "ours")
    c("checkout", "topic")
    _put(c, "v", 1, [70, 70])
    c("rm", "v", 3)
    c("commit", "-m", "theirs")
    c("checkout", "main")


def test_merge_conflict_raises_conflict_with_the_cli_report(small_repo, tmp_path):
    make_conflict(small_repo)
    c = small_repo.cli
    res = c("merge", "topic", "--json", check=False)
    assert res.rc == 1
    expected = res.json()
    before = (c.json("log"), c.json("status"), c.json("summary"))
    with hangar.Repository(small_repo.path) as repo:
        head = repo.head
        with pytest.raises(hangar.Conflict) as e:
            repo.merge("topic")
        assert e.value.report == expected
        assert e.value.conflicts == expected["conflicts"] == [
            {"column": "v", "key": 1, "kind": "both-modified"},
            {"column": "v", "key": 3, "kind": "modified-deleted"}]
        assert isinstance(e.value, hangar.HangarError)
        assert repo.head == head
    assert (c.json("log"), c.json("status"), c.json("summary")) == before  # nothing written


@pytest.mark.parametrize("strategy", ["ours", "theirs"])
def test_merge_strategy_resolves_like_the_cli(small_repo, tmp_path, strategy):
    make_conflict(small_repo)
    twin = tmp_path / "twin"
    shutil.copytree(small_repo.path, twin)
    with hangar.Repository(small_repo.path) as repo:
        res = repo.merge("topic", strategy=strategy)
    cli_res = Cli(twin).json("merge", "topic", "--strategy", strategy)
    assert {k: v for k, v in res.items() if k != "commit"} == \
        {k: v for k, v in cli_res.items() if k != "commit"}
    assert res["result"] == "merged" and res["resolved"]
    got = small_repo.cli.get_array("v", 1, ref="HEAD")
    assert got.tolist() == ([50, 50] if strategy == "ours" else [70, 70])


def test_merge_errors(small_repo):
    c = small_repo.cli
    with hangar.Repository(small_repo.path) as repo:
        with pytest.raises(hangar.NotFound) as e:
            repo.merge("nope")
        assert str(e.value) == c.fails_py("merge", "nope")
        c("branch", "create", "dev")
        _put(c, "v", 9, [9, 9])  # staged work refuses a merge
        with pytest.raises(hangar.InvalidArgument) as e:
            repo.merge("dev")
        # The CLI's message, with this API's calls for what to do about the staged work.
        cli_msg = c.fails("merge", "dev")
        assert cli_msg.endswith("; commit them or run 'hangar reset'")
        assert str(e.value) == cli_msg.removesuffix("; commit them or run 'hangar reset'") + (
            "; commit them with WriteCheckout.commit() or drop them with WriteCheckout.reset()")
        assert e.value.hint == {"action": "commit_or_reset"}
        with pytest.raises((ValueError, TypeError)):
            repo.merge("dev", strategy="mine")


def test_repository_context_manager_and_close(small_repo):
    repo = hangar.Repository(small_repo.path)
    with repo as r:
        assert r is repo
    repo.close()  # closing twice is harmless
    with hangar.Repository(os.fspath(small_repo.path)) as again:
        assert again.head == small_repo.commit
