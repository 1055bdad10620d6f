"""``labeler serve``: help, and a one-line reason when it cannot start."""

from __future__ import annotations

from pathlib import Path

import pytest

from labeler.server import cli


def test_help_exits_zero(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["serve", "--help"]) == 0
    out = capsys.readouterr().out
    assert "--gateway" in out and "--blobs" in out


def _serve(capsys: pytest.CaptureFixture[str], db: str, *options: str) -> tuple[int, str]:
    """``labeler serve`` on ``db`` and any free port: its exit code and what it said on stderr."""
    code = cli.main(["serve", "--db", db, "--port", "0", *options])
    return code, capsys.readouterr().err


def test_an_unusable_database_is_one_line_and_nonzero(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    code, err = _serve(capsys, f"sqlite:///{blocker}/sub/s.db", "--gateway", "off")
    assert code != 0
    assert err.startswith("labeler serve: error: cannot start:")
    assert len(err.strip().splitlines()) == 1


def test_an_unknown_subcommand_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["nonsense"]) == 2
    assert "invalid choice" in capsys.readouterr().err


def test_a_bug_at_start_is_reported_as_a_bug_not_as_the_users_mistake(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from labeler.server import app as app_mod

    def broken(settings: object) -> object:
        raise KeyError("routes")

    monkeypatch.setattr(app_mod, "create_app", broken)
    code, err = _serve(capsys, f"sqlite:///{tmp_path}/s.db")
    assert code == 70
    assert err.startswith("labeler serve: labeler hit a bug (KeyError: 'routes')")


def test_a_settings_mistake_is_the_users_to_fix(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "gateway.toml"
    bad.write_text("[limits]\nrate = 'many'\n")
    code, err = _serve(capsys, f"sqlite:///{tmp_path}/s.db", "--gateway-config", str(bad))
    assert code == 1 and err.startswith("labeler serve: error: cannot start:")
    assert str(bad) in err


def test_keys_and_apim_refusals_are_one_line_with_exit_code_1(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = f"sqlite:///{tmp_path}/keys.db"
    assert cli.main(["keys", "revoke", "no-such-id", "--db", db]) == 1
    assert (
        capsys.readouterr().err.strip() == "labeler keys: error: no subscription with id no-such-id"
    )
    assert cli.main(["keys", "create", "--name", "   ", "--role", "annotator", "--db", db]) == 1
    assert capsys.readouterr().err.strip() == "labeler keys: error: a subscription needs a name"
    broken = tmp_path / "openapi.json"
    broken.write_text("{not json")
    code = cli.main(["apim", "connector", "--out", str(tmp_path / "c"), "--openapi", str(broken)])
    err = capsys.readouterr().err
    assert code == 1 and err.startswith("labeler apim: error:")
    assert len(err.strip().splitlines()) == 1
