"""Small helpers shared by the benchmarks: timing, RSS, data generation, printing ratios."""

from __future__ import annotations

import contextlib
import os
import resource
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
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


@contextlib.contextmanager
def server_process(args: list[str]) -> Iterator[str]:
    """``python ARGS`` as a server of its own; yields the URL from its "listening on" line and
    kills it afterwards."""
    proc = subprocess.Popen(
        [sys.executable, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    assert proc.stdout is not None
    line = proc.stdout.readline()
    if "listening on" not in line:
        proc.kill()
        raise SystemExit(f"the server did not start: {line}{proc.communicate()[1]}")
    try:
        yield line.split("listening on ")[1].split()[0]
    finally:
        proc.kill()
        proc.wait()
        for stream in (proc.stdout, proc.stderr):
            if stream is not None:
                stream.close()
