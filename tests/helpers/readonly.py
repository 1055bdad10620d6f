"""Making a project file really unwritable for a test, the ways users meet it.

CI runs as root, which ignores file permissions; these use what stops root too: the immutable flag
(``chattr +i``), a read-only bind mount and a tiny tmpfs that fills up. Each skips the test when the
machine does not allow it (no ``chattr``, no right to mount), and always undoes what it did.
"""

from __future__ import annotations

import contextlib
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, capture_output=True, text=True, check=False)


@contextlib.contextmanager
def immutable(*paths: Path) -> Iterator[None]:
    """The files marked immutable (``chattr +i``): nobody, root included, can write them."""
    if shutil.which("chattr") is None:
        pytest.skip("chattr is not installed")
    done: list[Path] = []
    try:
        for path in paths:
            result = _run("chattr", "+i", str(path))
            if result.returncode != 0:
                pytest.skip(f"cannot mark files immutable here: {result.stderr.strip()}")
            done.append(path)
        yield
    finally:
        for path in done:
            _run("chattr", "-i", str(path))


@contextlib.contextmanager
def read_only_mount(folder: Path, mount_point: Path) -> Iterator[Path]:
    """``folder`` seen read-only at ``mount_point`` (a read-only bind mount, like a share)."""
    mount_point.mkdir(parents=True, exist_ok=True)
    result = _run("mount", "--bind", "-o", "ro", str(folder), str(mount_point))
    if result.returncode != 0:
        pytest.skip(f"cannot bind-mount read-only here: {result.stderr.strip()}")
    try:
        yield mount_point
    finally:
        _run("umount", str(mount_point))


@contextlib.contextmanager
def tiny_disk(mount_point: Path, size_kb: int) -> Iterator[Path]:
    """A tmpfs of ``size_kb`` KB at ``mount_point``: a disk that fills up."""
    mount_point.mkdir(parents=True, exist_ok=True)
    result = _run("mount", "-t", "tmpfs", "-o", f"size={size_kb}k", "tmpfs", str(mount_point))
    if result.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {result.stderr.strip()}")
    try:
        yield mount_point
    finally:
        _run("umount", str(mount_point))


def fill(folder: Path) -> None:
    """Fill the file system holding ``folder`` up to the last byte (into ``folder/filler``)."""
    with open(folder / "filler", "wb", buffering=0) as fh:
        for block in (1 << 16, 4096, 1):
            with contextlib.suppress(OSError):
                while fh.write(b"\0" * block):
                    pass
