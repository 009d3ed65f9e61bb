"""The media of a sitting's items as the candidate gets them: through the sitting's own URL
(/s/<token>/media/<id>, webapp/candidate/views.py), which serves only a file one of the sitting's items shows, and only while the
sitting shows its items; and the plays of an audio file that an item limits (`<audio data-max-plays="N">`).

Staff pages show question HTML with the bank's URLs (/media/<id>/<name>, for logged-in staff of the
institute); `show_media` rewrites the HTML of the items on a candidate's page to the sitting's URLs,
with what the page's script needs to count plays (static/js/candidate/media.js).

Preloading: on the instructions page (`exam_session_opened`, before the clock runs) the page fetches
every file of the paper frozen when the session opened (`media_to_come`), so pictures and recordings come from the browser's cache once the test runs; audio and video on the exam
page also carry preload="auto"."""
from __future__ import annotations

import re
from collections.abc import Callable
from html import escape
from typing import NamedTuple

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm.attributes import set_committed_value

from webapp.bank.media import get_media, media_id_from_url, media_ids_in_html
from webapp.bank.models import Media
from webapp.bank.sanitize import media_elements
from webapp.core.database import UPSERTS, parse_id
from webapp.core.errors import Conflict, NotFound
from webapp.core.extensions import db
from webapp.sittings import taking
from webapp.sittings.models import MediaPlay, Sitting, SittingItem, SittingStatus

S = SittingStatus
# A media element's start tag in sanitised HTML (nh3 writes attributes double-quoted).
_MEDIA_TAG = re.compile(r"<(img|audio|video|source)\b([^>]*)>")
_SRC = re.compile(r'\ssrc="([^"]*)"')
# The first <source> of an <audio> without a src of its own.
_FIRST_SOURCE = re.compile(r'(?:(?!</audio>).)*?<source\b[^>]*\ssrc="([^"]*)"', re.DOTALL)


class CandidateUrls(NamedTuple):
    """The sitting's own URLs of a media file (by id): the file, and where its plays are counted."""

    file: Callable[[int], str]
    play: Callable[[int], str]


class PlaysUsedUp(Conflict):
    """A play of a recording past the number its item allows."""


def _item_html(item) -> str:
    """All the HTML of an item a candidate sees: its text and its options (any part with "html")."""
    parts = [item.stem or ""]
    parts += [str(part.get("html") or "") for part in item.options or [] if isinstance(part, dict)]
    return "".join(parts)


def _shown_items(sitting: Sitting) -> list[SittingItem]:
    """The items whose media the candidate may load now: the frozen paper's, but its closed sections'."""
    items = db.session.scalars(select(SittingItem).where(SittingItem.sitting_id == sitting.id)
                               .order_by(SittingItem.position)).all()
    closed = {index for index, section in enumerate(sitting.sections or []) if section.get("closed")}
    return [item for item in items if item.section_index not in closed]


def media_to_come(sitting: Sitting) -> list[Media]:
    """The media of the paper frozen for the sitting, in order, for the instructions page to preload."""
    taking.freeze_paper(sitting)
    ids = media_ids_in_html("".join(_item_html(item) for item in _shown_items(sitting)))
    found = {media.id: media for media in db.session.scalars(
        select(Media).where(Media.institute_id == sitting.institute_id, Media.id.in_(ids)))} if ids else {}
    return [found[media_id] for media_id in ids if media_id in found]


def sitting_media(sitting: Sitting, media_id) -> Media:
    """A media file for the candidate: one that an item of the sitting shows, while the candidate may go
    on (before Start: one of the paper to come). Anything else, another sitting's file too, is not found."""
    media_id = parse_id(media_id, "Media")
    if sitting.status in (S.EXAM_SESSION_OPENED, S.EXAM_STARTED):
        shown = {found for item in _shown_items(sitting) for found in media_ids_in_html(_item_html(item))}
    else:
        shown = set()
    if media_id not in shown:
        raise NotFound("Media")
    return get_media(sitting.institute_id, media_id)


def _limits(html: str) -> dict[int, int]:
    """Each limited recording of an item's HTML: {media id: the plays allowed}. A `<source>` belongs to the
    `<audio>` before it."""
    limits, allowed = {}, None
    if "data-max-plays" not in html.lower():   # most items: no need to parse them (each page shows 20 of them)
        return limits
    for tag, attributes in media_elements(html):
        if tag != "source":
            allowed = attributes.get("data-max-plays") if tag == "audio" else None
        media_id = media_id_from_url(attributes.get("src"))
        if allowed and media_id is not None:
            limits.setdefault(media_id, int(allowed))
    return limits


def _plays(sitting: Sitting) -> dict[tuple[int, int], int]:
    rows = db.session.execute(select(MediaPlay.item_id, MediaPlay.media_id, MediaPlay.plays)
                              .join(SittingItem, SittingItem.id == MediaPlay.item_id)
                              .where(SittingItem.sitting_id == sitting.id))
    return {(item_id, media_id): plays for item_id, media_id, plays in rows}


def play(sitting: Sitting, item_id, media_id) -> dict:
    """Count one play of a recording of an item before the page plays it: one statement that adds the
    play unless the item's limit is reached (then PlaysUsedUp). {"plays": n, "left": n or None}."""
    if sitting.status != S.EXAM_STARTED:
        raise Conflict(_("The test is not running."))
    item = db.session.scalar(select(SittingItem).where(SittingItem.sitting_id == sitting.id,
                                                       SittingItem.id == parse_id(item_id, "Question")))
    media_id = parse_id(media_id, "Media")
    if item is None or media_id not in media_ids_in_html(_item_html(item)):
        raise NotFound("Media")
    limit = _limits(_item_html(item)).get(media_id)
    plays = MediaPlay.__table__
    upsert = UPSERTS[db.session.get_bind().dialect.name](plays).values(item_id=item.id, media_id=media_id, plays=1)
    count = db.session.scalar(upsert.on_conflict_do_update(
        index_elements=[plays.c.item_id, plays.c.media_id], set_={"plays": plays.c.plays + 1},
        where=(plays.c.plays < limit) if limit else None).returning(plays.c.plays))
    if count is None:
        raise PlaysUsedUp(_("You have played this recording as often as allowed."))
    return {"plays": count, "left": None if limit is None else limit - count}


def _for_candidate(html: str, item_id: int, limits: dict[int, int], plays: dict, urls: CandidateUrls) -> str:
    def rewrite(match) -> str:
        tag, attributes = match[1], match[2]
        source = _SRC.search(attributes)
        media_id = media_id_from_url(source[1]) if source else None
        if media_id is not None:
            attributes = attributes.replace(source[0], f' src="{escape(urls.file(media_id))}"')
        elif tag == "audio":   # its files are its <source>s: the first names the recording counted
            first = _FIRST_SOURCE.match(match.string, match.end())
            media_id = media_id_from_url(first[1]) if first else None
        if tag in ("audio", "video"):
            attributes += ' preload="auto"'
        if tag == "audio" and media_id in limits:
            left = max(0, limits[media_id] - plays.get((item_id, media_id), 0))
            attributes += (f' data-plays-left="{left}" data-item="{item_id}" data-media="{media_id}"'
                           f' data-play-url="{escape(urls.play(media_id))}"')
        return f"<{tag}{attributes}>"

    return _MEDIA_TAG.sub(rewrite, html)


def show_media(sitting: Sitting, items: list[SittingItem], urls: CandidateUrls) -> None:
    """Rewrite the media URLs of the items a candidate's page shows to the sitting's own (`urls`, made by the
    candidate's pages), with the plays left of each limited recording. Only the loaded copies change:
    nothing is written back."""
    limits = {item.id: _limits(_item_html(item)) for item in items}
    # The plays are read only for a page with a limited recording (most pages have none).
    plays = _plays(sitting) if any(limits.values()) else {}
    for item in items:
        stem = _for_candidate(item.stem, item.id, limits[item.id], plays, urls)
        options = [{**option, "html": _for_candidate(option["html"], item.id, limits[item.id], plays, urls)}
                   if isinstance(option, dict) and isinstance(option.get("html"), str) else option
                   for option in item.options or []]
        set_committed_value(item, "stem", stem)
        set_committed_value(item, "options", options)
