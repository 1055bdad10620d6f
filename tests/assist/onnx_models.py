"""Small ONNX models of each kind labeler runs, built with onnx.helper to each kind's documented
tensor layout and metadata, so onnxruntime really executes them in the tests.

Their answers are known in advance: a detector's output tensor is a constant that encodes chosen
boxes, with the class scores multiplied by the mean of the input picture (so a black picture finds
nothing and a white one finds the boxes at their full score: the input really flows through).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

OPSET = [helper.make_opsetid("", 17)]

# A detection to encode: centre x, y, width, height (input pixels), class index, score.
Det = tuple[float, float, float, float, int, float]


def _save(graph: onnx.GraphProto, path: Path, metadata: dict[str, str] | None = None) -> Path:
    model = helper.make_model(graph, opset_imports=OPSET)
    model.ir_version = 8
    for key, value in (metadata or {}).items():
        entry = model.metadata_props.add()
        entry.key, entry.value = key, value
    onnx.checker.check_model(model)
    onnx.save(model, str(path))
    return path


def _mean_nodes(input_name: str, out: str, shape: Sequence[int]) -> list[onnx.NodeProto]:
    """``out`` = the mean of each picture of the batch, shaped to broadcast as ``shape``."""
    return [
        helper.make_node("ReduceMean", [input_name], ["mean4"], axes=[1, 2, 3], keepdims=1),
        helper.make_node("Reshape", ["mean4", "mean_shape"], [out]),
    ]


def yolo(
    path: Path,
    names: Sequence[str],
    dets: Sequence[Det],
    *,
    size: tuple[int, int] = (64, 64),
    candidates: int = 16,
    task: str = "detect",
    protos: np.ndarray | None = None,
    coeffs: Sequence[Sequence[float]] | None = None,
    batch: int | None = 1,
    metadata: bool = True,
) -> Path:
    """An Ultralytics v8/v11 model: ``images`` [B, 3, H, W] → ``output0`` [B, 4+nc(+32), N]
    (and ``output1`` [B, 32, H/4, W/4] for segment)."""
    nc, nm = len(names), 0 if protos is None else protos.shape[0]
    boxes = np.zeros((1, 4 + nc + nm, candidates), dtype=np.float32)
    scores = np.zeros_like(boxes)
    for j, (cx, cy, w, h, cls, score) in enumerate(dets):
        boxes[0, :4, j] = (cx, cy, w, h)
        scores[0, 4 + cls, j] = score
        if coeffs is not None:
            boxes[0, 4 + nc :, j] = coeffs[j]
    h, w = size
    b = batch if batch else "batch"
    nodes = [
        *_mean_nodes("images", "mean", (-1, 1, 1)),
        helper.make_node("Mul", ["scores", "mean"], ["scored"]),
        helper.make_node("Add", ["boxes", "scored"], ["output0"]),
    ]
    inits = [
        numpy_helper.from_array(boxes, "boxes"),
        numpy_helper.from_array(scores, "scores"),
        numpy_helper.from_array(np.array([-1, 1, 1], dtype=np.int64), "mean_shape"),
    ]
    outputs = [
        helper.make_tensor_value_info("output0", TensorProto.FLOAT, [b, 4 + nc + nm, candidates])
    ]
    if protos is not None:
        inits.append(numpy_helper.from_array(protos[None].astype(np.float32), "protos"))
        # Prototypes for every picture of the batch: protos + 0 × mean.
        nodes += [
            helper.make_node("Mul", ["mean", "zero"], ["nothing"]),
            helper.make_node("Unsqueeze", ["nothing", "axis3"], ["nothing4"]),
            helper.make_node("Add", ["protos", "nothing4"], ["output1"]),
        ]
        inits += [
            numpy_helper.from_array(np.array(0.0, dtype=np.float32), "zero"),
            numpy_helper.from_array(np.array([3], dtype=np.int64), "axis3"),
        ]
        outputs.append(
            helper.make_tensor_value_info("output1", TensorProto.FLOAT, [b, nm, *protos.shape[1:]])
        )
    graph = helper.make_graph(
        nodes, "yolo", [helper.make_tensor_value_info("images", TensorProto.FLOAT, [b, 3, h, w])],
        outputs, inits,
    )  # fmt: skip
    meta = {
        "task": task, "names": repr(dict(enumerate(names))), "imgsz": repr([h, w]),
        "stride": "32", "batch": str(batch or 1), "author": "labeler tests",
    }  # fmt: skip
    return _save(graph, path, meta if metadata else None)


def yolov5(
    path: Path, names: Sequence[str], dets: Sequence[tuple[float, float, float, float, int, float, float]],
    *, size: tuple[int, int] = (64, 64), candidates: int = 16,
) -> Path:  # fmt: skip
    """A YOLOv5 model: ``images`` → ``output0`` [1, N, 5+nc]; each det is cx, cy, w, h, class,
    objectness, class probability (objectness scaled by the picture's mean)."""
    nc = len(names)
    rows = np.zeros((1, candidates, 5 + nc), dtype=np.float32)
    obj = np.zeros_like(rows)
    for j, (cx, cy, w, h, cls, objectness, prob) in enumerate(dets):
        rows[0, j, :4] = (cx, cy, w, h)
        rows[0, j, 5 + cls] = prob
        obj[0, j, 4] = objectness
    h, w = size
    nodes = [
        *_mean_nodes("images", "mean", (-1, 1, 1)),
        helper.make_node("Mul", ["obj", "mean"], ["scored"]),
        helper.make_node("Add", ["rows", "scored"], ["output0"]),
    ]
    inits = [
        numpy_helper.from_array(rows, "rows"), numpy_helper.from_array(obj, "obj"),
        numpy_helper.from_array(np.array([-1, 1, 1], dtype=np.int64), "mean_shape"),
    ]  # fmt: skip
    graph = helper.make_graph(
        nodes, "yolov5", [helper.make_tensor_value_info("images", TensorProto.FLOAT, [1, 3, h, w])],
        [helper.make_tensor_value_info("output0", TensorProto.FLOAT, [1, candidates, 5 + nc])], inits,
    )  # fmt: skip
    return _save(graph, path, {"stride": "32", "names": repr(dict(enumerate(names)))})


def automl(
    path: Path,
    boxes: Sequence[tuple[float, float, float, float]],
    labels: Sequence[int],
    scores: Sequence[float],
    *,
    size: tuple[int, int] = (60, 80),
    order: Sequence[str] = ("boxes", "labels", "scores"),
    masks: np.ndarray | None = None,
) -> Path:
    """An AutoML Faster R-CNN (``order`` boxes, labels, scores), RetinaNet (boxes, scores,
    labels) or, with ``masks``, Mask R-CNN: ``input`` [1, 3, H, W] → ``boxes_0`` (n, 4) x0 y0 x1 y1,
    ``labels_0`` (n) int64, ``scores_0`` (n) (scaled by the picture's mean + 2, so that ImageNet
    normalisation of a mid-grey picture gives about the scores given), [``masks_0`` (n, 1, H, W)]."""
    n = len(boxes)
    h, w = size
    values = {
        "boxes": np.array(boxes, dtype=np.float32).reshape(n, 4),
        "labels": np.array(labels, dtype=np.int64),
        "scores": np.array(scores, dtype=np.float32),
    }
    nodes = [
        helper.make_node("ReduceMean", ["input"], ["mean_all"], axes=[0, 1, 2, 3], keepdims=0),
        helper.make_node("Mul", ["mean_all", "zero"], ["nothing"]),
        helper.make_node("Add", ["boxes_c", "nothing"], ["boxes_0"]),
        helper.make_node("Identity", ["labels_c"], ["labels_0"]),
        helper.make_node("Add", ["scores_c", "nothing"], ["scores_0"]),
    ]
    inits = [
        numpy_helper.from_array(values["boxes"], "boxes_c"),
        numpy_helper.from_array(values["labels"], "labels_c"),
        numpy_helper.from_array(values["scores"], "scores_c"),
        numpy_helper.from_array(np.array(0.0, dtype=np.float32), "zero"),
    ]
    info = {
        "boxes": helper.make_tensor_value_info("boxes_0", TensorProto.FLOAT, [n, 4]),
        "labels": helper.make_tensor_value_info("labels_0", TensorProto.INT64, [n]),
        "scores": helper.make_tensor_value_info("scores_0", TensorProto.FLOAT, [n]),
    }
    outputs = [info[k] for k in order]
    if masks is not None:
        inits.append(numpy_helper.from_array(masks.astype(np.float32), "masks_c"))
        nodes.append(helper.make_node("Add", ["masks_c", "nothing"], ["masks_0"]))
        outputs.append(
            helper.make_tensor_value_info("masks_0", TensorProto.FLOAT, list(masks.shape))
        )
    graph = helper.make_graph(
        nodes, "automl", [helper.make_tensor_value_info("input", TensorProto.FLOAT, [1, 3, h, w])],
        outputs, inits,
    )  # fmt: skip
    return _save(graph, path)


def sam_encoder(path: Path, *, preprocess_inside: bool = False) -> Path:
    """A SAM image encoder: ``x`` [1, 3, 1024, 1024] (or ``input_image`` [H, W, 3] with the
    pre-processing inside) → ``image_embeddings`` [1, 256, 64, 64] (the picture's 16×16 means in
    three channels, zeros in the rest)."""
    if preprocess_inside:
        nodes = [
            helper.make_node("Transpose", ["input_image"], ["chw"], perm=[2, 0, 1]),
            helper.make_node("Unsqueeze", ["chw", "axis0"], ["nchw"]),
            helper.make_node("Resize", ["nchw", "", "", "size1024"], ["x"], mode="nearest"),
        ]
        inputs = [helper.make_tensor_value_info("input_image", TensorProto.FLOAT, ["h", "w", 3])]
        inits = [
            numpy_helper.from_array(np.array([0], dtype=np.int64), "axis0"),
            numpy_helper.from_array(np.array([1, 3, 1024, 1024], dtype=np.int64), "size1024"),
        ]
    else:
        nodes, inits = [], []
        inputs = [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3, 1024, 1024])]
    nodes += [
        helper.make_node("AveragePool", ["x"], ["pooled"], kernel_shape=[16, 16], strides=[16, 16]),
        helper.make_node("Concat", ["pooled", "pad_channels"], ["image_embeddings"], axis=1),
    ]
    inits.append(
        numpy_helper.from_array(np.zeros((1, 253, 64, 64), dtype=np.float32), "pad_channels")
    )
    graph = helper.make_graph(
        nodes, "sam_encoder", inputs,
        [helper.make_tensor_value_info("image_embeddings", TensorProto.FLOAT, [1, 256, 64, 64])],
        inits,
    )  # fmt: skip
    return _save(graph, path)


def sam_decoder(path: Path, radius: float = 100.0) -> Path:
    """The classic SAM prompt decoder's inputs and outputs; its one mask is a disc of ``radius``
    (in the resized picture's pixels) around the first point, at ``orig_im_size``."""
    f = TensorProto.FLOAT
    inputs = [
        helper.make_tensor_value_info("image_embeddings", f, [1, 256, 64, 64]),
        helper.make_tensor_value_info("point_coords", f, [1, "n", 2]),
        helper.make_tensor_value_info("point_labels", f, [1, "n"]),
        helper.make_tensor_value_info("mask_input", f, [1, 1, 256, 256]),
        helper.make_tensor_value_info("has_mask_input", f, [1]),
        helper.make_tensor_value_info("orig_im_size", f, [2]),
    ]
    nodes = [
        helper.make_node("Cast", ["orig_im_size"], ["size_i"], to=TensorProto.INT64),
        helper.make_node("Gather", ["size_i", "i0"], ["hh"], axis=0),
        helper.make_node("Gather", ["size_i", "i1"], ["ww"], axis=0),
        helper.make_node("Range", ["zero_i", "hh", "one_i"], ["ys_i"]),
        helper.make_node("Range", ["zero_i", "ww", "one_i"], ["xs_i"]),
        helper.make_node("Cast", ["ys_i"], ["ys"], to=f),
        helper.make_node("Cast", ["xs_i"], ["xs"], to=f),
        helper.make_node("Add", ["ys", "half"], ["yc"]),
        helper.make_node("Add", ["xs", "half"], ["xc"]),
        helper.make_node("Gather", ["point_coords", "i0"], ["pts"], axis=1),  # [1, 2]
        helper.make_node("Reshape", ["pts", "two"], ["p"]),
        helper.make_node("Gather", ["p", "i0"], ["px"], axis=0),
        helper.make_node("Gather", ["p", "i1"], ["py"], axis=0),
        helper.make_node("Sub", ["xc", "px"], ["dx"]),
        helper.make_node("Sub", ["yc", "py"], ["dy"]),
        helper.make_node("Mul", ["dx", "dx"], ["dx2"]),
        helper.make_node("Mul", ["dy", "dy"], ["dy2"]),
        helper.make_node("Unsqueeze", ["dy2", "axis1"], ["dy2c"]),  # [H, 1]
        helper.make_node("Unsqueeze", ["dx2", "axis0"], ["dx2r"]),  # [1, W]
        helper.make_node("Add", ["dy2c", "dx2r"], ["d2"]),
        helper.make_node("Sub", ["r2", "d2"], ["logits"]),
        helper.make_node("Unsqueeze", ["logits", "axes01"], ["masks"]),
        helper.make_node("Identity", ["iou"], ["iou_predictions"]),
    ]
    inits = [
        numpy_helper.from_array(np.array(0, dtype=np.int64), "i0"),
        numpy_helper.from_array(np.array(1, dtype=np.int64), "i1"),
        numpy_helper.from_array(np.array(0, dtype=np.int64), "zero_i"),
        numpy_helper.from_array(np.array(1, dtype=np.int64), "one_i"),
        numpy_helper.from_array(np.array(0.5, dtype=np.float32), "half"),
        numpy_helper.from_array(np.array([2], dtype=np.int64), "two"),
        numpy_helper.from_array(np.array([1], dtype=np.int64), "axis1"),
        numpy_helper.from_array(np.array([0], dtype=np.int64), "axis0"),
        numpy_helper.from_array(np.array([0, 1], dtype=np.int64), "axes01"),
        numpy_helper.from_array(np.array(radius * radius, dtype=np.float32), "r2"),
        numpy_helper.from_array(np.array([[0.87]], dtype=np.float32), "iou"),
    ]
    outputs = [
        helper.make_tensor_value_info("masks", f, [1, 1, "h", "w"]),
        helper.make_tensor_value_info("iou_predictions", f, [1, 1]),
    ]
    return _save(helper.make_graph(nodes, "sam_decoder", inputs, outputs, inits), path)
