"""Telling which kind a model file is, from its metadata and its tensor layout.

Ultralytics writes ``task`` (detect, segment, ...), ``names`` (a Python dict literal such as
``{0: 'person', 1: 'bicycle'}``, read with :func:`ast.literal_eval`, never evaluated), ``imgsz``
and ``stride`` into its ONNX exports; YOLOv5's own export writes ``names`` and ``stride``. AutoML's
models carry no metadata but name their outputs ``boxes_0``, ``labels_0``, ``scores_0`` (and
``masks_0``), with the classes in ``labels.json`` beside the model. A SAM decoder is known by its
inputs.
"""

from __future__ import annotations

import ast
import dataclasses
import json
from collections.abc import Sequence
from pathlib import Path

from labeler.assist import automl, errors, kinds, runtime, sam

K = kinds.Kind


@dataclasses.dataclass(frozen=True, slots=True)
class Recognised:
    """What a model file is.

    Attributes:
        kind: its kind.
        names: class names in the model's index order (empty for SAM).
        imgsz: input height and width from the metadata, when the input's size is free.
        how: one line saying how the kind was told (for ``labeler models add``).
    """

    kind: kinds.Kind
    names: tuple[str, ...]
    imgsz: tuple[int, int] | None
    how: str


def parse_names(text: str) -> tuple[str, ...]:
    """Class names from metadata: a dict literal ``{0: 'a', 1: 'b'}`` or a list ``['a', 'b']``.

    Raises:
        AssistError: the text is neither (it is never evaluated as code).
    """
    try:
        value = ast.literal_eval(text)
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        raise errors.AssistError(
            f"the model's class names are not readable: {text[:80]!r}"
        ) from None
    if isinstance(value, dict) and all(isinstance(k, int) for k in value):
        top = max(value) if value else -1
        return tuple(str(value.get(i, i)) for i in range(top + 1))
    if isinstance(value, list | tuple):
        return tuple(str(v) for v in value)
    raise errors.AssistError(f"the model's class names are not a dict or list: {text[:80]!r}")


def parse_imgsz(text: str | None) -> tuple[int, int] | None:
    if not text:
        return None
    try:
        value = ast.literal_eval(text)
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        return None
    if isinstance(value, int):
        return (value, value)
    if (
        isinstance(value, list | tuple)
        and len(value) == 2
        and all(isinstance(v, int) for v in value)
    ):
        return (int(value[0]), int(value[1]))
    return None


def read_labels(path: Path) -> tuple[str, ...]:
    """AutoML's ``labels.json``: a JSON list of class names, in label-index order.

    Raises:
        AssistError: the file is missing or not such a list.
    """
    try:
        value = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise errors.AssistError(f"cannot read {path}: {exc.strerror}") from None
    except ValueError as exc:
        raise errors.AssistError(f"{path} is not JSON: {exc}") from None
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise errors.AssistError(f"{path} is not a JSON list of class names")
    return tuple(value)


def recognise(
    session: runtime.Session,
    kind: kinds.Kind | None = None,
    names: Sequence[str] | None = None,
) -> Recognised:
    """The kind and class names of a loaded model.

    Args:
        session: the model.
        kind: the kind the user gave (checked against the layout), or None to tell it.
        names: class names the user gave (``labels.json``, ``--names``); they win over metadata.

    Raises:
        UnknownKind: the kind cannot be told; the message says what was found.
        AssistError: the file does not fit the kind given, or is a kind labeler does not run.
    """
    meta = session.metadata
    given = tuple(names) if names else None
    meta_names = parse_names(meta["names"]) if "names" in meta else None
    imgsz = parse_imgsz(meta.get("imgsz"))
    task = meta.get("task")
    outputs = session.outputs
    if sam.is_decoder(session):
        raise errors.AssistError(
            f"{session.path} is a SAM prompt decoder: give the image encoder as the model file "
            "and this file with --decoder"
        )
    if automl.output_groups(session.output_names()).get(0, {}).keys() >= {
        "boxes",
        "labels",
        "scores",
    }:
        has_masks = "masks" in automl.output_groups(session.output_names())[0]
        found = K.AUTOML_SEGMENT if has_masks else K.AUTOML_DETECT
        _check(kind, found, session)
        if not given:
            raise errors.AssistError(
                f"{session.path} is an Azure AutoML model: its classes are in labels.json "
                "(next to model.onnx in the run's train_artifacts); pass it with --labels"
            )
        return Recognised(found, given, None, "outputs boxes_0, labels_0, scores_0 (Azure AutoML)")
    if task is not None:
        if task not in ("detect", "segment"):
            raise errors.AssistError(
                f"{session.path} is an Ultralytics {task} model; labeler runs detect and segment"
            )
        found = K.YOLO_SEGMENT if task == "segment" else K.YOLO_DETECT
        _check(kind, found, session)
        head = outputs[0].shape
        if len(head) != 3 or (
            found is K.YOLO_SEGMENT and not any(len(o.shape) == 4 for o in outputs)
        ):
            raise errors.AssistError(
                f"{session.path}: Ultralytics {task} metadata, but outputs "
                f"{[o.shape for o in outputs]} are not its layout"
            )
        return Recognised(
            found, given or meta_names or (), imgsz, f"Ultralytics metadata task={task!r}"
        )
    if kind is K.SAM:
        return Recognised(K.SAM, (), None, "given as --kind sam")
    if len(outputs) == 1 and len(outputs[0].shape) == 3 and len(session.inputs) == 1:
        _, d1, d2 = outputs[0].shape
        class_names = given or meta_names
        if d1 is not None and d2 is not None:
            found = K.YOLOV5_DETECT if d1 > d2 else K.YOLO_DETECT
        elif kind in (K.YOLO_DETECT, K.YOLOV5_DETECT):
            found = kind
        else:
            raise errors.UnknownKind(
                f"{session.path}: output {outputs[0].shape} could be YOLOv5 or v8; give --kind"
            )
        _check(kind, found, session)
        if not class_names:
            width = d2 if found is K.YOLOV5_DETECT else d1
            count = (width or 0) - (5 if found is K.YOLOV5_DETECT else 4)
            class_names = tuple(str(i) for i in range(max(count, 0)))
        return Recognised(found, tuple(class_names), imgsz, f"output layout {outputs[0].shape}")
    raise errors.UnknownKind(
        f"{session.path}: cannot tell which kind of model this is (inputs "
        f"{[(i.name, i.shape) for i in session.inputs]}, outputs "
        f"{[(o.name, o.shape) for o in outputs]}); give --kind "
        f"({', '.join(k.value for k in K if k is not K.ENDPOINT)})"
    )


def _check(given: kinds.Kind | None, found: kinds.Kind, session: runtime.Session) -> None:
    if given is not None and given is not found:
        raise errors.AssistError(
            f"{session.path} looks like {found.value} ({found.description}), not {given.value}"
        )
