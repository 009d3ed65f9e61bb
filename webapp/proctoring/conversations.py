"""A sitting's conversation and its timeline. Messages go both ways: a proctor's reaches the exam page with
the clock poll (services.clock); a candidate's comes from the page's message panel with the page's own key, so
that a message sent again after a lost connection is stored once, and stays unread until staff open the
conversation. The timeline puts the sitting's events (flags and the proctor's messages among them), the
candidate's messages and the snapshots in one list in time order for review; the flags are the moments a
reviewer steps through.

These functions take a sitting already authorised (staff through services.proctored_sitting, the candidate
through the link's token); only staff ever see flags and their notes."""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from webapp.core.clock import utcnow
from webapp.core.errors import Conflict, ValidationError
from webapp.core.extensions import db
from webapp.core.validation import multi_line
from webapp.proctoring.models import CandidateMessage, MessageAuthor, Snapshot
from webapp.sittings.models import ProctorEvent, Sitting, SittingStatus

MAX_MESSAGE = 1000   # characters of a candidate's message: a question or an answer, not an essay
_CLIENT_KEY = re.compile(r"^[A-Za-z0-9_-]{16,64}$")
FLAG_RAISED = "flag_raised"

# Per sitting (correlated with Sitting.id): the candidate's messages no staff member has read yet.
UNREAD = (select(func.count()).where(CandidateMessage.sitting_id == Sitting.id,
                                     CandidateMessage.author == MessageAuthor.CANDIDATE,
                                     CandidateMessage.read_at.is_(None))
          .correlate(Sitting).scalar_subquery())


def candidate_says(sitting: Sitting, body, client_key, *, now: datetime | None = None) -> CandidateMessage:
    """A message from the running exam page. The same key again (the page sends what it has not seen
    acknowledged) gives back the message stored the first time."""
    client_key = str(client_key or "")
    if not _CLIENT_KEY.match(client_key):
        raise ValidationError(_("The message has no valid key; please reload the page."), field="key")
    if sitting.status != SittingStatus.EXAM_STARTED:
        raise Conflict(_("The test is over; your message was not sent."))
    body = multi_line(body if isinstance(body, str) else "", _("The message"), field="body", max_length=MAX_MESSAGE)
    earlier = _by_key(sitting.id, client_key)
    if earlier is not None:
        return earlier
    now = now or utcnow()
    message = CandidateMessage(sitting_id=sitting.id, author=MessageAuthor.CANDIDATE, body=body,
                               client_key=client_key, created_at=now, delivered_at=now)
    try:
        # Two copies racing (a retry while the first is still on its way): the unique key keeps one.
        with db.session.begin_nested():
            db.session.add(message)
    except IntegrityError:
        return _by_key(sitting.id, client_key)
    return message


def _by_key(sitting_id: int, client_key: str) -> CandidateMessage | None:
    return db.session.scalar(select(CandidateMessage).where(CandidateMessage.sitting_id == sitting_id,
                                                            CandidateMessage.client_key == client_key))


def messages_of(sitting: Sitting) -> list[CandidateMessage]:
    """The whole conversation in the order it was written (staff's report, the exam page)."""
    return list(db.session.scalars(select(CandidateMessage).where(CandidateMessage.sitting_id == sitting.id)
                                   .order_by(CandidateMessage.created_at, CandidateMessage.id)))


def candidate_conversation(sitting: Sitting) -> list[CandidateMessage]:
    """What the exam page shows when it opens: the candidate's messages and the proctor's that reached the
    page; the others come with the next clock poll, once."""
    return [message for message in messages_of(sitting) if message.delivered_at is not None]


def read(sitting: Sitting, *, now: datetime | None = None) -> list[CandidateMessage]:
    """The conversation as staff open it: the candidate's messages are read from now on."""
    db.session.execute(update(CandidateMessage).where(
        CandidateMessage.sitting_id == sitting.id, CandidateMessage.author == MessageAuthor.CANDIDATE,
        CandidateMessage.read_at.is_(None)).values(read_at=now or utcnow()))
    return messages_of(sitting)


# The timeline ------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Moment:
    """One line of a sitting's timeline: `kind` is event, message or snapshot; `record` is its row."""

    at: datetime
    kind: str
    record: ProctorEvent | CandidateMessage | Snapshot

    @property
    def is_event(self) -> bool:
        return self.kind == "event"

    @property
    def is_message(self) -> bool:
        return self.kind == "message"

    @property
    def flagged(self) -> bool:
        """A moment a reviewer steps through: a proctor raised a flag."""
        return self.is_event and self.record.kind == FLAG_RAISED


_ORDER = {"event": 0, "message": 1, "snapshot": 2}


def timeline(sitting: Sitting, events: list[ProctorEvent], messages: list[CandidateMessage]) -> list[Moment]:
    """The sitting's events (those given, which may be the latest only), the candidate's messages and the
    snapshots, oldest first; what happened at the same instant keeps the order it was written in. A proctor's
    message and a flag are events of their own ("message_sent", "flag_raised"), so they are not repeated."""
    snapshots = db.session.scalars(select(Snapshot).where(Snapshot.sitting_id == sitting.id).order_by(Snapshot.id))
    moments = [Moment(event.created_at, "event", event) for event in events]
    moments += [Moment(message.created_at, "message", message) for message in messages if message.from_candidate]
    moments += [Moment(shot.created_at, "snapshot", shot) for shot in snapshots]
    return sorted(moments, key=lambda moment: (moment.at, _ORDER[moment.kind], moment.record.id))
