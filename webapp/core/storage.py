"""The one place images from candidates are kept: the check's reference and ID photos, under the
instance folder at uploads/<institute_id>/<sitting_id>/<kind>-<random>.<ext>; and the one check of
what any uploaded image is (`image_format`), by its bytes, whatever its sender declared.

Media of the question bank (pictures, audio, video) live at uploads/<institute_id>/media-<random>.<ext>:
webapp/bank/media.py checks their bytes and keeps their record; this module only writes and finds them.

A storage key is that path below uploads/. Keys are made here from numbers, a fixed kind and a random
part; a key read back must have exactly that form, so no path from outside ever reaches the disk."""
from __future__ import annotations

import io
import os
import re
import secrets
import warnings
import zipfile
from dataclasses import dataclass
from pathlib import Path

import filetype
from filetype.types import audio as audio_types
from flask import current_app
from flask_babel import gettext as _
from PIL import Image

from webapp.core.errors import NotFound, ValidationError

MAX_IMAGE_BYTES = 2 * 1024 * 1024
KINDS = ("reference_photo", "id_photo")
MIMETYPES = {"jpg": "image/jpeg", "png": "image/png", "webp": "image/webp"}
_KEY = re.compile(r"^(\d+)/(\d+)/(" + "|".join(KINDS) + r")-([A-Za-z0-9_-]{16,64})\.(jpg|png|webp)$")
# An institute's own images (the certificate's signature), at uploads/<institute_id>/<kind>-<random>.<ext>.
INSTITUTE_KINDS = ("signature",)
_INSTITUTE_KEY = re.compile(r"^(\d+)/(" + "|".join(INSTITUTE_KINDS) + r")-([A-Za-z0-9_-]{16,64})\.(jpg|png|webp)$")
# The formats (Pillow's names) an upload may have somewhere, with the MIME type each is served as.
FORMAT_MIMETYPES = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp", "GIF": "image/gif",
                    "ICO": "image/x-icon"}
PHOTO_EXTENSIONS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp"}
# A file of questions to import, kept from its check until the worker has imported it, at
# uploads/<institute_id>/question_import-<random>.upload (whatever its format: its bytes are never served).
_IMPORT_KEY = re.compile(r"^(\d+)/question_import-([A-Za-z0-9_-]{16,64})\.upload$")


def image_format(data: bytes) -> str | None:
    """The format of an image (a key of FORMAT_MIMETYPES, or another of Pillow's names) as an image
    library reads it from the bytes; None for anything it cannot open: text, HTML, SVG, a truncated or
    enormous image. What a browser or a client declares about an upload is not evidence."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data or b"")) as image:
                image.verify()
                return image.format
    except Exception:   # whatever breaks the decoder (OSError, SyntaxError, struct.error, ...) is no image
        return None


def image_extension(data: bytes) -> str | None:
    """The file extension of a JPEG, PNG or WebP photo, None for anything else."""
    return PHOTO_EXTENSIONS.get(image_format(data))


# The bank's media files: their extensions, as webapp/bank/media.py names the formats it accepts.
MEDIA_EXTENSIONS = ("jpg", "png", "webp", "gif", "mp3", "ogg", "wav", "m4a", "aac", "mp4", "webm")
_MEDIA_KEY = re.compile(r"^(\d+)/media-([A-Za-z0-9_-]{16,64})\.(" + "|".join(MEDIA_EXTENSIONS) + r")$")


def _root() -> Path:
    return Path(current_app.instance_path) / "uploads"


def _write(key: str, data: bytes) -> str:
    path = _root() / key
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return key


def _existing(pattern: re.Pattern, key: str | None, what: str) -> tuple[Path, re.Match]:
    """The file of a key of the pattern's form, with the key's parts; NotFound for any other key or no file."""
    match = pattern.match(key or "")
    path = _root() / key if match else None
    if path is None or not path.is_file():
        raise NotFound(what)
    return path, match


def _remove(pattern: re.Pattern, key: str | None) -> None:
    """Delete the file of a key of the pattern's form (anything else is left alone)."""
    if pattern.match(key or ""):
        (_root() / key).unlink(missing_ok=True)


def _write_whole(path: Path, data: bytes) -> None:
    """Write a file that others may read meanwhile: under a name of its own, then moved into place, so a
    reader finds the whole file or none."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.{secrets.token_hex(8)}")
    partial.write_bytes(data)
    os.replace(partial, path)


def _checked_extension(kind: str, data: bytes) -> str:
    if kind not in KINDS:
        raise ValueError(f"unknown image kind {kind!r}")
    if len(data or b"") > MAX_IMAGE_BYTES:
        raise ValidationError(_("The photo must be at most 2 MB."), field=kind)
    extension = image_extension(data)
    if extension is None:
        raise ValidationError(_("The photo must be a JPEG, PNG or WebP image."), field=kind)
    return extension


def store_images(institute_id: int, sitting_id: int, images: dict[str, bytes]) -> dict[str, str]:
    """Check every image ({kind: bytes}), then write them all and return their keys by kind: a refused
    image leaves none of the others behind. A refusal names its kind as the field at fault."""
    extensions = {kind: _checked_extension(kind, data) for kind, data in images.items()}
    keys = {}
    for kind, data in images.items():
        keys[kind] = f"{int(institute_id)}/{int(sitting_id)}/{kind}-{secrets.token_urlsafe(18)}.{extensions[kind]}"
        _write(keys[kind], data)
    return keys


def store_institute_image(institute_id: int, kind: str, data: bytes) -> str:
    """Write an institute's image (its format and size checked by the caller, who knows the rules of its
    kind) and return its key; a new image gets a new key, so what was issued with the old one keeps it."""
    if kind not in INSTITUTE_KINDS:
        raise ValueError(f"unknown image kind {kind!r}")
    extension = image_extension(data)
    if extension is None:
        raise ValidationError(_("The image must be a JPEG, PNG or WebP image."), field=kind)
    return _write(f"{int(institute_id)}/{kind}-{secrets.token_urlsafe(18)}.{extension}", data)


def read_image(key: str) -> tuple[bytes, str]:
    """The image and its MIME type for a key made by `store_images` or `store_institute_image`."""
    match = _KEY.match(key or "") or _INSTITUTE_KEY.match(key or "")
    path = _root() / key if match else None
    if path is None or not path.is_file():
        raise NotFound("Image")
    return path.read_bytes(), MIMETYPES[match[match.re.groups]]


def remove_image(key: str | None) -> None:
    """Delete the file of a key made by `store_images` (anything else is left alone)."""
    _remove(_KEY, key)


def store_media_file(institute_id: int, extension: str, data: bytes) -> str:
    """Write a media file of the bank (checked by the caller) and return its key."""
    if extension not in MEDIA_EXTENSIONS:
        raise ValueError(f"unknown media extension {extension!r}")
    return _write(f"{int(institute_id)}/media-{secrets.token_urlsafe(18)}.{extension}", data)


def media_path(key: str) -> Path:
    """The file of a key made by `store_media_file` (for serving it with ranges); NotFound otherwise."""
    return _existing(_MEDIA_KEY, key, "Media")[0]


def remove_media_file(key: str | None) -> None:
    """Delete the file of a key made by `store_media_file` (anything else is left alone)."""
    _remove(_MEDIA_KEY, key)


def store_import_file(institute_id: int, data: bytes) -> str:
    """Keep a file of questions to import; returns its key."""
    return _write(f"{int(institute_id)}/question_import-{secrets.token_urlsafe(18)}.upload", data)


def read_import_file(key: str) -> bytes:
    return _existing(_IMPORT_KEY, key, "Import file")[0].read_bytes()


def remove_import_file(key: str | None) -> None:
    _remove(_IMPORT_KEY, key)


# Candidates' answer files (a file-upload item's answer), at uploads/<institute_id>/<sitting_id>/answer_file-
# <random>.<ext>, and the check of what such a file is, by its bytes. -----------------------------------------
ANSWER_FILE_MIMETYPES = {
    "pdf": "application/pdf",
    "jpg": "image/jpeg", "png": "image/png", "webp": "image/webp", "gif": "image/gif",
    "mp3": "audio/mpeg", "ogg": "audio/ogg", "wav": "audio/wav", "m4a": "audio/mp4", "flac": "audio/flac",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "odt": "application/vnd.oasis.opendocument.text", "ods": "application/vnd.oasis.opendocument.spreadsheet",
    "odp": "application/vnd.oasis.opendocument.presentation",
    "txt": "text/plain",
}
# The kind (what an item allows: Question.answer_file["kinds"]) of each format.
ANSWER_FILE_KINDS = {"pdf": "pdf", "jpg": "image", "png": "image", "webp": "image", "gif": "image",
                     "mp3": "audio", "ogg": "audio", "wav": "audio", "m4a": "audio", "flac": "audio",
                     "docx": "document", "xlsx": "document", "pptx": "document", "odt": "document",
                     "ods": "document", "odp": "document", "txt": "text"}
_ANSWER_FILE_KEY = re.compile(r"^(\d+)/(\d+)/answer_file-([A-Za-z0-9_-]{16,64})\.("
                              + "|".join(ANSWER_FILE_MIMETYPES) + r")$")
# filetype's matchers of the recordings a candidate may send, with their extensions.
_AUDIO_SIGNATURES = ((audio_types.Mp3(), "mp3"), (audio_types.Ogg(), "ogg"), (audio_types.Wav(), "wav"),
                     (audio_types.M4a(), "m4a"), (audio_types.Flac(), "flac"))
# An office document is a zip holding its main part: [Content_Types].xml and this (OOXML), or a
# `mimetype` entry naming its kind (OpenDocument).
_OOXML_PARTS = {"word/document.xml": "docx", "xl/workbook.xml": "xlsx", "ppt/presentation.xml": "pptx"}
_OPENDOCUMENT_TYPES = {b"application/vnd.oasis.opendocument.text": "odt",
                       b"application/vnd.oasis.opendocument.spreadsheet": "ods",
                       b"application/vnd.oasis.opendocument.presentation": "odp"}


def _office_format(data: bytes) -> str | None:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
            if "mimetype" in names:
                return _OPENDOCUMENT_TYPES.get(archive.read("mimetype").strip())
            if "[Content_Types].xml" in names:
                return next((extension for part, extension in _OOXML_PARTS.items() if part in names), None)
    except (zipfile.BadZipFile, OSError, KeyError, ValueError, RuntimeError):   # broken or encrypted: none
        return None
    return None


def _audio_format(data: bytes) -> str | None:
    matcher = filetype.match(data[:8192], matchers=[matcher for matcher, __ in _AUDIO_SIGNATURES])
    return next((extension for candidate, extension in _AUDIO_SIGNATURES if candidate is matcher), None)


def _is_text(data: bytes) -> bool:
    if b"\x00" in data:
        return False
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def answer_file_format(data: bytes) -> str | None:
    """The format (a key of ANSWER_FILE_MIMETYPES) of a candidate's file as its bytes say, None for anything
    else (an executable, HTML posing as a PDF is text at most, a zip that is no office document)."""
    data = data or b""
    if not data:
        return None
    if data.startswith(b"%PDF-"):
        return "pdf"
    if data.startswith(b"PK\x03\x04"):
        return _office_format(data)
    image = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp", "GIF": "gif"}.get(image_format(data))
    return image or _audio_format(data) or ("txt" if _is_text(data) else None)


def store_answer_file(institute_id: int, sitting_id: int, extension: str, data: bytes) -> str:
    """Write a candidate's answer file (checked by the caller with answer_file_format) and return its key."""
    if extension not in ANSWER_FILE_MIMETYPES:
        raise ValueError(f"unknown answer file format {extension!r}")
    return _write(f"{int(institute_id)}/{int(sitting_id)}/answer_file-{secrets.token_urlsafe(18)}.{extension}", data)


def read_answer_file(key: str) -> tuple[bytes, str]:
    """An answer file and its MIME type for a key made by `store_answer_file`."""
    path, match = _existing(_ANSWER_FILE_KEY, key, "File")
    return path.read_bytes(), ANSWER_FILE_MIMETYPES[match[4]]


def remove_answer_file(key: str | None) -> None:
    _remove(_ANSWER_FILE_KEY, key)


# Documents (a sitting's report, its report with the answers part, its certificate) as PDFs, rendered once and
# kept at uploads/<institute_id>/<sitting_id>/<kind>-<language>-<digest>.pdf, the digest of everything that
# goes into the PDF (webapp/reports/services.py), so that a changed document is another file. A document the
# worker is asked to render, or to check, is an empty file uploads/wanted/<institute_id>-<sitting_id>-<kind>-
# <language>, which the worker takes (removes) before it renders the document as it is then, oldest first.
_DOCUMENT_KEY = re.compile(r"^(\d+)/(\d+)/([a-z_]{1,40})-([a-z]{2})-([0-9a-f]{64})\.pdf$")
_WANTED_NAME = re.compile(r"^(\d+)-(\d+)-([a-z_]{1,40})-([a-z]{2})$")


@dataclass(frozen=True)
class WantedDocument:
    institute_id: int
    sitting_id: int
    kind: str
    language: str

    @property
    def name(self) -> str:
        return f"{int(self.institute_id)}-{int(self.sitting_id)}-{self.kind}-{self.language}"


def document_key(wanted: WantedDocument, digest: str) -> str:
    key = f"{wanted.name.replace('-', '/', 2)}-{digest}.pdf"
    if not _DOCUMENT_KEY.match(key):
        raise ValueError(f"not a document key: {key!r}")
    return key


def read_document(key: str) -> bytes | None:
    """A kept PDF, None when there is none under this key."""
    try:
        return _existing(_DOCUMENT_KEY, key, "Document")[0].read_bytes()
    except NotFound:
        return None


def has_document(key: str) -> bool:
    return _DOCUMENT_KEY.match(key or "") is not None and (_root() / key).is_file()


def latest_document(wanted: WantedDocument) -> str | None:
    """The key of the document's latest kept render in its language, None when there is none."""
    folder = _root() / str(int(wanted.institute_id)) / str(int(wanted.sitting_id))
    renders = []
    for path in folder.glob(f"{wanted.kind}-{wanted.language}-*.pdf"):
        try:
            renders.append((path.stat().st_mtime_ns, path.name))
        except FileNotFoundError:   # replaced meanwhile
            continue
    if not renders:
        return None
    key = f"{int(wanted.institute_id)}/{int(wanted.sitting_id)}/{max(renders)[1]}"
    return key if _DOCUMENT_KEY.match(key) else None


def remove_documents(institute_id: int, sitting_id: int) -> None:
    """Remove every kept render of a sitting's documents."""
    folder = _root() / str(int(institute_id)) / str(int(sitting_id))
    for path in folder.glob("*.pdf"):
        if _DOCUMENT_KEY.match(f"{int(institute_id)}/{int(sitting_id)}/{path.name}"):
            path.unlink(missing_ok=True)


def keep_document(key: str, data: bytes) -> bytes:
    """Keep a rendered PDF, and remove the earlier renders of the same document and language: what they
    showed has changed."""
    match = _DOCUMENT_KEY.match(key or "")
    if match is None:
        raise ValueError(f"not a document key: {key!r}")
    path = _root() / key
    _write_whole(path, data)
    for earlier in path.parent.glob(f"{match[3]}-{match[4]}-*.pdf"):
        if earlier.name != path.name:
            earlier.unlink(missing_ok=True)
    return data


def _wanted_folder() -> Path:
    return _root() / "wanted"


def want_document(wanted: WantedDocument) -> None:
    """Ask the worker for a document; asked again before it is taken, it keeps its place in the queue."""
    folder = _wanted_folder()
    folder.mkdir(parents=True, exist_ok=True)
    try:
        (folder / wanted.name).open("x").close()
    except FileExistsError:
        pass


def wanted_documents() -> list[WantedDocument]:
    """The documents asked for and not taken yet, oldest first."""
    folder, found = _wanted_folder(), []
    if not folder.is_dir():
        return []
    with os.scandir(folder) as entries:
        for entry in entries:
            match = _WANTED_NAME.match(entry.name)
            try:
                if match:
                    found.append((entry.stat().st_mtime_ns,
                                  WantedDocument(int(match[1]), int(match[2]), match[3], match[4])))
            except FileNotFoundError:   # taken meanwhile
                continue
    return [wanted for __, wanted in sorted(found, key=lambda pair: pair[0])]


def take_wanted_document(wanted: WantedDocument) -> bool:
    """Claim a wanted document for rendering: True for the one worker whose removal succeeded."""
    try:
        (_wanted_folder() / wanted.name).unlink()
    except FileNotFoundError:
        return False
    return True
