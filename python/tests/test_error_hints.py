"""HangarError.hint: what would help, as data (docs/decisions/0022-error-hints.md); the message
says it too, with this API's calls where the CLI's command would be the wrong advice."""
from __future__ import annotations

import pytest

import hangar


def test_a_sample_not_local_hints_fetch_data_with_remote_revision_and_key(partial_clone):
    with hangar.Repository(partial_clone.path) as repo, repo.checkout() as co:
        col = co["images"]
        k = next(k for k in col.keys() if not col.is_local(k))
        with pytest.raises(hangar.NotLocal) as e:
            col[k]
    hint = e.value.hint
    assert hint is not None
    assert set(hint) == {"action", "remote", "revision", "keys"}, hint
    assert hint["action"] == "fetch_sample"
    assert hint["remote"] == "origin"
    assert partial_clone.commit.startswith(hint["revision"])
    assert hint["keys"] == [str(k)]
    # no Python call fetches data: the message names the command, as the CLI does
    assert f"'hangar fetch-data origin {hint['revision']} --keys {k}'" in str(e.value)


def test_a_remote_config_key_hints_the_remote_commands(repo_dir):
    with hangar.Repository(repo_dir) as repo:
        with pytest.raises(hangar.InvalidArgument) as e:
            repo.set_config("remote.origin.url", "http://x")
    assert e.value.hint == {"action": "managed_by_remote", "name": "remote.origin.url"}
    assert "managed by 'hangar remote'" in str(e.value)


def test_staged_work_and_an_empty_commit_hint_python_calls(small_repo):
    with hangar.Repository(small_repo.path) as repo:
        repo.create_branch("dev")
        with repo.checkout(write=True) as co:
            with pytest.raises(hangar.InvalidArgument) as e:
                co.commit("nothing staged")
            assert e.value.hint == {"action": "stage"}
            assert "Column.put()" in str(e.value) and "'hangar " not in str(e.value)
            co["v"][7] = [7, 14]
        with pytest.raises(hangar.InvalidArgument) as e:
            repo.merge("dev")
    assert e.value.hint == {"action": "commit_or_reset"}
    assert "WriteCheckout.reset()" in str(e.value) and "'hangar " not in str(e.value)


def test_an_error_without_advice_has_no_hint(small_repo):
    with hangar.Repository(small_repo.path) as repo, repo.checkout() as co:
        with pytest.raises(hangar.NotFound) as e:
            co["v"][99]
    assert e.value.hint is None
