"""Retakes: an exam may allow a candidate several attempts (`Exam.max_attempts`), each a sitting of its own
with its own paper, responses and result, numbered by `Sitting.attempt`. The next attempt may begin once
the latest one is finished (graded or not: a result waiting for a grader never holds a candidate back,
and each attempt's result stands on its own) and the exam's waiting period since that finish has passed.
`retake_chance` is the one place of that rule; `start_retake` creates the new sitting, which goes through
the check and admission like a first attempt."""
from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask_babel import gettext as _
from sqlalchemy import select

from webapp.core.clock import utcnow
from webapp.core.errors import Conflict
from webapp.core.extensions import db
from webapp.exams.models import Exam
from webapp.exams.windows import local_moment, parse_time_zone
from webapp.sittings.models import Sitting


@dataclass(frozen=True)
class RetakeChance:
    """Whether the candidate of a sitting may take its exam again now, and if not, why not."""

    attempt: int                  # the number the next attempt would have
    max_attempts: int
    opens_at: datetime | None     # while waiting: the moment (in the exam's time zone) the retake is possible
    reason: str | None            # None when the retake is possible now

    @property
    def allowed(self) -> bool:
        return self.reason is None

    @property
    def later(self) -> bool:
        """Not now, but after the waiting period."""
        return self.opens_at is not None


def latest_attempt(exam_id: int, candidate_id: int) -> Sitting | None:
    """The candidate's sitting with the highest attempt number in the exam."""
    return db.session.scalar(select(Sitting).where(Sitting.exam_id == exam_id, Sitting.candidate_id == candidate_id)
                             .order_by(Sitting.attempt.desc()).limit(1))


def _when(exam: Exam, moment: datetime) -> str:
    return local_moment(moment, parse_time_zone(exam.time_zone))


def retake_chance(sitting: Sitting, *, now: datetime | None = None) -> RetakeChance | None:
    """The chance of a retake after `sitting`, which must be the candidate's latest attempt; None when the
    exam allows one attempt only or is deactivated (nothing to offer), or the sitting is not finished."""
    exam = sitting.exam
    if exam.max_attempts <= 1 or not sitting.is_finished or not exam.is_active:
        return None
    attempt = sitting.attempt + 1
    if sitting.attempt >= exam.max_attempts:
        used = _("You have used both attempts this test allows; no attempts are left.") if exam.max_attempts == 2 \
            else _("You have used all %(count)d attempts this test allows; no attempts are left.",
                   count=exam.max_attempts)
        return RetakeChance(attempt, exam.max_attempts, None, used)
    opens_at = sitting.finished_at + timedelta(hours=exam.retake_wait_hours)
    if (now or utcnow()) < opens_at:
        local = opens_at.astimezone(parse_time_zone(exam.time_zone))
        return RetakeChance(attempt, exam.max_attempts, local,
                            _("You may take this test again from %(when)s.", when=_when(exam, local)))
    return RetakeChance(attempt, exam.max_attempts, None, None)


@dataclass(frozen=True)
class RetakeOffer:
    """What an attempt's done page says of the next one: the candidate's newer attempt to go on with, or
    the chance of a retake after their latest attempt (None: nothing to say)."""

    newer: Sitting | None
    chance: RetakeChance | None


def retake_offer(sitting: Sitting, *, now: datetime | None = None) -> RetakeOffer:
    latest = latest_attempt(sitting.exam_id, sitting.candidate_id)
    if latest.id != sitting.id and not latest.is_finished:
        return RetakeOffer(latest, None)
    return RetakeOffer(None, retake_chance(latest, now=now))


def start_retake(sitting: Sitting, *, now: datetime | None = None) -> Sitting:
    """A new sitting of the same exam for the candidate of `sitting` (the candidate's latest attempt is
    what counts, whichever of their links asks), or Conflict saying why not. It keeps the registration
    answers and context data and starts at `registered` with a personal link of its own."""
    # Locked, so that a double click or two tabs cannot start the same attempt twice.
    latest = db.session.scalar(select(Sitting).where(Sitting.exam_id == sitting.exam_id,
                                                     Sitting.candidate_id == sitting.candidate_id)
                               .order_by(Sitting.attempt.desc()).limit(1).with_for_update())
    if not latest.is_finished:
        raise Conflict(_("Your latest attempt at this test is not finished yet."))
    chance = retake_chance(latest, now=now)
    if chance is None:
        raise Conflict(_("This test cannot be taken again."))
    if not chance.allowed:
        raise Conflict(chance.reason)
    retake = Sitting(institute_id=latest.institute_id, exam_id=latest.exam_id, candidate_id=latest.candidate_id,
                     attempt=chance.attempt, access_token=secrets.token_urlsafe(24),
                     registration=dict(latest.registration), context_data=latest.context_data,
                     registered_by=latest.registered_by)
    db.session.add(retake)
    db.session.flush()
    return retake
