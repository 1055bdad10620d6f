"""Adding image folders, rescanning them, and indexing files (hash + header) in the background.

Adding a folder stores the names first, in natural order, so a caller can show the first page at once;
hashing and header reads follow in :func:`index_pending`, which is resumable: it works through the
images not yet indexed, committing in small batches, so an interrupted run continues where it stopped.
Bad files never stop a scan: each is recorded with a reason and skipped.
"""

from __future__ import annotations

import concurrent.futures
import dataclasses
import os
import threading
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import TypeVar

import sqlalchemy as sa

from labeler import errors
from labeler.domain import ids, naming
from labeler.domain import image as image_mod
from labeler.domain.changes import Changes
from labeler.imaging import header
from labeler.services import images as images_svc
from labeler.services import project as project_mod
from labeler.store import models, types

ProgressFn = Callable[[int, int], None]
"""Called with (done, total) as indexing advances."""

_BATCH = 256
_HEADER_COLUMNS = (
    *("sha256", "width", "height", "orientation", "format"),
    *("bytes", "mtime", "problem", "problem_detail"),
)
_T = TypeVar("_T")


class CancelToken:
    """Set by another thread to stop indexing after the current batch (it resumes next time)."""

    def __init__(self) -> None:
        self._event = threading.Event()

    def cancel(self) -> None:
        self._event.set()

    @property
    def cancelled(self) -> bool:
        return self._event.is_set()


@dataclasses.dataclass(frozen=True, slots=True)
class AddResult:
    """What adding (or rescanning) a folder's names did."""

    root_id: str
    added: int
    missing: int
    returned: int
    changed: int
    changes: Changes


@dataclasses.dataclass(frozen=True, slots=True)
class IndexResult:
    """What indexing did: counts, problems by kind, re-linked files and duplicates found."""

    indexed: int
    problems: dict[str, int]
    relinked: int
    cancelled: bool
    changes: Changes


def list_image_files(folder: Path) -> Iterator[str]:
    """Relative posix paths of the image files below ``folder`` (hidden entries skipped).

    Uses ``os.scandir`` without ``stat`` (the d_type of the entry is enough), about 1M entries/s;
    symlinked folders are not followed, so a link loop cannot hang a scan.
    """
    stack = [""]
    while stack:
        rel = stack.pop()
        try:
            with os.scandir(folder / rel if rel else folder) as it:
                entries = list(it)
        except OSError:
            continue  # an unreadable subfolder: skip it, the scan goes on
        for entry in entries:
            if entry.name.startswith("."):
                continue
            child = f"{rel}/{entry.name}" if rel else entry.name
            try:
                if entry.is_dir(follow_symlinks=False):
                    stack.append(child)
                    continue
            except OSError:
                continue
            if os.path.splitext(entry.name)[1].lower() in image_mod.IMAGE_EXTENSIONS:
                yield child


#: Names stored (and committed) ahead of the rest, so the first page can be shown at once.
FIRST_PAGE = 1000


def add_folder(
    project: project_mod.Project,
    folder: Path | str,
    *,
    on_first_page: Callable[[], None] | None = None,
) -> AddResult:
    """Add ``folder`` (recursively) to the project, or rescan it if it is there already.

    Only names are listed and stored here. New files are added; files that disappeared are flagged
    missing (never deleted with their labels); files that came back are unflagged; files whose size
    or time changed are queued for re-indexing. Call :func:`index_pending` next.

    For a large new folder the first :data:`FIRST_PAGE` names (in natural order) are committed in a
    transaction of their own before the rest, and ``on_first_page`` is called then: another view of
    the project can list the first page while the remaining names are stored.
    """
    root = Path(folder).expanduser().resolve()
    if not root.is_dir():
        raise project_mod.ProjectError(f"{root} is not a folder")
    names = list(list_image_files(root))
    with project.write() as (session, revision):
        root_row = _root_row(session, root)
        result, rest = _sync_names(
            session, root_row, root, names, first=FIRST_PAGE, author=project.author
        )
    if on_first_page is not None:
        on_first_page()
    if rest:
        with project.write() as (session, revision):
            _insert_names(session, _root_row(session, root), rest, project.author)
        result = dataclasses.replace(result, added=result.added + len(rest))
    return dataclasses.replace(
        result,
        changes=dataclasses.replace(
            result.changes, images_added=result.added, data_revision=revision
        ),
    )


def _root_row(session: sa.orm.Session, root: Path) -> models.ImageRootRow:
    root_row = session.execute(
        sa.select(models.ImageRootRow).where(models.ImageRootRow.path == str(root))
    ).scalar_one_or_none()
    if root_row is None:
        order = session.execute(
            sa.select(sa.func.coalesce(sa.func.max(models.ImageRootRow.sort_order), -1))
        ).scalar_one()
        root_row = models.ImageRootRow(
            id=ids.new_id(), path=str(root), sort_order=order + 1, added_at=types.utcnow()
        )
        session.add(root_row)
        session.flush()
    root_row.last_scan_at = types.utcnow()
    return root_row


_INSERT_NAMES = (
    "INSERT INTO image (id, root_id, root_order, rel_path, sort_key, orientation, missing, indexed, "
    "status, annotation_count, created_at, updated_at, author, dirty, deleted) "
    "VALUES (?, ?, ?, ?, ?, 1, 0, 0, 'new', 0, ?, ?, ?, 1, 0)"
)


def _sync_names(
    session: sa.orm.Session,
    root_row: models.ImageRootRow,
    root: Path,
    names: Sequence[str],
    *,
    first: int,
    author: str,
) -> tuple[AddResult, list[tuple[str, str]]]:
    """Store new names (the first ``first`` of them) and flag missing, returned and changed files.

    Returns the result so far and the new (sort key, name) pairs still to store.
    """
    img = models.ImageRow
    known = {
        rel: (image_id, missing, size, mtime)
        for image_id, rel, missing, size, mtime in session.execute(
            sa.select(img.id, img.rel_path, img.missing, img.bytes, img.mtime).where(
                img.root_id == root_row.id
            )
        )
    }
    fresh = sorted((naming.natural_key(rel), rel) for rel in names if rel not in known)
    _insert_names(session, root_row, fresh[:first], author)
    present = set(names)
    gone = [v[0] for rel, v in known.items() if rel not in present and not v[1]]
    back = [v[0] for rel, v in known.items() if rel in present and v[1]]
    changed = []
    for rel, (image_id, missing, size, mtime) in known.items():
        if rel in present and not missing and size is not None:
            try:
                st = os.stat(root / rel)
            except OSError:
                continue
            if st.st_size != size or (mtime is not None and abs(st.st_mtime - mtime) > 1e-3):
                changed.append(image_id)
    for chunk in _chunks(gone):
        session.execute(sa.update(img).where(img.id.in_(chunk)).values(missing=True))
    for chunk in _chunks(back):
        session.execute(
            sa.update(img).where(img.id.in_(chunk)).values(missing=False, indexed=False)
        )
    for chunk in _chunks(changed):
        session.execute(sa.update(img).where(img.id.in_(chunk)).values(indexed=False))
    touched = frozenset(gone) | frozenset(back) | frozenset(changed)
    result = AddResult(
        root_id=root_row.id,
        added=min(len(fresh), first),
        missing=len(gone),
        returned=len(back),
        changed=len(changed),
        changes=Changes(images=touched),
    )
    return result, fresh[first:]


def _insert_names(
    session: sa.orm.Session,
    root_row: models.ImageRootRow,
    fresh: Sequence[tuple[str, str]],
    author: str,
) -> None:
    """Insert (sort key, name) pairs as new, unindexed images of ``root_row``."""
    if not fresh:
        return
    # Plain tuples through the driver's executemany: 100,000 names store in about half a second,
    # where ORM objects would take ten (perf-notes). Inserted in natural order, so the order
    # index grows at its end.
    stamp = types.UtcDateTime().process_bind_param(types.utcnow(), session.get_bind().dialect)
    new_ids = ids.new_ids(len(fresh))
    session.connection().exec_driver_sql(
        _INSERT_NAMES,
        [
            (new_id, root_row.id, root_row.sort_order, rel, key, stamp, stamp, author)
            for new_id, (key, rel) in zip(new_ids, fresh, strict=True)
        ],
    )


def pending_count(project: project_mod.Project) -> int:
    """Images still waiting to be hashed and measured."""
    img = models.ImageRow
    with project.read() as session:
        return int(
            session.execute(
                sa.select(sa.func.count()).where(img.indexed.is_(False), img.missing.is_(False))
            ).scalar_one()
        )


def index_pending(
    project: project_mod.Project,
    *,
    progress: ProgressFn | None = None,
    cancel: CancelToken | None = None,
    workers: int = 2,
) -> IndexResult:
    """Hash and read the header of every image not indexed yet, in natural order.

    Files are read on ``workers`` threads (hashing and file reads release the GIL) while this thread
    stores finished results, committing every few hundred images: an interruption loses at most one
    batch of work, never data, and the next call continues. A file whose hash matches an image
    flagged missing is that image moved or renamed: the old row (with its labels) takes the new path
    and the freshly listed row is dropped.
    """
    max_pixels = project_mod.meta(project).max_pixels
    img = models.ImageRow
    root_paths = _root_paths(project)
    with project.read() as session:
        todo = session.execute(
            sa.select(img.id, img.root_id, img.rel_path)
            .where(img.indexed.is_(False), img.missing.is_(False))
            .order_by(img.root_order, img.sort_key)
        ).all()
    total = len(todo)
    done = 0
    problems: dict[str, int] = {}
    relinked = 0
    changed: set[str] = set()
    revision = 0
    cancelled = False
    paths = [os.path.join(root_paths[r.root_id], r.rel_path) for r in todo]
    pool = concurrent.futures.ThreadPoolExecutor(max(1, workers), "labeler-index")
    try:
        # map() keeps the readers busy on the next files while this thread writes a batch.
        results = pool.map(lambda p: header.inspect_file(p, max_pixels), paths)
        for batch in _chunks(todo, _BATCH):
            if cancel is not None and cancel.cancelled:
                cancelled = True
                break
            infos = [next(results) for _ in batch]
            with project.write() as (session, revision):
                moved = _relink_moved(
                    session, [(r.id, i) for r, i in zip(batch, infos, strict=True)]
                )
                relinked += len(moved)
                _store_infos(
                    session,
                    [(r.id, i) for r, i in zip(batch, infos, strict=True) if r.id not in moved],
                )
            for info in infos:
                if info.problem is not None:
                    problems[info.problem.value] = problems.get(info.problem.value, 0) + 1
            changed.update(r.id for r in batch)
            done += len(batch)
            if progress is not None:
                progress(done, total)
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
    return IndexResult(
        indexed=done,
        problems=problems,
        relinked=relinked,
        cancelled=cancelled,
        changes=Changes(images=frozenset(changed), data_revision=revision),
    )


def measure(
    project: project_mod.Project, image_ids: Sequence[str]
) -> tuple[list[image_mod.Image], Changes]:
    """These images with their size, EXIF orientation and problems known, read now if needed.

    The picture on the canvas must be in the frame the project records from its first paint: a
    phone photo shown sideways would take boxes in the wrong frame. Images the background indexer
    has not reached yet get their header read here (a millisecond each: no pixels, no hash) and
    stored, so the indexer and everything else agree; hashing stays with :func:`index_pending`.
    A project that cannot be written still gets the values, for this session.

    Returns:
        The images found, in the order asked, and what was stored.
    """
    found = images_svc.get_images(project, image_ids)
    todo = [im for im in found if _unmeasured(im)]
    if not todo:
        return found, Changes()
    max_pixels = project_mod.meta(project).max_pixels
    infos: dict[str, header.FileInfo] = {}
    measured: dict[str, image_mod.Image] = {}
    for im in todo:
        info = header.inspect_file(im.abs_path, max_pixels, hash_bytes=False)
        if info.missing:
            continue  # gone since it was listed: the indexer flags it
        infos[im.id] = info
        measured[im.id] = dataclasses.replace(
            im,
            width=info.width,
            height=info.height,
            orientation=info.orientation,
            format=info.format,
            problem=info.problem,
            problem_detail=info.problem_detail,
        )
    try:
        changes = _store_headers(project, infos)
    except errors.WriteRefused:
        # A read-only project: shown right in this session, stored by whoever can write it.
        changes = Changes()
    return [measured.get(im.id, im) for im in found], changes


def _unmeasured(image: image_mod.Image) -> bool:
    return not (image.indexed or image.missing or image.problem) and image.width is None


#: How long storing the headers read before a first paint waits for another writer.
MEASURE_WAIT_MS = 50


def _store_headers(project: project_mod.Project, infos: dict[str, header.FileInfo]) -> Changes:
    """Store what the headers said, for images the indexer has not stored yet."""
    img = models.ImageRow
    if not infos:
        return Changes()
    # Before the first paint: never wait on a writer (the indexer storing 100,000 names, say);
    # what is not stored now the indexer stores when it reaches these images.
    with project.write(wait_ms=MEASURE_WAIT_MS) as (session, revision):
        waiting = set(
            session.execute(
                sa.select(img.id).where(img.id.in_(list(infos)), img.indexed.is_(False))
            ).scalars()
        )
        for image_id in waiting:
            info = infos[image_id]
            problem = info.problem.value if info.problem else None
            session.execute(
                sa.update(img)
                .where(img.id == image_id)
                .values(
                    width=info.width,
                    height=info.height,
                    orientation=info.orientation,
                    format=info.format,
                    problem=problem,
                    problem_detail=info.problem_detail,
                )
            )
    return Changes(images=frozenset(waiting), data_revision=revision)


def scan(
    project: project_mod.Project,
    *,
    progress: ProgressFn | None = None,
    cancel: CancelToken | None = None,
) -> tuple[list[AddResult], IndexResult]:
    """Rescan every folder of the project, then index what is new or changed."""
    adds = [
        add_folder(project, path) for path in _root_paths(project).values() if Path(path).is_dir()
    ]
    return adds, index_pending(project, progress=progress, cancel=cancel)


def root_folders(project: project_mod.Project) -> list[Path]:
    """The project's image folders, in the order they were added."""
    return [Path(p) for p in _root_paths(project).values()]


def _root_paths(project: project_mod.Project) -> dict[str, str]:
    with project.read() as session:
        return dict(
            session.execute(
                sa.select(models.ImageRootRow.id, models.ImageRootRow.path).order_by(
                    models.ImageRootRow.sort_order
                )
            ).all()
        )


def _store_infos(session: sa.orm.Session, items: Sequence[tuple[str, header.FileInfo]]) -> None:
    img = models.ImageRow
    vanished = [image_id for image_id, info in items if info.missing]  # gone since listing
    for chunk in _chunks(vanished):
        session.execute(sa.update(img).where(img.id.in_(chunk)).values(missing=True))
    rows = [
        {
            "_id": image_id,
            "sha256": info.sha256,
            "width": info.width,
            "height": info.height,
            "orientation": info.orientation,
            "format": info.format,
            "bytes": info.bytes,
            "mtime": info.mtime,
            "problem": info.problem.value if info.problem else None,
            "problem_detail": info.problem_detail,
        }
        for image_id, info in items
        if not info.missing
    ]
    if rows:
        # One executemany for the batch instead of a statement per image.
        session.connection().execute(
            sa.update(img)
            .where(img.id == sa.bindparam("_id"))
            .values({name: sa.bindparam(name) for name in _HEADER_COLUMNS} | {"indexed": True}),
            rows,
        )


def _relink_moved(
    session: sa.orm.Session, items: Sequence[tuple[str, header.FileInfo]]
) -> set[str]:
    """Re-link missing images whose bytes now live at a freshly listed path.

    Returns the ids of the fresh rows that were folded into an old one (and so dropped).
    """
    img = models.ImageRow
    hashes = {info.sha256 for _, info in items if info.sha256 and not info.missing}
    if not hashes:
        return set()
    lost: dict[str, list[str]] = {}
    for sha, image_id in session.execute(
        sa.select(img.sha256, img.id)
        .where(img.missing.is_(True), img.sha256.in_(list(hashes)))
        .order_by(img.root_order, img.sort_key)
    ):
        lost.setdefault(str(sha), []).append(image_id)
    folded: set[str] = set()
    for image_id, info in items:
        candidates = lost.get(info.sha256 or "")
        # Copies with the same bytes re-link one missing row each, in path order.
        if candidates and _relink(session, image_id, candidates[0], info):
            candidates.pop(0)
            folded.add(image_id)
    return folded


def _relink(session: sa.orm.Session, fresh_id: str, old_id: str, info: header.FileInfo) -> bool:
    img = models.ImageRow
    fresh = session.get(models.ImageRow, fresh_id)
    assert fresh is not None
    has_labels = session.execute(
        sa.select(sa.func.count()).where(models.AnnotationRow.image_id == fresh_id)
    ).scalar_one()
    if has_labels or fresh.status != "new":
        return False  # someone labeled the new path already: keep both rows rather than guess
    root_id, root_order, rel_path, sort_key = (
        fresh.root_id,
        fresh.root_order,
        fresh.rel_path,
        fresh.sort_key,
    )
    # The freshly listed row was created by this scan and holds nothing; the old row keeps its labels.
    session.delete(fresh)
    session.flush()
    session.execute(
        sa.update(img)
        .where(img.id == old_id)
        .values(
            root_id=root_id,
            root_order=root_order,
            rel_path=rel_path,
            sort_key=sort_key,
            missing=False,
            indexed=True,
            bytes=info.bytes,
            mtime=info.mtime,
            updated_at=types.utcnow(),
            dirty=True,
        )
    )
    return True


def duplicates(project: project_mod.Project) -> list[list[str]]:
    """Groups of relative paths (root/rel) that hold the same bytes."""
    img = models.ImageRow
    with project.read() as session:
        rows = session.execute(
            sa.select(img.sha256, models.ImageRootRow.path, img.rel_path)
            .join(models.ImageRootRow, models.ImageRootRow.id == img.root_id)
            .where(
                img.missing.is_(False),
                img.sha256.in_(
                    sa.select(img.sha256)
                    .where(img.sha256.is_not(None), img.missing.is_(False))
                    .group_by(img.sha256)
                    .having(sa.func.count() > 1)
                ),
            )
            .order_by(img.sha256, img.root_order, img.sort_key)
        ).all()
    groups: dict[str, list[str]] = {}
    for sha, root, rel in rows:
        groups.setdefault(str(sha), []).append(os.path.join(root, rel))
    return list(groups.values())


def _chunks(items: Sequence[_T], size: int = 500) -> Iterator[Sequence[_T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]
