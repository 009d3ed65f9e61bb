"""Pictures, audio and video in questions: the one way media enter the bank (`store_media`, which checks
the bytes, never the name or the declared type) and the URLs that question HTML holds for them.

A stored question refers to a media file only by its URL, `/media/<id>/<name>` (`media_url`); the
sanitiser (webapp/bank/sanitize.py) keeps `<img>`, `<audio>`, `<video>` and `<source>` only with such
URLs, and the question's checks (webapp/bank/services.py) refuse one that is not the institute's. The
file's name in the URL is for people and downloads; the id alone finds the file.

Limits (bytes, by kind): pictures 5 MB, audio 20 MB, video 100 MB (MAX_BYTES). Accepted formats: JPEG,
PNG, WebP and GIF pictures (read by Pillow; no SVG, which can carry script); MP3, Ogg (Vorbis, Opus),
WAV, M4A and AAC audio; MP4 and WebM video (recognised by their signatures with `filetype`)."""
from __future__ import annotations

import base64
import hashlib
import re
from html import escape
from pathlib import Path

import filetype
from filetype.types import audio as audio_types, video as video_types
from flask_babel import gettext as _
from sqlalchemy import select
from werkzeug.utils import secure_filename

from webapp.accounts.models import User
from webapp.bank.models import Media, MediaKind
from webapp.bank.sanitize import MEDIA_URL, media_elements
from webapp.core import storage
from webapp.core.clock import utcnow
from webapp.core.database import UPSERTS, get_in_institute, parse_id
from webapp.core.errors import NotFound, ValidationError
from webapp.core.extensions import db
from webapp.core.permissions import Permission, require

MB = 1024 * 1024
MAX_BYTES = {MediaKind.IMAGE: 5 * MB, MediaKind.AUDIO: 20 * MB, MediaKind.VIDEO: 100 * MB}
# The largest upload worth reading at all: the largest kind's limit.
MAX_UPLOAD_BYTES = max(MAX_BYTES.values())
MAX_FILENAME_LENGTH = Media.filename.type.length
# Media elements in sanitised HTML, for documents: a whole <audio> or <video> (with its <source>s), or an <img>.
_DOCUMENT_MEDIA = re.compile(r"<(audio|video)\b[^>]*>.*?</\1>|<img\b[^>]*>", re.DOTALL | re.IGNORECASE)

# Pillow's format names -> (MIME type, extension). Pillow calls some cameras' JPEGs "MPO".
IMAGE_FORMATS = {"JPEG": ("image/jpeg", "jpg"), "MPO": ("image/jpeg", "jpg"), "PNG": ("image/png", "png"),
                 "WEBP": ("image/webp", "webp"), "GIF": ("image/gif", "gif")}
# filetype's matchers, tried in this order (audio first: an M4A is an MP4 container with an audio brand).
SIGNATURES = (
    (audio_types.Mp3(), MediaKind.AUDIO, "audio/mpeg", "mp3"),
    (audio_types.Ogg(), MediaKind.AUDIO, "audio/ogg", "ogg"),
    (audio_types.Wav(), MediaKind.AUDIO, "audio/wav", "wav"),
    (audio_types.M4a(), MediaKind.AUDIO, "audio/mp4", "m4a"),
    (audio_types.Aac(), MediaKind.AUDIO, "audio/aac", "aac"),
    (video_types.Mp4(), MediaKind.VIDEO, "video/mp4", "mp4"),
    (video_types.Webm(), MediaKind.VIDEO, "video/webm", "webm"),
)


def media_format(data: bytes) -> tuple[MediaKind, str, str] | None:
    """(kind, MIME type, extension) of a picture, audio or video file as its bytes show, or None."""
    image = IMAGE_FORMATS.get(storage.image_format(data) or "")
    if image is not None:
        return (MediaKind.IMAGE, *image)
    matcher = filetype.match(data[:8192], matchers=[signature[0] for signature in SIGNATURES])
    return next((signature[1:] for signature in SIGNATURES if signature[0] is matcher), None)


def _display_name(filename: str, extension: str) -> str:
    """The file's own name without any folder, on one line and short enough to keep."""
    name = re.split(r"[/\\]", filename or "")[-1]
    name = " ".join("".join(char if char.isprintable() else " " for char in name).split())
    return name[-MAX_FILENAME_LENGTH:] or f"file.{extension}"


def _too_large(kind: MediaKind, filename: str) -> str:
    if kind == MediaKind.IMAGE:
        return _("%(file)s is too large: a picture may have at most %(mb)d MB.", file=filename,
                 mb=MAX_BYTES[kind] // MB)
    if kind == MediaKind.AUDIO:
        return _("%(file)s is too large: an audio file may have at most %(mb)d MB.", file=filename,
                 mb=MAX_BYTES[kind] // MB)
    return _("%(file)s is too large: a video may have at most %(mb)d MB.", file=filename, mb=MAX_BYTES[kind] // MB)


def store_media(institute_id: int, filename: str, data: bytes, *, actor: User | None = None) -> Media:
    """Check a file (its bytes) and keep it as the institute's media; the same bytes kept before are
    that Media again. Refusals (empty, not an accepted format, too large) name the file."""
    data = data or b""
    shown = _display_name(filename, "bin")
    if not data:
        raise ValidationError(_("%(file)s is empty.", file=shown), field="file")
    if len(data) > MAX_UPLOAD_BYTES:
        raise ValidationError(_("%(file)s is too large: a file may have at most %(mb)d MB.", file=shown,
                                mb=MAX_UPLOAD_BYTES // MB), field="file")
    found = media_format(data)
    if found is None:
        raise ValidationError(_("%(file)s is not a picture, audio or video file that can be used here "
                                "(pictures: JPEG, PNG, WebP, GIF; audio: MP3, Ogg, WAV, M4A, AAC; video: MP4, "
                                "WebM).", file=shown), field="file")
    kind, content_type, extension = found
    if len(data) > MAX_BYTES[kind]:
        raise ValidationError(_too_large(kind, shown), field="file")
    digest = hashlib.sha256(data).hexdigest()
    kept = select(Media).where(Media.institute_id == institute_id, Media.sha256 == digest)
    known = db.session.scalar(kept)
    if known is not None:
        return known
    storage_key = storage.store_media_file(institute_id, extension, data)
    table = Media.__table__
    # One statement: another request may keep the same bytes between our look and our insert (two authors,
    # one file); the unique index makes this insert wait for theirs and find it, and theirs is the file.
    inserted = db.session.scalar(UPSERTS[db.session.get_bind().dialect.name](table).values(
        institute_id=institute_id, filename=_display_name(filename, extension), content_type=content_type,
        kind=kind, size=len(data), sha256=digest, storage_key=storage_key, created_at=utcnow(),
        created_by_id=actor.id if actor is not None else None,
    ).on_conflict_do_nothing(index_elements=[table.c.institute_id, table.c.sha256]).returning(table.c.id))
    if inserted is None:
        storage.remove_media_file(storage_key)
        return db.session.scalar(kept)
    return db.session.get(Media, inserted)


def upload_media(actor: User, filename: str, data: bytes | None) -> Media:
    """A file an author adds to a question (the form's "Insert picture, audio or video"); None: no file sent."""
    require(actor, Permission.EDIT_BANK)
    if data is None:
        raise ValidationError(_("Choose a picture, audio or video file."), field="file")
    return store_media(actor.institute_id, filename, data, actor=actor)


def media_url(media: Media) -> str:
    """The URL question HTML holds for a media file (staff pages serve it as it is; candidate pages
    rewrite it to their sitting's own URL)."""
    name = secure_filename(media.filename) or "file." + media.storage_key.rpartition(".")[2]
    return f"/media/{media.id}/{name}"


def media_id_from_url(url: str | None) -> int | None:
    """The id in one of our media URLs (`media_url`'s shape, nothing before or after it), else None."""
    match = MEDIA_URL.fullmatch((url or "").strip())
    if match is None:
        return None
    try:
        return parse_id(match[1], "Media")
    except NotFound:   # an id no record can have (0, or past the id column's range)
        return None


def media_from_url(institute_id: int, url: str | None) -> Media | None:
    """The institute's media file that a URL names; None for any other URL or another institute's file."""
    media_id = media_id_from_url(url)
    if media_id is None:
        return None
    return db.session.scalar(select(Media).where(Media.id == media_id, Media.institute_id == institute_id))


def media_ids_in_html(html: str | None) -> list[int]:
    """The ids of the media URLs that HTML's pictures, audio and video show, in order of appearance, each once."""
    ids = []
    for __, attributes in media_elements(html):
        media_id = media_id_from_url(attributes.get("src"))
        if media_id is not None and media_id not in ids:
            ids.append(media_id)
    return ids


def media_ids_in_institute(institute_id: int, urls) -> set[str]:
    """Those of the URLs that name a media file of the institute."""
    ids = {url: media_id_from_url(url) for url in urls if url}
    ids = {url.strip(): media_id for url, media_id in ids.items() if media_id is not None}
    if not ids:
        return set()
    own = set(db.session.scalars(select(Media.id).where(Media.institute_id == institute_id,
                                                        Media.id.in_(set(ids.values())))))
    return {url for url, media_id in ids.items() if media_id in own}


def media_in_html(institute_id: int, html: str | None) -> list[Media]:
    """The institute's media files that HTML shows, in order of appearance (another institute's are left out)."""
    ids = media_ids_in_html(html)
    if not ids:
        return []
    found = {media.id: media for media in db.session.scalars(
        select(Media).where(Media.institute_id == institute_id, Media.id.in_(ids)))}
    return [found[media_id] for media_id in ids if media_id in found]


def media_for_documents(institute_id: int, html: str) -> str:
    """HTML for a document read away from the app's pages (a report's PDF, the shared report): each of the
    institute's pictures embedded from storage as a data: URI (documents fetch nothing else), each recording
    or video as a line naming its file. Media of another institute are left out."""
    found = {media.id: media for media in media_in_html(institute_id, html)}

    def embedded(match) -> str:
        ids = media_ids_in_html(match[0])
        if not ids:   # not one of the bank's files (a document's own picture, such as the logo)
            return match[0]
        media = found.get(ids[0])
        if match[1] is None:
            if media is None or media.kind != MediaKind.IMAGE:
                return ""
            alt = next((attributes.get("alt", "") for __, attributes in media_elements(match[0])), "")
            data = base64.b64encode(media_bytes(media)).decode("ascii")
            return f'<img src="data:{media.content_type};base64,{data}" alt="{escape(alt)}">'
        name = media.filename if media is not None else "?"
        line = (_("Recording: %(file)s", file=name) if match[1].lower() == "audio"
                else _("Video: %(file)s", file=name))
        return f'<p class="media-file">{escape(line)}</p>'

    return _DOCUMENT_MEDIA.sub(embedded, html)


def media_file(media: Media) -> Path:
    """Where the file is (for serving it with ranges and validators)."""
    return storage.media_path(media.storage_key)


def media_bytes(media: Media) -> bytes:
    return media_file(media).read_bytes()


def get_media(institute_id: int, media_id) -> Media:
    """The institute's media file with this id; another institute's is not found."""
    return get_in_institute(Media, institute_id, media_id, "Media")
