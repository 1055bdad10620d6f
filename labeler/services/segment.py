"""Click-to-segment for the app: embeddings computed once per image and kept on disk.

An embedding is keyed by the image's SHA-256 and the model's hash, so it survives renames and
sessions and is never used with another model. The last few stay in memory; the disk cache (in
the user's cache directory, ``embeddings/``) is trimmed to a size limit, oldest first.
"""

from __future__ import annotations

import collections
import contextlib
import os
import threading
from pathlib import Path

import numpy as np

from labeler import paths
from labeler.assist import prompts
from labeler.domain import image as image_mod
from labeler.services import assist as assist_svc
from labeler.services import prelabel

#: Decode size for embedding: SAM looks at 1024 pixels on the longest side at most.
EMBED_SIDE = 1024
MEMORY = 4
DISK_LIMIT_BYTES = 1 << 30


class Embeddings:
    """Embeddings of one click-to-segment model (a SAM pair, or the built-in segmenter).

    Thread-safe: the app computes embeddings ahead on one thread and answers clicks on another.

    Args:
        model: the registered SAM model's name, or None for the built-in classical segmenter.
        threads: onnxruntime threads.
        folder: where embeddings are kept (default: the cache directory's ``embeddings/``).
    """

    def __init__(
        self, model: str | None = None, *, threads: int | None = None, folder: Path | None = None
    ) -> None:
        self.model = model
        self.model_id, self.segmenter = assist_svc.open_segmenter(model, threads=threads)
        self.folder = (folder or paths.cache_dir() / "embeddings") / self.model_id[:16]
        self._memory: collections.OrderedDict[str, prompts.Embedding] = collections.OrderedDict()
        self._lock = threading.Lock()
        self._busy: dict[str, threading.Lock] = {}

    def _key(self, image: image_mod.Image) -> str:
        return image.sha256 or f"id-{image.id}"

    def _file(self, image: image_mod.Image) -> Path | None:
        return self.folder / f"{image.sha256}.npz" if image.sha256 else None

    def ready(self, image: image_mod.Image) -> bool:
        """True when a click on this image needs no encoding."""
        with self._lock:
            if self._key(image) in self._memory:
                return True
        f = self._file(image)
        return f is not None and f.exists()

    def get(self, image: image_mod.Image) -> prompts.Embedding:
        """The image's embedding: from memory, from disk, or computed (and kept) now."""
        key = self._key(image)
        with self._lock:
            found = self._memory.get(key)
            if found is not None:
                self._memory.move_to_end(key)
                return found
            busy = self._busy.setdefault(key, threading.Lock())
        with busy:  # two threads asking for one image compute it once
            with self._lock:
                found = self._memory.get(key)
            if found is None:
                found = self._load(image) or self._compute(image)
            with self._lock:
                self._memory[key] = found
                self._memory.move_to_end(key)
                while len(self._memory) > MEMORY:
                    self._memory.popitem(last=False)
                self._busy.pop(key, None)
            return found

    def segment(self, image: image_mod.Image, prompt: prompts.Prompt) -> prompts.Segment:
        """The object the prompt points at, as a polygon in the image's frame."""
        return self.segmenter.segment(self.get(image), prompt)

    def _load(self, image: image_mod.Image) -> prompts.Embedding | None:
        f = self._file(image)
        if f is None or not f.exists():
            return None
        try:
            with np.load(f) as data:
                arrays = {k: data[k] for k in data.files if not k.startswith("_")}
                w, h = (float(v) for v in data["_size"])
        except (OSError, ValueError, KeyError):
            return None  # a damaged cache file is only a cache miss
        with contextlib.suppress(OSError):
            os.utime(f)
        return prompts.Embedding(arrays, w, h)

    def _compute(self, image: image_mod.Image) -> prompts.Embedding:
        frame = prelabel.frame_of(image, (EMBED_SIDE, EMBED_SIDE))
        found = self.segmenter.embed(frame)
        f = self._file(image)
        if f is not None:
            self._save(f, found)
        return found

    def _save(self, f: Path, embedding: prompts.Embedding) -> None:
        f.parent.mkdir(parents=True, exist_ok=True)
        tmp = f.with_name(f".{f.stem}.{threading.get_ident()}.npz")
        size = np.array([embedding.width, embedding.height])
        arrays: dict[str, object] = {"_size": size, **embedding.arrays}
        np.savez(tmp, allow_pickle=False, **arrays)  # type: ignore[arg-type]
        os.replace(tmp, f)
        _trim(f.parent.parent, DISK_LIMIT_BYTES)


def _trim(folder: Path, limit: int) -> None:
    files = [(p.stat().st_mtime, p.stat().st_size, p) for p in folder.glob("*/*.npz")]
    total = sum(s for _, s, _ in files)
    for _, size, p in sorted(files):
        if total <= limit:
            break
        with contextlib.suppress(OSError):
            p.unlink()
            total -= size
