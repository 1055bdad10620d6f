"""The browser's filters select the right images of a real project."""

from __future__ import annotations

import functools
from pathlib import Path

import pytest
from PIL import Image as PILImage
from pytestqt.qtbot import QtBot

from labeler.domain import status
from labeler.services import images, indexing, review
from labeler.services import project as project_mod
from ui.browser import filters, widget
from ui.browser import model as model_mod

S = status.ImageStatus


@pytest.fixture
def project(tmp_path: Path) -> project_mod.Project:
    folder = tmp_path / "photos"
    folder.mkdir()
    for name in ("cat_1", "cat_2", "dog_1", "dog_2", "bird_1"):
        PILImage.new("RGB", (40, 30), (120, 80, 40)).save(folder / f"{name}.jpg")
    (folder / "broken.jpg").write_bytes(b"\xff\xd8\xff\xe0 not really a jpeg")
    proj = project_mod.create_project(
        tmp_path / "p.labeler", classes=["cat", "dog"], author="tester"
    )
    indexing.add_folder(proj, folder)
    indexing.index_pending(proj)
    by_name = {i.name: i.id for i in images.get_images(proj, images.list_image_ids(proj))}
    review.set_status(proj, [by_name["cat_1.jpg"]], S.DONE)
    review.set_status(proj, [by_name["cat_2.jpg"]], S.NEEDS_REVIEW)
    review.set_status(proj, [by_name["dog_1.jpg"]], S.SKIPPED)
    review.set_status(proj, [by_name["dog_2.jpg"]], S.REJECTED, "the box is too loose")
    return proj


def names(project: project_mod.Project, flt: filters.BrowserFilter) -> list[str]:
    ids = images.list_image_ids(project, filters.to_image_filter(flt))
    return sorted(i.name for i in images.get_images(project, ids))


def test_each_choice_lists_the_images_a_user_expects(project: project_mod.Project) -> None:
    f = filters.BrowserFilter
    assert len(names(project, f())) == 6
    # A file that cannot be labeled is not "unlabeled": it is listed under Problems.
    assert names(project, f("unlabeled")) == ["bird_1.jpg"]
    assert names(project, f("labeled")) == ["cat_1.jpg", "cat_2.jpg", "dog_2.jpg"]
    assert names(project, f("skipped")) == ["dog_1.jpg"]
    assert names(project, f("needs_review")) == ["cat_2.jpg"]
    assert names(project, f("approved")) == []
    assert names(project, f("rejected")) == ["dog_2.jpg"]
    assert names(project, f("problems")) == ["broken.jpg"]
    assert names(project, f("all", "CAT")) == ["cat_1.jpg", "cat_2.jpg"]
    assert names(project, f("labeled", "dog")) == ["dog_2.jpg"]


def test_unknown_filter_kind_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown image filter"):
        filters.BrowserFilter("finished")


def test_browser_over_a_real_project(qtbot: QtBot, project: project_mod.Project) -> None:
    browser = widget.ImageBrowser(functools.partial(images.get_images, project))
    qtbot.addWidget(browser)
    browser.set_ids(images.list_image_ids(project))
    browser.show()

    model = browser.model
    rows = {model.data(model.index(r)): r for r in range(model.rowCount())}
    broken = model.index(rows["broken.jpg"])
    assert model.data(broken, model_mod.PROBLEM_ROLE)  # the indexer's reason, in words
    assert model.data(model.index(rows["dog_2.jpg"]), model_mod.STATUS_ROLE) == "rejected"

    bird = model.id_at(rows["bird_1.jpg"])
    review.set_status(project, [bird], S.APPROVED)
    browser.refresh_ids([bird])
    assert model.data(model.index(rows["bird_1.jpg"]), model_mod.STATUS_ROLE) == "approved"
