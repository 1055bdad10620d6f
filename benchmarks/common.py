"""Small helpers shared by the benchmarks: timing, RSS, data generation, printing ratios."""

from __future__ import annotations

import os
import resource
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

T = TypeVar("T")

OUT = Path(os.environ.get("LABELER_BENCH_DIR", Path(__file__).parent / "out"))


def timed(fn: Callable[[], T]) -> tuple[float, T]:
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result


def peak_rss_mb() -> float:
    """Peak resident set size of this process, in MB (Linux reports KB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def row(name: str, value: str, limit: str = "", ratio: str = "", target: str = "") -> str:
    return f"| {name} | {value} | {limit} | {ratio} | {target} |"


def header() -> str:
    return (
        "| measure | labeler | machine limit (same run) | ratio | target |\n|---|---|---|---|---|"
    )
