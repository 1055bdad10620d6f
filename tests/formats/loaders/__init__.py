"""The independent loaders, each run in its own Python on a dataset folder.

Each loader lives in its own virtual environment (``tests/formats/loaders/setup.sh`` builds them
under ``$LABELER_LOADERS_DIR/<name>``, by default ``.venv-loaders/<name>`` in the repository). A
test finds a loader's Python as ``LABELER_<NAME>_PYTHON`` or at ``<that folder>/bin/python``;
without it the test is skipped saying so, unless
``LABELER_REQUIRE_LOADERS=1`` (CI sets it), which turns the skip into a failure so the checks
can never silently stop running. The scripts beside this file are what each loader runs: they
read a dataset with the loader's own API and print what it found as one JSON line.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any

import pytest

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[2]
NAMES = ("datumaro", "supervision", "labelme", "mltable", "ultralytics")


def python_of(name: str) -> str:
    """The Python with loader ``name`` installed, or skip (fail under LABELER_REQUIRE_LOADERS)."""
    assert name in NAMES, name
    variable = f"LABELER_{name.upper()}_PYTHON"
    folder = Path(os.environ.get("LABELER_LOADERS_DIR") or REPO / ".venv-loaders")
    chosen = os.environ.get(variable) or str(folder / name / "bin" / "python")
    if Path(chosen).is_file():
        return chosen
    why = (
        f"{name} is not installed at {chosen}: run tests/formats/loaders/setup.sh {name} "
        f"(or set {variable} to a Python that has it)"
    )
    if os.environ.get("LABELER_REQUIRE_LOADERS") == "1":
        pytest.fail(why)
    pytest.skip(why)


def run(name: str, script: str, *args: str | Path, timeout: float = 300) -> Any:
    """Run ``script`` (a file beside this module) with loader ``name``; its last stdout line,
    parsed as JSON."""
    env = {**os.environ, "PYTHONWARNINGS": "ignore", "YOLO_OFFLINE": "1"}
    # Ultralytics writes its settings under the user's config folder; keep that in the test run.
    env.setdefault("YOLO_CONFIG_DIR", str(Path(os.environ.get("TMPDIR", "/tmp")) / "labeler-yolo"))
    done = subprocess.run(
        [python_of(name), str(HERE / script), *map(str, args)],
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
        env=env,
        cwd=str(HERE),
    )
    assert done.returncode == 0, f"{name} {script} failed:\n{done.stderr[-4000:]}"
    lines = [line for line in done.stdout.splitlines() if line.strip()]
    assert lines, f"{name} {script} printed nothing:\n{done.stderr[-2000:]}"
    return json.loads(lines[-1])
