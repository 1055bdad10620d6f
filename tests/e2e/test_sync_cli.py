"""``labeler link``, ``labeler sync`` and ``labeler conflicts`` as a user types them."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import keyring
import pytest
from keyring.backend import KeyringBackend
from keyring.backends import fail
from keyring.compat import properties

from labeler import cli
from labeler.cli import sync as cli_sync
from labeler.sync.wire import retry
from tests.e2e.conftest import Service, Workstation, WorkstationFactory


class MemoryKeyring(KeyringBackend):
    """A keyring that works (this machine has none): what a desktop's keyring does."""

    @properties.classproperty
    def priority(cls) -> float:
        # Never chosen on its own (keyring registers every backend class): tests install it.
        raise RuntimeError("installed by tests only")

    def __init__(self) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self.secrets: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.secrets.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.secrets[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        self.secrets.pop((service, username), None)


@pytest.fixture
def memory_keyring() -> Iterator[MemoryKeyring]:
    before = keyring.get_keyring()
    ring = MemoryKeyring()
    keyring.set_keyring(ring)
    yield ring
    keyring.set_keyring(before)


@pytest.fixture
def no_keyring() -> Iterator[None]:
    """A machine without a usable keyring (a server, a container)."""
    before = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())  # type: ignore[no-untyped-call]
    yield
    keyring.set_keyring(before)


@pytest.fixture(autouse=True)
def _no_waiting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(retry, "_pause", lambda seconds: None)
    monkeypatch.delenv("LABELER_KEY", raising=False)


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def _project_bytes(ws: Workstation) -> bytes:
    path = ws.project.path
    return b"".join(
        p.read_bytes() for p in (path, path.with_name(path.name + "-wal")) if p.exists()
    )


@pytest.mark.usefixtures("no_keyring")
def test_link_without_a_keyring_says_so_and_never_stores_the_key(
    workstation: WorkstationFactory, capsys: pytest.CaptureFixture[str]
) -> None:
    ana = workstation("ana")
    ana.draw(0, "cat", 1.0)
    code, out, err = _run(
        capsys, "link", str(ana.project.path), "--remote", ana.service.url,
        "--project", "team", "--key", ana.key,
    )  # fmt: skip
    assert code == 0, err
    assert "no usable keyring" in out and "LABELER_KEY" in out
    assert "published team" in out and "pushed 2" in out
    assert "classes created on the server" in out and "matched" not in out
    assert ana.key.encode() not in _project_bytes(ana)
    # Without the key (no keyring, no LABELER_KEY) the next sync is refused: one line, exit 1.
    code, out, err = _run(capsys, "sync", str(ana.project.path), "--once")
    assert code == 1 and err.count("\n") == 1 and "401" in err and "request id" in err


def test_a_key_in_the_keyring_or_the_environment_is_used(
    workstation: WorkstationFactory,
    capsys: pytest.CaptureFixture[str],
    memory_keyring: MemoryKeyring,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    ana, ben = workstation("ana"), workstation("ben")
    code, out, _ = _run(
        capsys, "link", str(ana.project.path), "--remote", ana.service.url,
        "--project", "team", "--key", ana.key,
    )  # fmt: skip
    assert code == 0 and "stored in the keyring" in out
    assert memory_keyring.secrets == {("labeler", ana.service.url): ana.key}
    ana.draw(1, "dog", 2.0)
    code, out, _ = _run(capsys, "sync", str(ana.project.path), "--once", "--json")
    assert code == 0 and json.loads(out)["pushed"] == 2

    memory_keyring.secrets.clear()
    monkeypatch.setenv("LABELER_KEY", ben.key)
    code, out, _ = _run(
        capsys, "link", str(ben.project.path), "--remote", ben.service.url, "--project", "team",
        "--json",
    )  # fmt: skip
    joined = json.loads(out)
    assert code == 0 and joined["published"] is False and joined["sync"]["pulled"] >= 2
    assert ana.key.encode() not in _project_bytes(ana)


def test_conflicts_are_listed_and_resolved_from_the_command_line(
    workstation: WorkstationFactory,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    ana, ben = workstation("ana"), workstation("ben")
    ana.link()
    ben.link()
    box = ana.draw(3, "cat", 10.0)
    ana.sync()
    ben.sync()
    ana.move(box, 20.0)
    ben.move(box, 30.0)
    ana.sync()
    monkeypatch.setenv("LABELER_KEY", ben.key)
    code, out, _ = _run(capsys, "sync", str(ben.project.path), "--once")
    assert code == 0 and "open conflicts 1" in out
    code, out, _ = _run(capsys, "conflicts", str(ben.project.path))
    assert "img_0003.jpg" in out and "'x': 30.0" in out and "'x': 20.0" in out and "ana" in out
    conflict_id = out.split()[0]
    code, out, _ = _run(capsys, "conflicts", str(ben.project.path), "resolve", conflict_id, "mine")
    assert code == 0 and "resolved" in out
    code, out, _ = _run(capsys, "conflicts", str(ben.project.path), "--json")
    assert json.loads(out) == {"conflicts": []}
    _run(capsys, "sync", str(ben.project.path), "--once")
    ana.sync()
    assert ana.labels()[box][2]["x"] == 30.0
    code, _, err = _run(capsys, "conflicts", str(ben.project.path), "resolve", "nope", "mine")
    assert code == 1 and "no open conflict" in err


def test_sync_keeps_going_while_the_service_is_away_and_resumes(
    workstation: WorkstationFactory,
    service: Service,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    ana, ben = workstation("ana"), workstation("ben")
    ana.link()
    ben.link()
    monkeypatch.setenv("LABELER_KEY", ana.key)
    rounds: list[float] = []
    boxes: list[str] = []

    def between_rounds(seconds: float) -> None:
        rounds.append(seconds)
        if len(rounds) == 1:
            service.stop()
            boxes.append(ana.draw(4, "dog", 5.0))  # labeled while the service is down
        elif len(rounds) == 2:
            service.restart()
        else:
            raise KeyboardInterrupt  # the user presses Ctrl+C

    monkeypatch.setattr(cli_sync, "_pause", between_rounds)
    code, out, err = _run(capsys, "sync", str(ana.project.path), "--interval", "1")
    assert code == 130 and len(rounds) == 3
    assert "offline" in err and rounds[1] > rounds[0]  # waited longer while offline
    assert "pushed 2" in out  # the box and its image's status, once the service was back
    ben.sync()
    assert boxes[0] in ben.labels()


def test_an_image_folder_can_join_a_team_directly(
    workstation: WorkstationFactory,
    shared_images: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    ana = workstation("ana")
    ana.draw(1, "cat", 6.0)
    ana.link()
    folder = tmp_path / "my-photos"
    shutil.copytree(shared_images, folder)
    monkeypatch.setenv("LABELER_KEY", ana.service.key("dee"))
    code, out, err = _run(
        capsys, "link", str(folder), "--remote", ana.service.url, "--project", "team", "--json"
    )
    assert code == 0, err
    joined = json.loads(out)
    assert joined["published"] is False and joined["missing_here"] == []
    assert joined["sync"]["pulled"] >= 3  # two classes, the box, the image's status
    code, out, _ = _run(capsys, "sync", str(folder), "--once", "--json")
    assert code == 0 and json.loads(out)["pulled"] == 0
    code, out, _ = _run(capsys, "stats", str(folder), "--json")
    stats = json.loads(out)
    # The folder's own project now holds ana's box (the only label of the team).
    assert stats["annotations"] == 1 and stats["per_class"] == {"cat": 1, "dog": 0}
