"""The media of an imported package: stored through webapp/bank/media.py at the check and named in the
questions by their URLs; a missing file or one that is no media skips its item. Read with the QTI format
(a content package holding QTIWorks' choice sample and its picture): skipped where QTI is not merged."""
import io
import json
import zipfile
from pathlib import Path

import pytest
from sqlalchemy import select

from tests.images import image_bytes
from webapp.bank import imports
from webapp.bank.interchange import FORMATS
from webapp.bank.models import Media, Question
from webapp.core.extensions import db

pytest.importorskip("webapp.bank.formats.qti")

CHOICE = Path(__file__).parents[1] / "fixtures" / "qti" / "ims" / "choice.xml"
MANIFEST = (b'<?xml version="1.0"?><manifest xmlns="http://www.imsglobal.org/xsd/imscp_v1p1" identifier="M">'
            b'<resources><resource identifier="I" type="imsqti_item_xmlv2p2" href="choice.xml">'
            b'<file href="choice.xml"/></resource></resources></manifest>')


def package(picture: bytes | None) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("imsmanifest.xml", MANIFEST)
        archive.writestr("choice.xml", CHOICE.read_bytes())
        if picture is not None:
            archive.writestr("images/sign.png", picture)
    return buffer.getvalue()


def test_the_picture_of_a_package_is_stored_once_and_the_question_shows_it(admin):
    assert "qti" in FORMATS
    picture = image_bytes("PNG")
    run = imports.check_import(admin, "signs.zip", package(picture))
    db.session.commit()
    assert (run.format, run.to_import, run.items[0]["media"]) == ("qti", 1, 1)
    media = db.session.scalars(select(Media)).one()
    assert run.media_urls == {"images/sign.png": f"/media/{media.id}/sign.png"}
    imports.start_import(admin, run.id)
    db.session.commit()
    while imports.run_imports():
        db.session.commit()
    question = db.session.scalars(select(Question)).one()
    assert f'src="/media/{media.id}/sign.png"' in question.stem and "images/sign.png" not in question.stem
    # The same file again: the same picture, not a copy.
    again = imports.check_import(admin, "signs.zip", package(picture))
    assert again.media_urls == run.media_urls
    assert db.session.scalar(select(db.func.count(Media.id))) == 1


def test_a_picture_that_is_no_media_skips_the_item(admin):
    # (A picture missing from the package is the QTI reader's problem with the whole file; a reference to
    # nothing that a reader leaves in an item skips the item: tests/bank/test_imports.py.)
    run = imports.check_import(admin, "signs.zip", package(b"<svg onload=alert(1)>"))
    assert run.to_import == 0
    assert run.items[0]["reason"].startswith("sign.png is not a picture, audio or video file that can be used here")
    assert db.session.scalar(select(db.func.count(Media.id))) == 0


def test_a_dry_run_leaves_no_media_behind(app, admin, tmp_path):
    path = tmp_path / "signs.zip"
    path.write_bytes(package(image_bytes("PNG")))
    before = set((Path(app.instance_path) / "uploads").rglob("media-*"))
    result = app.test_cli_runner().invoke(args=["import-questions", str(path), "--institute", admin.institute.name,
                                                "--dry-run"])
    assert result.exit_code == 0 and json.loads(result.output)["would_import"] == 1
    assert db.session.scalar(select(db.func.count(Media.id))) == 0
    assert set((Path(app.instance_path) / "uploads").rglob("media-*")) == before
