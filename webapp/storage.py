"""The one place images from candidates are kept: the check's reference and ID photos, under the
instance folder at uploads/<institute_id>/<sitting_id>/<kind>-<random>.<ext>.

A storage key is that path below uploads/. Keys are made here from numbers, a fixed kind and a random
part; a key read back must have exactly that form, so no path from outside ever reaches the disk."""
from __future__ import annotations

import re
import secrets
from pathlib import Path

from flask import current_app

from webapp.errors import NotFound, ValidationError

MAX_IMAGE_BYTES = 2 * 1024 * 1024
KINDS = ("reference_photo", "id_photo")
MIMETYPES = {"jpg": "image/jpeg", "png": "image/png", "webp": "image/webp"}
_KEY = re.compile(r"^(\d+)/(\d+)/(" + "|".join(KINDS) + r")-([A-Za-z0-9_-]{16,64})\.(jpg|png|webp)$")


def image_extension(data: bytes) -> str | None:
    """The file type by its first bytes (what a browser says about an upload is not evidence)."""
    if data.startswith(b"\xff\xd8\xff"):
        return "jpg"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "webp"
    return None


def _root() -> Path:
    return Path(current_app.instance_path) / "uploads"


def _checked_extension(kind: str, data: bytes) -> str:
    if kind not in KINDS:
        raise ValueError(f"unknown image kind {kind!r}")
    extension = image_extension(data or b"")
    if extension is None:
        raise ValidationError("The photo must be a JPEG, PNG or WebP image.", field=kind)
    if len(data) > MAX_IMAGE_BYTES:
        raise ValidationError("The photo must be at most 2 MB.", field=kind)
    return extension


def store_images(institute_id: int, sitting_id: int, images: dict[str, bytes]) -> dict[str, str]:
    """Check every image ({kind: bytes}), then write them all and return their keys by kind: a refused
    image leaves none of the others behind. A refusal names its kind as the field at fault."""
    extensions = {kind: _checked_extension(kind, data) for kind, data in images.items()}
    keys = {}
    for kind, data in images.items():
        keys[kind] = f"{int(institute_id)}/{int(sitting_id)}/{kind}-{secrets.token_urlsafe(18)}.{extensions[kind]}"
        path = _root() / keys[kind]
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    return keys


def read_image(key: str) -> tuple[bytes, str]:
    """The image and its MIME type for a key made by `store_images`."""
    match = _KEY.match(key or "")
    path = _root() / key if match else None
    if path is None or not path.is_file():
        raise NotFound("Image")
    return path.read_bytes(), MIMETYPES[match[5]]
