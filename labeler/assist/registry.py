"""The user's models: ONNX files pinned by SHA-256 and HTTP endpoints, with their class maps.

Kept in one JSON file in a folder of the user's data directory; a model file is copied into the
folder under its hash (so moving or changing the original changes nothing), or with ``link``
referenced where it is and checked against its hash whenever it is loaded. Endpoints are kept by
URL; their keys never are (the keyring or ``LABELER_KEY`` hold them, as for sync).
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import hashlib
import json
import os
import re
import shutil
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from labeler.assist import errors, kinds

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
_CHUNK = 1 << 20


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def check_name(name: str) -> str:
    if not _NAME.match(name):
        raise errors.AssistError(
            f"model name {name!r}: use 1–64 letters, digits, '.', '_' or '-', starting with a "
            "letter or digit (it becomes part of /v1/models/NAME/predict)"
        )
    return name


@dataclasses.dataclass(frozen=True, slots=True)
class ModelFile:
    """One file of a model: where it is, its hash, and the size and time it was checked at."""

    path: str
    sha256: str
    size: int
    mtime_ns: int


@dataclasses.dataclass(frozen=True, slots=True)
class Entry:
    """A registered model.

    Attributes:
        name: the user's name for it.
        kind: its kind.
        sha256: its identity: the file's hash (a SAM pair: the hash of both hashes; an endpoint:
            of its URL). Suggestions and cached embeddings are keyed by it.
        files: ``{"model": ...}`` (and ``"decoder"`` for SAM); empty for an endpoint.
        linked: the files are referenced where they are instead of copied.
        names: the model's class names in index order (an endpoint's grow as it answers).
        imgsz: input height and width for a model whose input size is free.
        endpoint: the scoring URL of an endpoint.
        class_map: model class → project class name, or None to leave that class out.
        added_at: when it was registered (UTC, ISO 8601).
        source: where the files came from.
    """

    name: str
    kind: kinds.Kind
    sha256: str
    files: Mapping[str, ModelFile] = dataclasses.field(default_factory=dict)
    linked: bool = False
    names: tuple[str, ...] = ()
    imgsz: tuple[int, int] | None = None
    endpoint: str | None = None
    class_map: Mapping[str, str | None] = dataclasses.field(default_factory=dict)
    added_at: str = ""
    source: str = ""

    def to_json(self) -> dict[str, Any]:
        data = dataclasses.asdict(self)
        data["kind"] = self.kind.value
        data["names"] = list(self.names)
        data["imgsz"] = list(self.imgsz) if self.imgsz else None
        return data

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Entry:
        return cls(
            name=str(data["name"]),
            kind=kinds.Kind(data["kind"]),
            sha256=str(data["sha256"]),
            files={k: ModelFile(**v) for k, v in dict(data.get("files") or {}).items()},
            linked=bool(data.get("linked", False)),
            names=tuple(data.get("names") or ()),
            imgsz=(int(data["imgsz"][0]), int(data["imgsz"][1])) if data.get("imgsz") else None,
            endpoint=data.get("endpoint"),
            class_map=dict(data.get("class_map") or {}),
            added_at=str(data.get("added_at", "")),
            source=str(data.get("source", "")),
        )

    def path(self, role: str = "model") -> Path:
        return Path(self.files[role].path)


class Registry:
    """The registered models in ``root`` (``registry.json`` and the copied files)."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.file = root / "registry.json"

    # -- reading -------------------------------------------------------------------------------

    def entries(self) -> list[Entry]:
        return sorted(self._load().values(), key=lambda e: e.name.lower())

    def get(self, name: str) -> Entry:
        found = self._load().get(name)
        if found is None:
            known = ", ".join(sorted(self._load())) or "none yet; add one with `labeler models add`"
            raise errors.AssistError(f"no model named {name!r} (registered: {known})")
        return found

    def _load(self) -> dict[str, Entry]:
        try:
            raw = json.loads(self.file.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}
        except (OSError, ValueError) as exc:
            raise errors.AssistError(
                f"the model registry {self.file} cannot be read: {exc}"
            ) from None
        return {e["name"]: Entry.from_json(e) for e in raw.get("models", [])}

    def _save(self, entries: Mapping[str, Entry]) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        body = json.dumps(
            {"version": 1, "models": [entries[k].to_json() for k in sorted(entries)]}, indent=2
        )
        fd, tmp = tempfile.mkstemp(dir=self.root, prefix=".registry-", suffix=".json")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                fh.write(body)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, self.file)
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)
            raise

    # -- changing ------------------------------------------------------------------------------

    def add(
        self,
        name: str,
        kind: kinds.Kind,
        files: Mapping[str, Path],
        *,
        link: bool = False,
        names: Sequence[str] = (),
        imgsz: tuple[int, int] | None = None,
        replace: bool = False,
    ) -> Entry:
        """Register model files (copied under their hash unless ``link``).

        Raises:
            AssistError: the name is taken (unless ``replace``) or a file cannot be read.
        """
        check_name(name)
        entries = self._load()
        if name in entries and not replace:
            raise errors.AssistError(f"a model named {name!r} exists already; remove it first")
        kept: dict[str, ModelFile] = {}
        for role, src in files.items():
            src = Path(src).expanduser().resolve()
            if not src.is_file():
                raise errors.AssistError(f"no model file at {src}")
            digest = file_sha256(src)
            target = src if link else self.root / "files" / f"{digest}{src.suffix or '.onnx'}"
            if not link and not target.exists():
                target.parent.mkdir(parents=True, exist_ok=True)
                tmp = target.with_name(f".{target.name}.part")
                shutil.copyfile(src, tmp)
                os.replace(tmp, target)
            st = target.stat()
            kept[role] = ModelFile(str(target), digest, st.st_size, st.st_mtime_ns)
        identity = (
            kept["model"].sha256
            if len(kept) == 1
            else hashlib.sha256("".join(kept[r].sha256 for r in sorted(kept)).encode()).hexdigest()
        )
        entry = Entry(
            name=name, kind=kind, sha256=identity, files=kept, linked=link, names=tuple(names),
            imgsz=imgsz, added_at=_now(), source=", ".join(str(Path(p)) for p in files.values()),
        )  # fmt: skip
        entries[name] = entry
        self._save(entries)
        return entry

    def add_endpoint(self, name: str, url: str, *, replace: bool = False) -> Entry:
        check_name(name)
        if not re.match(r"^https?://", url):
            raise errors.AssistError(f"endpoint {url!r} is not an http:// or https:// URL")
        entries = self._load()
        if name in entries and not replace:
            raise errors.AssistError(f"a model named {name!r} exists already; remove it first")
        entry = Entry(
            name=name, kind=kinds.Kind.ENDPOINT, sha256=hashlib.sha256(url.encode()).hexdigest(),
            endpoint=url, added_at=_now(), source=url,
        )  # fmt: skip
        entries[name] = entry
        self._save(entries)
        return entry

    def remove(self, name: str) -> Entry:
        """Forget a model; a copied file no other model uses is deleted."""
        entries = self._load()
        entry = self.get(name)
        del entries[name]
        self._save(entries)
        if not entry.linked:
            used = {f.path for e in entries.values() for f in e.files.values()}
            for f in entry.files.values():
                if f.path not in used:
                    with contextlib.suppress(FileNotFoundError):
                        os.unlink(f.path)
        return entry

    def update(self, name: str, **changes: Any) -> Entry:
        """Change fields of an entry (class map, names learnt from an endpoint)."""
        entries = self._load()
        entry = dataclasses.replace(self.get(name), **changes)
        entries[name] = entry
        self._save(entries)
        return entry

    def set_classes(self, name: str, mapping: Mapping[str, str | None]) -> Entry:
        """Remember model class → project class answers (merged with those kept before)."""
        entry = self.get(name)
        return self.update(name, class_map={**entry.class_map, **mapping})

    # -- checking ------------------------------------------------------------------------------

    def verify(self, entry: Entry) -> None:
        """Check the files are still the ones registered (re-hashed when size or time changed).

        Raises:
            AssistError: a file is gone or its bytes changed since it was registered.
        """
        for role, f in entry.files.items():
            try:
                st = os.stat(f.path)
            except FileNotFoundError:
                raise errors.AssistError(
                    f"model {entry.name!r}: its {role} file {f.path} is gone; add the model again"
                ) from None
            if (st.st_size, st.st_mtime_ns) == (f.size, f.mtime_ns):
                continue
            if file_sha256(Path(f.path)) != f.sha256:
                raise errors.AssistError(
                    f"model {entry.name!r}: {f.path} changed since it was registered (SHA-256 "
                    f"{f.sha256[:12]}…); add it again under a new name to use the new file"
                )


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
