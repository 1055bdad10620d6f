"""The user's models: registering them, mapping their classes to a project's, loading them.

Models live in the user's data directory (``models/``; see :mod:`labeler.assist.registry`).
An endpoint is called through the sync client — the same subscription key lookup (``--key``,
``LABELER_KEY``, the keyring entry for its URL), Entra ID tokens, timeouts and retries as sync.
"""

from __future__ import annotations

import dataclasses
import functools
import threading
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from labeler import paths
from labeler.assist import errors, kinds, registry
from labeler.domain import schema as schema_mod
from labeler.services import project as project_mod
from labeler.services import schema as schema_svc

if TYPE_CHECKING:
    from labeler.assist import endpoint, loading, prompts
    from labeler.sync.wire import client as client_mod
    from labeler.sync.wire import entra, retry

# What runs a model (numpy, OpenCV, onnxruntime) is imported when a model is registered or
# loaded, and the sync client (requests, pydantic) only for endpoint models: the app lists models
# and maps their classes on opening a project, which must not pay for either.

AssistError = errors.AssistError
Kind = kinds.Kind
Entry = registry.Entry


def models_dir() -> Path:
    return paths.data_dir() / "models"


def registry_() -> registry.Registry:
    return registry.Registry(models_dir())


def list_models() -> list[Entry]:
    return registry_().entries()


def get_model(name: str) -> Entry:
    return registry_().get(name)


def add_model(
    name: str,
    file: Path,
    *,
    kind: Kind | None = None,
    decoder: Path | None = None,
    labels: Path | None = None,
    names: Sequence[str] | None = None,
    link: bool = False,
) -> tuple[Entry, str]:
    """Register an ONNX model file; returns the entry and how its kind was told.

    AutoML models need their ``labels.json``: given, or found next to the model file. A SAM pair
    is the encoder (``file``) and its ``decoder``.

    Raises:
        AssistError: the file is not a model labeler runs, its kind cannot be told, or the name
            is taken.
    """
    from labeler.assist import recognise, runtime

    file = Path(file).expanduser()
    if decoder is not None or kind is Kind.SAM:
        if decoder is None:
            raise AssistError("a SAM model is two files: give the decoder with --decoder")
        encoder_session = runtime.Session(file, 1)
        decoder_session = runtime.Session(Path(decoder).expanduser(), 1)
        from labeler.assist import sam

        sam.SamSegmenter(encoder_session, decoder_session)  # checks the pair fits together
        entry = registry_().add(
            name, Kind.SAM, {"model": file, "decoder": Path(decoder)}, link=link
        )
        return entry, "a SAM image encoder and prompt decoder"
    if labels is None and (file.parent / "labels.json").is_file() and not names:
        labels = file.parent / "labels.json"
    given = list(names or ()) or (list(recognise.read_labels(labels)) if labels else None)
    found = recognise.recognise(runtime.Session(file, 1), kind, given)
    entry = registry_().add(
        name, found.kind, {"model": file}, link=link, names=found.names, imgsz=found.imgsz
    )
    return entry, found.how


def add_endpoint(name: str, url: str, key: str | None = None) -> tuple[Entry, str]:
    """Register an HTTP endpoint with the AutoML scoring contract; ``key`` goes to the keyring
    (never the registry). Returns the entry and where the key went."""
    entry = registry_().add_endpoint(name, url)
    where = "no key given"
    if key:
        from labeler.services import sync as sync_svc

        where = sync_svc.store_key(url, key).why
    return entry, where


def remove_model(name: str) -> Entry:
    return registry_().remove(name)


# -- class mapping ------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True, slots=True)
class ClassPlan:
    """How a model's classes land in a project.

    Attributes:
        mapped: model class → project class id, for the classes known so far.
        ignored: model classes left out on purpose.
        unknown: model classes nobody has decided about yet (no project class of that name).
        by_name: project class ids by folded name, for classes an endpoint names only as it
            answers (they map by name like the others).
    """

    mapped: Mapping[str, str]
    ignored: frozenset[str]
    unknown: tuple[str, ...]
    by_name: Mapping[str, str] = dataclasses.field(default_factory=dict)

    def class_for(self, label: str) -> str | None:
        """The project class of a model class; None when it is left out or unknown."""
        if label in self.mapped:
            return self.mapped[label]
        if label in self.ignored:
            return None
        return self.by_name.get(label.casefold())


def plan_classes(
    schema: schema_mod.LabelSchema, entry: Entry, labels: Sequence[str] | None = None
) -> ClassPlan:
    """Map the model's classes by name: the answers kept for the model first, then a project class
    of the same name (letter case aside)."""
    by_name = {c.name: c.id for c in schema.classes}
    by_folded = {c.name.casefold(): c.id for c in schema.classes}
    mapped: dict[str, str] = {}
    ignored: set[str] = set()
    unknown: list[str] = []
    for label in labels if labels is not None else entry.names:
        if label in entry.class_map:
            target = entry.class_map[label]
            if target is None:
                ignored.add(label)
                continue
            class_id = by_name.get(target) or by_folded.get(target.casefold())
            if class_id is not None:
                mapped[label] = class_id
                continue
        class_id = by_name.get(label) or by_folded.get(label.casefold())
        if class_id is not None:
            mapped[label] = class_id
        elif label not in unknown:
            unknown.append(label)
    ignored |= {k for k, v in entry.class_map.items() if v is None}
    return ClassPlan(mapped, frozenset(ignored), tuple(unknown), by_folded)


def remember_classes(name: str, answers: Mapping[str, str | None]) -> Entry:
    """Keep the user's answers (model class → project class name, None to leave it out)."""
    return registry_().set_classes(name, answers)


def create_classes(project: project_mod.Project, names: Sequence[str]) -> None:
    """Add project classes for model classes the project lacks."""
    have = {c.name.casefold() for c in schema_svc.get_schema(project).classes}
    for name in names:
        if name.casefold() not in have:
            schema_svc.add_class(project, name)
            have.add(name.casefold())


# -- loading ------------------------------------------------------------------------------------


def endpoint_transport(
    url: str,
    key: str | None = None,
    token_source: entra.TokenSource | None = None,
    policy: retry.RetryPolicy | None = None,
    sleep: Callable[[float], None] | None = None,
    timeout: float = 60.0,
) -> endpoint.Transport:
    """How to post to a scoring endpoint: the sync client's key, token and error handling,
    under sync's retry rules (429 waits, 5xx backs off, 401/403/404 stop with the reason)."""
    from labeler.services import sync as sync_svc
    from labeler.sync.wire import client as client_mod
    from labeler.sync.wire import retry

    client = client_mod.SyncClient(
        url, key=sync_svc.find_key(url, key), timeout=timeout, token_source=token_source
    )
    return _Transport(url, client, retry.Retrier(url, policy or retry.RetryPolicy(), sleep=sleep))


class _Transport:
    """Posts to one endpoint under the retry rules; ``close`` ends its connections."""

    def __init__(self, url: str, client: client_mod.SyncClient, retrier: retry.Retrier) -> None:
        self.url = url
        self.client = client
        self.retrier = retrier

    def __call__(self, body: bytes) -> bytes:
        return self.retrier.call(lambda: self.client.post_json(self.url, body))

    def close(self) -> None:
        self.client.close()


def close_detector(detector: loading.Detector) -> None:
    """Let go of what a detector holds open (an endpoint's connections)."""
    transport = getattr(detector, "transport", None)
    close = getattr(transport, "close", None)
    if callable(close):
        close()


_detectors: dict[tuple[str, int | None], loading.Detector] = {}


def cached_detector(name: str, *, threads: int | None = None) -> tuple[Entry, loading.Detector]:
    """A registered model ready to pre-label, loaded once per process (the app's)."""
    entry = get_model(name)
    with _lock:
        found = _detectors.get((entry.sha256, threads))
        if found is None:
            found = open_detector(entry, threads=threads)
            _detectors[(entry.sha256, threads)] = found
    return entry, found


def open_detector(
    entry: Entry,
    *,
    threads: int | None = None,
    key: str | None = None,
    token_source: entra.TokenSource | None = None,
) -> loading.Detector:
    """A registered model ready to pre-label (its files checked against their hashes first)."""
    from labeler.assist import loading

    if entry.kind is Kind.ENDPOINT:
        assert entry.endpoint is not None
        transport = endpoint_transport(entry.endpoint, key, token_source)
        return loading.open_detector(entry, transport=transport)
    registry_().verify(entry)
    return loading.open_detector(entry, threads=threads)


_segmenters: dict[tuple[str, int | None], prompts.Segmenter] = {}
_lock = threading.Lock()


def open_segmenter(
    name: str | None, *, threads: int | None = None
) -> tuple[str, prompts.Segmenter]:
    """The click-to-segment model ``name``, or the classical segmenter when ``name`` is None.

    Returns its identity (the model's hash, ``classical`` for the built-in one) and the model;
    loaded models are kept for the process (loading a SAM encoder takes seconds).
    """
    from labeler.assist import loading

    if name is None:
        return "classical", _classical()
    entry = get_model(name)
    with _lock:
        found = _segmenters.get((entry.sha256, threads))
        if found is None:
            registry_().verify(entry)
            found = loading.open_segmenter(entry, threads=threads)
            _segmenters[(entry.sha256, threads)] = found
    return entry.sha256, found


@functools.cache
def _classical() -> prompts.Segmenter:
    from labeler.assist import classical

    return classical.ClassicalSegmenter()


def segment_models() -> list[Entry]:
    return [e for e in list_models() if e.kind is Kind.SAM]


def detect_models() -> list[Entry]:
    return [e for e in list_models() if e.kind.detects]
