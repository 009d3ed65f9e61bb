"""Sittings: one candidate's place in one exam, from registration to result. The state machine lives
in `sittings/services.py`; nothing else sets `status`."""
from __future__ import annotations

import enum
import re
from datetime import datetime
from typing import Optional

from flask_babel import gettext as _, lazy_gettext as _l, ngettext
from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint, false, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from webapp.bank.models import CefrLevel, QuestionType
from webapp.candidates.models import Candidate
from webapp.core.clock import utcnow
from webapp.core.database import TimestampMixin, UTCDateTime, enum_type
from webapp.core.extensions import db
from webapp.core.labels import Labelled, labels
from webapp.exams.models import Exam


class SittingStatus(Labelled, enum.StrEnum):
    REGISTERED = "registered"
    MAIL_SENT = "mail_sent"
    CHECK_STARTED = "check_started"
    CHECK_COMPLETED = "check_completed"
    EXAM_SESSION_OPENED = "exam_session_opened"
    EXAM_STARTED = "exam_started"
    EXAM_FINISHED = "exam_finished"

    @property
    def mettl_status(self) -> str:
        """Mettl's view of the same state."""
        if self == SittingStatus.EXAM_STARTED:
            return "InProgress"
        if self == SittingStatus.EXAM_FINISHED:
            return "Completed"
        return "ToBeTaken"


labels(SittingStatus, {
    SittingStatus.REGISTERED: _l('Registered'),
    SittingStatus.MAIL_SENT: _l('Invitation delivered'),
    SittingStatus.CHECK_STARTED: _l('System check started'),
    SittingStatus.CHECK_COMPLETED: _l('System check passed'),
    SittingStatus.EXAM_SESSION_OPENED: _l('Admitted'),
    SittingStatus.EXAM_STARTED: _l('Taking the test'),
    SittingStatus.EXAM_FINISHED: _l('Finished'),
})


NOT_STARTED = frozenset({SittingStatus.REGISTERED, SittingStatus.MAIL_SENT, SittingStatus.CHECK_STARTED,
                         SittingStatus.CHECK_COMPLETED, SittingStatus.EXAM_SESSION_OPENED})


class FinishMode(Labelled, enum.StrEnum):
    NORMAL_SUBMISSION = "NormalSubmission"
    EXPIRED = "Expired"
    TERMINATED_BY_PROCTOR = "TerminatedByProctor"
    BROWSING_TOLERANCE_EXCEEDED = "BrowsingToleranceExceeded"


labels(FinishMode, {
    FinishMode.NORMAL_SUBMISSION: _l('Submitted by the candidate'),
    FinishMode.EXPIRED: _l('Time ran out'),
    FinishMode.TERMINATED_BY_PROCTOR: _l('Ended by a proctor'),
    FinishMode.BROWSING_TOLERANCE_EXCEEDED: _l('Ended: left the test page too often'),
})


# The ways a test ends that a proctor may undo by resuming it with new time.
RESUMABLE = frozenset({FinishMode.EXPIRED, FinishMode.TERMINATED_BY_PROCTOR})


# What a proctor may flag, in the order the sitting page offers them, with the words people read.
FLAG_CATEGORIES = {
    "multiple_faces": _l("Several faces"),
    "no_face": _l("No face in view"),
    "other_person": _l("Another person"),
    "phone": _l("Phone"),
    "talking": _l("Talking"),
    "materials": _l("Unpermitted materials"),
    "identity": _l("Identity in doubt"),
    "browsing": _l("Other websites or programs"),
    "other": _l("Something else"),
}


def flag_category_label(category: str) -> str:
    return str(FLAG_CATEGORIES.get(category) or _("Something else"))


def attempt_seconds(sitting) -> int | None:
    """Whole seconds the candidate spent on the test (Mettl's attemptTime): the time between a finish and
    a resume is not in it. None until finished. `sitting` may be a row of started_at, finished_at and
    seconds_spent (the exports read no Sitting)."""
    if sitting.started_at is None or sitting.finished_at is None:
        return None
    return round(sitting.seconds_spent)


# A sitting's score as a share of its maximum, as results.outcomes.score_ratio writes it in SQL.
SCORE = "(total_marks / NULLIF(max_marks, 0))"
SCORE_INCLUDES = ["institute_id", "graded_at", "total_marks", "max_marks", "released_at"]


class Sitting(TimestampMixin, db.Model):
    __tablename__ = "sittings"
    __table_args__ = (
        # A retake is a new sitting of the same exam: one row per attempt (webapp/sittings/retakes.py).
        UniqueConstraint("exam_id", "candidate_id", "attempt"),
        Index("ix_sittings_exam_status", "exam_id", "status"),
        # The worker's sweep for sittings whose time ran out while nobody was looking.
        Index("ix_sittings_status_deadline", "status", "deadline"),
        # The retention job's sweep for check photos older than their institute keeps images.
        Index("ix_sittings_institute_check_photos", "institute_id", "check_photos_at"),
        # The results page's default order (results.services.exam_results), read by PostgreSQL a page at a
        # time, and its counts, score distribution and percentiles read from the index alone (the included
        # columns change only when a sitting finishes, is graded or released: the candidates' frequent
        # updates stay HOT). SQLite, the small embedded default, scans.
        Index("ix_sittings_exam_score", "exam_id", "status", text(f"{SCORE} DESC NULLS LAST"), text("id DESC"),
              postgresql_include=SCORE_INCLUDES).ddl_if(dialect="postgresql"),
        # Mettl's list of a schedule's candidates, by testStartTime (api/mettl_v1).
        Index("ix_sittings_exam_started", "exam_id", text("started_at DESC NULLS LAST"), text("id DESC"))
        .ddl_if(dialect="postgresql"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    institute_id: Mapped[int] = mapped_column(ForeignKey("institutes.id"), index=True)
    exam_id: Mapped[int] = mapped_column(ForeignKey("exams.id"))
    candidate_id: Mapped[int] = mapped_column(ForeignKey("candidates.id"), index=True)
    # Which of the candidate's attempts at this exam this sitting is: 1, then 2, ... for each retake.
    attempt: Mapped[int] = mapped_column(default=1, server_default="1")
    # The personal link's secret; unguessable, and the only thing a candidate needs to come back.
    access_token: Mapped[str] = mapped_column(String(64), unique=True)
    status: Mapped[SittingStatus] = mapped_column(enum_type(SittingStatus), default=SittingStatus.REGISTERED)
    finish_mode: Mapped[Optional[FinishMode]] = mapped_column(enum_type(FinishMode), default=None)
    # The answers to the assessment's registration fields, by field name (Mettl's "registration").
    registration: Mapped[dict] = mapped_column(JSON, default=dict)
    # Opaque data an integrator passed at registration (Mettl's optionalParams context_data).
    context_data: Mapped[str] = mapped_column(Text, default="")
    mail_sent_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime, default=None)
    started_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime, default=None)
    deadline: Mapped[Optional[datetime]] = mapped_column(UTCDateTime, default=None)
    finished_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime, default=None)
    registered_by: Mapped[str] = mapped_column(String(20), default="staff")   # staff, api, open link
    # Taking the test
    check: Mapped[dict] = mapped_column(JSON, default=dict)            # what the check recorded (browser, photos)
    # When the check's photos were stored; None once the retention job has removed them (or there were none).
    check_photos_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime, default=None)
    ip_address: Mapped[str] = mapped_column(String(45), default="")
    extra_minutes: Mapped[int] = mapped_column(default=0)
    # Accommodations staff grant a candidate (WCAG 2.1 "timing adjustable", low vision): a share of the
    # test's duration added to its time and to each timed section's, larger text, high contrast.
    extra_time_percent: Mapped[int] = mapped_column(default=0, server_default="0")
    large_text: Mapped[bool] = mapped_column(default=False, server_default=false())
    high_contrast: Mapped[bool] = mapped_column(default=False, server_default=false())
    # [{"name", "instructions", "duration", "deadline", "closed"}] frozen when the session opens; timed sections run in turn
    sections: Mapped[list] = mapped_column(JSON, default=list)
    current_section: Mapped[int] = mapped_column(default=0)
    current_item: Mapped[int] = mapped_column(default=0)               # where the candidate was, for resume
    # When the count of time on the current item began (taking.py, "Time spent"); None while no time runs:
    # before the start, after the finish, and while the candidate is away after a resume or a silent page.
    item_entered_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime, default=None)
    # The sum of the responses' seconds_spent, added in the same statements; kept here for the results
    # table's sort and the webhooks (Mettl's attemptTime).
    seconds_spent: Mapped[float] = mapped_column(default=0.0, server_default="0")
    last_seen_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime, default=None)
    # The result (Mettl's shapes are built from these); graded once nothing waits for a grader
    total_marks: Mapped[Optional[float]] = mapped_column(default=None)
    max_marks: Mapped[Optional[float]] = mapped_column(default=None)
    graded_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime, default=None)
    # The outcome, set when graded (webapp/results/outcomes.py) and told when released (results/release.py):
    # the level a placement test reached, and whether a certification was passed (a failed one means:
    # continue the course package).
    level: Mapped[Optional[CefrLevel]] = mapped_column(enum_type(CefrLevel), default=None)
    passed: Mapped[Optional[bool]] = mapped_column(default=None)
    # Release (webapp/results/release.py): when the result reached the candidate and who released it (None:
    # released automatically), what the candidate was last told of it (total, max, percent, level, passed,
    # certificate, withheld; None: nothing yet), and the candidate's level before this result moved it.
    released_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime, default=None)
    # A user's id without a foreign key: SQLite adds a column with one only by copying the table, which
    # would delete the rows that refer to the sitting (revision 0009 adds its columns in place).
    released_by_id: Mapped[Optional[int]] = mapped_column(default=None)
    released_outcome: Mapped[Optional[dict]] = mapped_column(JSON, default=None)
    level_before_release: Mapped[Optional[CefrLevel]] = mapped_column(enum_type(CefrLevel), default=None)
    # A placement's evidence, set with its level (webapp/results/placement.py `placement`): the level of
    # each skill and the share right at each level, kept so that result lists need not re-read responses.
    # None before the rule recorded it ("not recorded").
    placement: Mapped[Optional[dict]] = mapped_column(JSON, default=None)
    # An adaptive placement (webapp/sittings/adaptive.py): the pool frozen when the session opened (each question's
    # frozen item, parameters and skill; an item becomes a SittingItem when served) and the test's course
    # {"rules", "start", "path": [{"position", "score", "ability", "standard_error"}], "stop_reason"}.
    adaptive_pool: Mapped[Optional[list]] = mapped_column(JSON, default=None)
    adaptive: Mapped[Optional[dict]] = mapped_column(JSON, default=None)
    # The unguessable key of the shared HTML and PDF report (Mettl's htmlReport and pdfReport).
    report_key: Mapped[Optional[str]] = mapped_column(String(64), unique=True, default=None)

    exam: Mapped[Exam] = relationship()
    candidate: Mapped[Candidate] = relationship()

    @property
    def allowed_minutes(self) -> int:
        """The test's time for this candidate: its duration, a proctor's extra minutes and the accommodation's."""
        return (self.exam.assessment.duration_minutes or 0) + self.extra_minutes + self.accommodation_minutes

    @property
    def accommodation_minutes(self) -> int:
        """The minutes `extra_time_percent` adds to the test, rounded up: 25 % of 50 minutes is 13."""
        return -(-(self.exam.assessment.duration_minutes or 0) * self.extra_time_percent // 100)

    @property
    def attempt_label(self) -> str | None:
        """"attempt 2 of 3" where the exam allows retakes (or a retake was taken before it stopped allowing
        them); None where one attempt is all there is."""
        allowed = max(self.exam.max_attempts, self.attempt)
        return _("attempt %(attempt)d of %(allowed)d", attempt=self.attempt, allowed=allowed) if allowed > 1 else None

    @property
    def is_not_started(self) -> bool:
        """Before the timer runs: the candidate can still be withdrawn from the exam."""
        return self.status in NOT_STARTED

    @property
    def is_running(self) -> bool:
        return self.status == SittingStatus.EXAM_STARTED

    @property
    def is_finished(self) -> bool:
        return self.status == SittingStatus.EXAM_FINISHED

    @property
    def is_resumable(self) -> bool:
        """Finished by the clock or by a proctor, so a proctor may re-open it with new time."""
        return self.is_finished and self.finish_mode in RESUMABLE

    @property
    def time_ran_out(self) -> bool:
        return self.finish_mode == FinishMode.EXPIRED

    @property
    def terminated_by_proctor(self) -> bool:
        return self.finish_mode == FinishMode.TERMINATED_BY_PROCTOR

    @property
    def attempt_seconds(self) -> int | None:
        return attempt_seconds(self)

    @property
    def continue_package(self) -> bool | None:
        """A failed certification sends the candidate back to their course package; None for other tests."""
        return None if self.passed is None else not self.passed


# A picture, a recording, a video or a LaTeX formula (\( or \[) in an option's HTML.
SHOWN_BEYOND_TEXT = re.compile(r"<(img|audio|video)\b|\\[(\[]")


class SittingItem(db.Model):
    """One question of a sitting, frozen when the exam starts: the text, the shuffled options and the
    key as they were then, so later edits of the bank never change a candidate's paper or score."""

    __tablename__ = "sitting_items"
    __table_args__ = (UniqueConstraint("sitting_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    sitting_id: Mapped[int] = mapped_column(ForeignKey("sittings.id", ondelete="CASCADE"), index=True)
    position: Mapped[int]                          # 0-based, across the whole paper
    section_index: Mapped[int]                     # 0-based index into Sitting.sections
    question_id: Mapped[int] = mapped_column(ForeignKey("questions.id"))
    question_type: Mapped[str] = mapped_column(String(20))
    skill_name: Mapped[str] = mapped_column(String(200))
    difficulty: Mapped[str] = mapped_column(String(20))
    cefr_level: Mapped[Optional[str]] = mapped_column(String(10), default=None)
    stem: Mapped[str] = mapped_column(Text)
    options: Mapped[list] = mapped_column(JSON, default=list)   # [{"id": "c", "html": "..."}] in shown order
    key: Mapped[dict] = mapped_column(JSON, default=dict)       # correct option ids, accepted answers, ...
    marks: Mapped[float]
    negative_marks: Mapped[float]

    @property
    def type(self) -> QuestionType:
        return QuestionType(self.question_type)

    # MATCHING keeps its targets after its premises among the options, each marked "target".
    @property
    def premises(self) -> list[dict]:
        return [option for option in self.options if not option.get("target")]

    @property
    def targets(self) -> list[dict]:
        return [option for option in self.options if option.get("target")]

    @property
    def targets_show_more_than_text(self) -> bool:
        """Whether a MATCHING target holds a picture, a recording or a formula, which a select's plain
        text cannot show: the page then lists the targets lettered, and the selects name the letters."""
        return any(SHOWN_BEYOND_TEXT.search(target.get("html") or "") for target in self.targets)

    @property
    def lowest_marks(self) -> float:
        """The least marks a person may give the item: its negative marks, 0 without negative marking."""
        return min(self.negative_marks, 0.0)


class Response(db.Model):
    """A candidate's answer to one item. Created empty when the exam starts, then only ever updated
    by a save with a higher version, so saves are idempotent and an older one never wins."""

    __tablename__ = "responses"
    __table_args__ = (UniqueConstraint("sitting_id", "item_id"),
                      Index("ix_responses_needs_grading", "needs_grading"))   # the grading queue

    id: Mapped[int] = mapped_column(primary_key=True)
    sitting_id: Mapped[int] = mapped_column(ForeignKey("sittings.id", ondelete="CASCADE"))
    item_id: Mapped[int] = mapped_column(ForeignKey("sitting_items.id", ondelete="CASCADE"))
    answer: Mapped[Optional[dict]] = mapped_column(JSON, default=None)   # None: not answered
    flagged: Mapped[bool] = mapped_column(default=False)
    version: Mapped[int] = mapped_column(default=0)
    saved_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime, default=None)
    # Seconds the candidate spent on this item, counted on the server (taking.py, "Time spent").
    seconds_spent: Mapped[float] = mapped_column(default=0.0, server_default="0")
    # Scoring, filled at finish (machine) or by a grader (manual)
    awarded: Mapped[Optional[float]] = mapped_column(default=None)
    correct: Mapped[Optional[bool]] = mapped_column(default=None)
    needs_grading: Mapped[bool] = mapped_column(default=False)
    # Manual grading: who marked it, when, and why. A later save of the answer (after a resume) clears
    # `marked_at`, so the item waits for a grader again.
    marked_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime, default=None)
    marked_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id"), default=None)
    grader_comment: Mapped[str] = mapped_column(Text, default="")


class ProctorEvent(db.Model):
    """Something that happened in a sitting: a state change, a copy attempt, a tab switch, a snapshot."""

    __tablename__ = "proctor_events"
    __table_args__ = (Index("ix_proctor_events_sitting_created", "sitting_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    sitting_id: Mapped[int] = mapped_column(ForeignKey("sittings.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(40))
    details: Mapped[dict] = mapped_column(JSON, default=dict)
    actor_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id"), default=None)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    @property
    def label(self) -> str:
        return event_label(self.kind)

    def describe(self, actor_name: str | None = None) -> str:
        """The details in plain words (never the stored JSON); `actor_name`, who did it, for staff moves."""
        return _describe_event(self, actor_name)


# What each kind of event is called in the proctor's event log (the kinds are written by sittings/taking.py,
# sittings/proctor_moves.py and proctoring/services.py; the exam page reports the browsing and copy ones).
EVENT_LABELS = {
    "check_started": _l("System check started"),
    "check_completed": _l("System check passed"),
    "admitted": _l("Admitted"),
    "admission_rejected": _l("Admission refused"),
    "exam_started": _l("Test started"),
    "section_entered": _l("Next section"),
    "exam_finished": _l("Test finished"),
    "terminated": _l("Terminated by a proctor"),
    "resumed": _l("Test reopened"),
    "time_extended": _l("Time extended"),
    "message_sent": _l("Message sent"),
    "flag_raised": _l("Flag raised"),
    "accommodations": _l("Accommodations set"),
    "tab_hidden": _l("Switched to another tab"),
    "window_blur": _l("Left the test window"),
    "fullscreen_exit": _l("Left full screen"),
    "copy_attempt": _l("Tried to copy"),
    "cut_attempt": _l("Tried to cut"),
    "paste_attempt": _l("Tried to paste"),
    "context_menu_attempt": _l("Opened the context menu"),
    # A learning platform's proctored attempt (webapp/lti/proctored.py).
    "lti_assessment_started": _l("Sent to the learning platform's assessment"),
    "lti_assessment_ended": _l("Ended on the learning platform"),
    "lti_control_sent": _l("Proctor's action sent to the learning platform"),
}


def event_label(kind: str) -> str:
    """The plain words for an event kind; a kind this version does not know yet reads as "Other event"."""
    return str(EVENT_LABELS.get(kind) or _("Other event"))


def _describe_event(event: ProctorEvent, actor_name: str | None) -> str:
    """The event's details as one sentence in the reader's language, naming the member of staff."""
    details = event.details or {}
    name = actor_name or _("a former member of staff")
    kind = event.kind
    if kind == "check_started" and details.get("ip"):
        return _("From the IP address %(ip)s.", ip=details["ip"])
    if kind == "admitted":
        return _("Admitted by %(name)s.", name=name)
    if kind == "admission_rejected":
        return _("Refused by %(name)s: %(reason)s", name=name, reason=details.get("reason", ""))
    if kind == "section_entered" and isinstance(details.get("section"), int):
        return _("Section %(number)d begins.", number=details["section"] + 1)
    if kind == "exam_finished" and details.get("finish_mode") in set(FinishMode):
        return FinishMode(details["finish_mode"]).label
    if kind == "terminated":
        return _("By %(name)s: %(reason)s", name=name, reason=details.get("reason", ""))
    if kind in ("resumed", "time_extended") and isinstance(details.get("minutes"), int):
        if kind == "resumed":
            return ngettext("Reopened by %(name)s with %(num)d minute.", "Reopened by %(name)s with %(num)d minutes.",
                            details["minutes"], name=name)
        if details.get("reason"):
            return ngettext("%(name)s gave %(num)d more minute: %(reason)s",
                            "%(name)s gave %(num)d more minutes: %(reason)s",
                            details["minutes"], name=name, reason=details["reason"])
        return ngettext("%(name)s gave %(num)d more minute.", "%(name)s gave %(num)d more minutes.",
                        details["minutes"], name=name)
    if kind == "accommodations":
        granted = [words for wanted, words in ((details.get("large_text"), _("larger text")),
                                               (details.get("high_contrast"), _("high contrast"))) if wanted]
        return _("%(name)s set %(percent)s%% extra time; %(aids)s.", name=name,
                 percent=details.get("extra_time_percent") or 0,
                 aids=", ".join(granted) if granted else _("no display aids"))
    if kind == "message_sent":
        return _("%(name)s wrote: %(message)s", name=name, message=details.get("body", ""))
    if kind == "flag_raised":
        category = flag_category_label(details.get("category", "other"))
        if details.get("note"):
            return _("%(name)s flagged %(category)s: %(note)s", name=name, category=category, note=details["note"])
        return _("%(name)s flagged %(category)s.", name=name, category=category)
    if kind == "lti_assessment_ended" and details.get("error"):
        return _("The learning platform reported: %(error)s", error=details["error"])
    return ""


class AnswerFile(db.Model):
    """A file a candidate sent as the answer to a file-upload item, kept in storage (core/storage.py). The
    response's answer names it ({"file": {"id", "name", "size", "type"}}) once the save after the upload is
    stored; a newer file of the same item replaces it then."""

    __tablename__ = "answer_files"

    id: Mapped[int] = mapped_column(primary_key=True)
    institute_id: Mapped[int] = mapped_column(ForeignKey("institutes.id"), index=True)
    sitting_id: Mapped[int] = mapped_column(ForeignKey("sittings.id", ondelete="CASCADE"), index=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("sitting_items.id", ondelete="CASCADE"), index=True)
    storage_key: Mapped[str] = mapped_column(String(200))
    name: Mapped[str] = mapped_column(String(200))       # as the candidate's device named it, cleaned
    size: Mapped[int]                                    # bytes
    mimetype: Mapped[str] = mapped_column(String(100))   # from the bytes (storage.answer_file_format)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    def as_answer(self) -> dict:
        return {"file": {"id": self.id, "name": self.name, "size": self.size, "type": self.mimetype}}


class MediaPlay(db.Model):
    """How often a sitting's item has played one of its audio files: the candidate page asks before each
    play (webapp/sittings/media.py), and an `<audio data-max-plays="N">` refuses past N, also after a reload."""

    __tablename__ = "media_plays"
    __table_args__ = (UniqueConstraint("item_id", "media_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("sitting_items.id", ondelete="CASCADE"))
    media_id: Mapped[int] = mapped_column(ForeignKey("media.id", ondelete="CASCADE"), index=True)
    plays: Mapped[int] = mapped_column(default=0)


class ReminderKind(Labelled, enum.StrEnum):
    OPENING = "opening"   # the exam's first window opens soon
    CLOSING = "closing"   # its last window closes soon, and the candidate has not started


labels(ReminderKind, {
    ReminderKind.OPENING: _l("Before the window opens"),
    ReminderKind.CLOSING: _l("Before the window closes"),
})


class SittingReminder(db.Model):
    """A reminder e-mail queued for a sitting, written with its outbox row: the primary key makes each
    kind go out once, even when two workers find it due together (webapp/sittings/reminders.py)."""

    __tablename__ = "sitting_reminders"

    sitting_id: Mapped[int] = mapped_column(ForeignKey("sittings.id", ondelete="CASCADE"), primary_key=True)
    kind: Mapped[ReminderKind] = mapped_column(enum_type(ReminderKind), primary_key=True)
    queued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
