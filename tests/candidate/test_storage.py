"""The image store: only JPEG, PNG and WebP by their bytes, at most 2 MB, under the instance folder; read
back only by a key it made."""
from pathlib import Path

import pytest

from tests.candidate.helpers import JPEG, PNG
from webapp.core import storage
from webapp.core.errors import NotFound, ValidationError

WEBP = b"RIFF\x1a\x00\x00\x00WEBPVP8L\r\x00\x00\x00/\x00\x00\x00\x10\x07\x10\x11\x11\x88\x88\xfe\x07\x00"


@pytest.mark.parametrize("data, extension, mimetype", [(JPEG, "jpg", "image/jpeg"), (PNG, "png", "image/png"),
                                                       (WEBP, "webp", "image/webp")])
def test_an_image_is_stored_under_its_institute_and_sitting(app, data, extension, mimetype):
    key, = storage.store_images(7, 42, {"reference_photo": data}).values()
    assert key.startswith("7/42/reference_photo-") and key.endswith(f".{extension}")
    assert (Path(app.instance_path) / "uploads" / key).read_bytes() == data
    assert storage.read_image(key) == (data, mimetype)


def test_photos_never_share_a_file():
    keys = storage.store_images(1, 1, {"reference_photo": JPEG, "id_photo": PNG})
    again = storage.store_images(1, 1, {"reference_photo": JPEG})
    assert keys["reference_photo"] != again["reference_photo"]
    assert keys["id_photo"].startswith("1/1/id_photo-") and keys["id_photo"].endswith(".png")


@pytest.mark.parametrize("data, message", [
    (b"", "JPEG, PNG or WebP"),
    (b"GIF89a\x01\x00\x01\x00", "JPEG, PNG or WebP"),
    (b"<svg xmlns='http://www.w3.org/2000/svg'/>", "JPEG, PNG or WebP"),
    # A JPEG's first bytes before HTML: the image library cannot open it, so it is no photo.
    (JPEG[:4] + b"<html><script>alert(1)</script></html>", "JPEG, PNG or WebP"),
    (PNG[:40], "JPEG, PNG or WebP"),   # cut short
    (JPEG[:3] + b"\x00" * (2 * 1024 * 1024), "at most 2 MB"),
])
def test_anything_else_is_refused_and_nothing_is_written(stored_files, data, message):
    before = stored_files()
    with pytest.raises(ValidationError) as error:
        # The good photo beside the bad one is not written either.
        storage.store_images(9, 1, {"reference_photo": JPEG, "id_photo": data})
    assert message in error.value.message and error.value.field == "id_photo"
    assert stored_files() == before


@pytest.mark.parametrize("key", ["../secret_key", "1/1/../../../secret_key", "/etc/passwd", "1/1/other-abcdefghijklmnopqrstu.jpg",
                                 "1/1/id_photo-abcdefghijklmnopqrstu.gif", "", "1/1/id_photo-abcdefghijklmnopqrstu.jpg"])
def test_only_a_key_of_the_stores_own_form_that_exists_is_read(key):
    with pytest.raises(NotFound):
        storage.read_image(key)


def test_an_unknown_kind_is_a_programming_error():
    with pytest.raises(ValueError):
        storage.store_images(1, 1, {"../passport": JPEG})
