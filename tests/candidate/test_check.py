"""The check with image proctoring and ID checking: the consent notice before the camera, the photos
validated and stored, and refused files shown beside their field."""
import io
from pathlib import Path

import pytest

from tests.candidate.helpers import JPEG, PNG, page, register
from webapp.core import storage
from webapp.core.extensions import db
from webapp.sittings.models import SittingStatus


@pytest.fixture
def proctored(admin, make_exam):
    sitting = register(admin, make_exam(image_proctoring=True, candidate_auth_proctored=True))
    return sitting


def _post(client, sitting, **data):
    return client.post(f"/s/{sitting.access_token}/check", data={"browser": "{}", **data},
                       content_type="multipart/form-data")


def test_the_consent_notice_comes_before_the_camera(client, proctored):
    soup = page(client.get(f"/s/{proctored.access_token}"))
    order = [element for element in soup.select("#consent-notice, input[name=consent], [data-start-camera], video, [data-take]")]
    assert [element.name for element in order] == ["div", "input", "button", "video", "button", "button"]
    assert "photos of you are taken" in order[0].get_text()
    assert order[2].has_attr("disabled")   # the camera button waits for the consent
    labels = {label.get("for"): label.get_text(" ", strip=True) for label in soup.select("label[for]")}
    assert labels["reference_photo"] == "Photo of yourself" and labels["id_photo"] == "Photo of your ID document"
    assert soup.find("input", attrs={"name": "reference_photo"})["accept"] == "image/jpeg,image/png,image/webp"


def test_photos_are_stored_and_the_check_completes(app, client, proctored):
    client.get(f"/s/{proctored.access_token}")
    response = _post(client, proctored, consent="y", reference_photo=(_file(JPEG), "me.jpg", "image/jpeg"),
                     id_photo=(_file(PNG), "id.png", "image/png"))
    assert response.status_code == 302
    db.session.expire_all()
    assert proctored.status == SittingStatus.EXAM_SESSION_OPENED and proctored.check["consent"] is True
    reference, id_photo = proctored.check["reference_photo"], proctored.check["id_photo"]
    assert reference.startswith(f"{proctored.institute_id}/{proctored.id}/reference_photo-") and reference.endswith(".jpg")
    assert storage.read_image(reference) == (JPEG, "image/jpeg")
    assert storage.read_image(id_photo) == (PNG, "image/png")
    assert (Path(app.instance_path) / "uploads" / id_photo).is_file()


@pytest.mark.parametrize("upload, message", [
    ((b"GIF89a not a photo", "me.jpg", "image/jpeg"), "The photo must be a JPEG, PNG or WebP image."),
    ((JPEG + b"\x00" * (2 * 1024 * 1024), "big.jpg", "image/jpeg"), "The photo must be at most 2 MB."),
])
def test_a_bad_photo_is_refused_beside_its_field(client, proctored, stored_files, upload, message):
    client.get(f"/s/{proctored.access_token}")
    before = stored_files()
    data, name, mimetype = upload
    response = _post(client, proctored, consent="y", id_photo=(_file(PNG), "id.png", "image/png"),
                     reference_photo=(_file(data), name, mimetype))
    soup = page(response)
    assert response.status_code == 200
    assert soup.select_one("#reference_photo-error").get_text() == message
    db.session.expire_all()
    assert proctored.status == SittingStatus.CHECK_STARTED and proctored.check == {}
    assert stored_files() == before


def test_without_consent_or_photos_the_check_says_what_is_missing(client, proctored, stored_files):
    client.get(f"/s/{proctored.access_token}")
    before = stored_files()
    soup = page(_post(client, proctored, reference_photo=(_file(JPEG), "me.jpg", "image/jpeg"),
                      id_photo=(_file(PNG), "id.png", "image/png")))
    assert soup.select_one(".field-error").get_text() == "Please agree to the camera being used during the test."
    soup = page(_post(client, proctored, consent="y", reference_photo=(_file(JPEG), "me.jpg", "image/jpeg")))
    assert soup.select_one("#id_photo-error").get_text() == "Please take a photo of your ID document."
    db.session.expire_all()
    assert proctored.status == SittingStatus.CHECK_STARTED
    assert stored_files() == before   # refused checks keep none of the photos they were sent


def test_photos_the_exam_does_not_ask_for_are_not_kept(client, sitting, stored_files):
    before = stored_files()
    soup = page(client.get(f"/s/{sitting.access_token}"))
    assert soup.select_one("[data-camera]") is None
    _post(client, sitting, reference_photo=(_file(JPEG), "me.jpg", "image/jpeg"))
    assert sitting.check["reference_photo"] is None
    assert stored_files() == before


def _file(data: bytes):
    return io.BytesIO(data)
