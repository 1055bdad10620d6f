"""Rotated boxes through the team's service: drawn on one workstation, turned on another, exported
by the server in the oriented-box formats (real server on loopback, real HTTP)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from labeler import cli
from labeler.domain import annotation as ann_mod
from labeler.domain import geometry as geo
from labeler.domain import schema as schema_mod
from labeler.domain import status as status_mod
from labeler.server import principal
from labeler.services import annotate, review, schema
from tests.e2e.conftest import WorkstationFactory

K = geo.ShapeKind
SHIP = geo.RotatedBox(30.5, 20.25, 24.0, 8.0, -35.0)


def test_a_rotated_box_round_trips_through_the_service_and_exports_from_it(
    workstation: WorkstationFactory, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ana, ben = workstation("ana"), workstation("ben")
    kinds = schema_mod.TaskKinds.of("box", "rotated_box")
    schema.set_tasks(ana.project, kinds)
    ana.link()
    ben.link()
    # Ben's project was made for boxes and polygons: joining takes the team's kinds.
    assert schema.get_schema(ben.project).tasks == kinds

    shape = ann_mod.NewShape(ana.class_id("cat"), K.ROTATED_BOX, SHIP, {"difficult": True})
    (rid,) = annotate.add_annotations(ana.project, ana.image_id(0), [shape]).annotations
    review.set_status(ana.project, [ana.image_id(0)], status_mod.ImageStatus.DONE)
    ana.sync()
    ben.sync()
    (got,) = annotate.get_annotations(ben.project, [rid])
    assert got.kind is K.ROTATED_BOX and got.geometry == SHIP and not got.dirty

    annotate.update_annotations(ben.project, {rid: ann_mod.ShapeEdit(geometry=SHIP.rotated(15))})
    ben.sync()
    ana.sync()
    (turned,) = annotate.get_annotations(ana.project, [rid])
    assert turned.geometry == SHIP.rotated(15) and turned.author == "ben"

    key = ana.service.key("ml", principal.Role.READER)
    remote = ["--remote", ana.service.url, "--project", "team", "--key", key, "--json"]
    out = tmp_path / "dota"
    assert cli.main(["export", *remote, "--format", "dota", "--out", str(out)]) == 0
    capsys.readouterr()
    (label_file,) = out.glob("*/labelTxt/*.txt")  # whichever split the hash chose
    (line,) = label_file.read_text().splitlines()
    corners = [float(v) for v in line.split()[:8]]
    assert corners == pytest.approx([c for p in SHIP.rotated(15).corners() for c in p], abs=1e-3)
    assert line.split()[8:] == ["cat", "1"]

    coco = tmp_path / "coco"
    assert cli.main(["export", *remote, "--format", "coco", "--out", str(coco)]) == 0
    result = json.loads(capsys.readouterr().out)
    # The manifest and the answer say how many labels COCO holds only as another kind.
    assert result["counts"]["written_as_another_kind"] == {"rotated_box_as_polygon": 1}
