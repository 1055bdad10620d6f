"""onnxruntime sessions on the CPU, sized to the machine."""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from labeler.assist import errors


def default_threads() -> int:
    """Threads for one model: every core this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


@dataclasses.dataclass(frozen=True, slots=True)
class Tensor:
    """A model input or output as onnxruntime describes it (dims: ints, or None when dynamic)."""

    name: str
    shape: tuple[int | None, ...]
    type: str


def _dims(shape: Sequence[Any]) -> tuple[int | None, ...]:
    return tuple(d if isinstance(d, int) and d > 0 else None for d in shape)


class Session:
    """An onnxruntime inference session with its inputs, outputs and metadata.

    Args:
        path: the ONNX file.
        threads: intra-op threads (default: every core). The app leaves one core to the GUI.
    """

    def __init__(self, path: Path | str, threads: int | None = None) -> None:
        import onnxruntime
        from onnxruntime.capi import onnxruntime_pybind11_state as state

        # What onnxruntime raises for a file that is not a model it can run (no common base).
        refused = (
            state.InvalidProtobuf, state.NoSuchFile, state.InvalidGraph, state.Fail,
            state.NotImplemented, state.InvalidArgument,
        )  # fmt: skip
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = threads or default_threads()
        options.inter_op_num_threads = 1
        options.graph_optimization_level = onnxruntime.GraphOptimizationLevel.ORT_ENABLE_ALL
        options.log_severity_level = 3  # warnings about unused initialisers are not the user's
        try:
            self._session = onnxruntime.InferenceSession(
                str(path), sess_options=options, providers=["CPUExecutionProvider"]
            )
        except refused as exc:
            reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise errors.AssistError(
                f"{path} cannot be loaded as an ONNX model: {reason}"
            ) from None
        self.path = Path(path)
        self.inputs = [Tensor(i.name, _dims(i.shape), i.type) for i in self._session.get_inputs()]
        self.outputs = [Tensor(o.name, _dims(o.shape), o.type) for o in self._session.get_outputs()]
        meta = self._session.get_modelmeta()
        self.metadata: dict[str, str] = dict(meta.custom_metadata_map or {})

    def run(self, feed: dict[str, Any], outputs: Sequence[str] | None = None) -> list[Any]:
        """Run the model; returns the outputs in the order asked (all, in model order, by default)."""
        return list(self._session.run(list(outputs) if outputs else None, feed))

    def output_names(self) -> list[str]:
        return [o.name for o in self.outputs]
