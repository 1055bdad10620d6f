"""Each benchmark runs to its table at a tiny size.

The benchmarks are not part of the suite's measurements (figures are taken by hand, on a quiet
machine, see docs/benchmarks.md), but they call the services directly: a changed rule (the frame
check, a renamed argument) must break them here, not on the day someone wants a figure. Sizes are
the smallest that still take every path; nothing is timed or compared.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]

RUNS = {
    "bench_import": ["--images", "40", "--boxes", "200", "--rounds", "1"],
    "export_formats": ["--images", "20", "--per-image", "2", "--repeat", "1"],
    "bench_sync": ["--annotations", "100", "--images", "20", "--changes", "5"],
    "gui_images": ["--images", "3", "--rounds", "1"],
    "bench_app": ["--images", "20", "--names", "200", "--runs", "1"],
}
# bench_assist (15 s even this small: it builds its photos and model) and the X-display ones
# (bench_e2e) are left to mypy, which checks every benchmark's calls into labeler.


@pytest.mark.parametrize("name", sorted(RUNS))
def test_the_benchmark_runs_to_its_table(name: str, tmp_path: Path) -> None:
    env = {
        **os.environ, "QT_QPA_PLATFORM": "offscreen", "HOME": str(tmp_path),
        "XDG_CONFIG_HOME": str(tmp_path / "config"), "LABELER_DATA_DIR": str(tmp_path / "data"),
        "XDG_CACHE_HOME": str(tmp_path / "cache"),
    }  # fmt: skip
    done = subprocess.run(
        [sys.executable, "-m", f"benchmarks.{name}", *RUNS[name]],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    assert "|---|" in done.stdout, done.stdout[-2000:]  # the table was printed
