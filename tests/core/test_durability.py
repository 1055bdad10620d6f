"""A process killed in the middle of a stream of writes loses nothing that was acknowledged."""

from __future__ import annotations

import signal
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

from labeler.services import annotate, images, indexing, maintenance, schema
from labeler.services import project as project_mod

WRITER = textwrap.dedent(
    """
    import sys
    from labeler.domain import annotation as a, geometry as g
    from labeler.services import annotate, project
    p = project.open_project(sys.argv[1], author="tester")
    image_id, class_id = sys.argv[2], sys.argv[3]
    i = 0
    while True:
        changes = annotate.add_annotations(p, image_id, [a.NewShape(class_id, g.ShapeKind.BOX, g.Box(i % 100, i % 100, 5, 5))])
        (ann_id,) = changes.annotations
        # Printed only after the call returned: everything printed must survive the kill.
        print(ann_id, flush=True)
        i += 1
    """
)


def test_sigkill_during_writes_keeps_every_acknowledged_write(indexed: project_mod.Project) -> None:
    image_id = images.list_image_ids(indexed)[0]
    class_id = schema.find_class(indexed, "cat").id
    proc = subprocess.Popen(
        [sys.executable, "-c", WRITER, str(indexed.path), image_id, class_id],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    acknowledged: list[str] = []
    enough = threading.Event()

    def read() -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            acknowledged.append(line.strip())
            if len(acknowledged) >= 150:
                enough.set()

    reader = threading.Thread(target=read)
    reader.start()
    # Meanwhile this process writes too: the app and the command line share a project.
    for n in range(20):
        schema.add_class(indexed, f"extra{n}")
    assert enough.wait(60), "the writer never got going"
    proc.send_signal(signal.SIGKILL)
    proc.wait(10)
    reader.join(10)
    proc.stdout.close()
    indexed.close()

    with project_mod.open_project(indexed.path, author="tester") as reopened:
        assert maintenance.integrity(reopened) == "ok"
        stored = {a.id for a in annotate.list_annotations(reopened, image_id)}
        assert set(acknowledged) <= stored
        assert len(schema.get_schema(reopened).classes) == 23


def test_backup_while_the_project_is_in_use_is_a_consistent_copy(
    indexed: project_mod.Project, tmp_path: Path
) -> None:
    schema.add_class(indexed, "before-backup")
    target = maintenance.backup(indexed, tmp_path / "copy.labeler")
    schema.add_class(indexed, "after-backup")
    with project_mod.open_project(target, author="tester") as copy:
        names = [c.name for c in schema.get_schema(copy).classes]
        assert "before-backup" in names and "after-backup" not in names
        assert maintenance.integrity(copy) == "ok"
        assert indexing.pending_count(copy) == 0
