"""The question bank: skills, questions and the media (pictures, audio, video) their text shows."""
from __future__ import annotations

import enum
from datetime import datetime
from typing import Optional

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from webapp.bank.matching import AnswerKey, Matching
from webapp.bank.numeric import NumericKey
from webapp.core.clock import utcnow
from webapp.core.database import TimestampMixin, UTCDateTime, enum_type
from webapp.core.extensions import db
from webapp.core.labels import Labelled, labels


class QuestionType(Labelled, enum.StrEnum):
    MCQ = "MCQ"                    # one correct option
    MCA = "MCA"                    # several correct options
    FITB = "FITB"                  # blanks [[1]]..[[n]] in the stem, each with accepted answers
    SHORT_ANSWER = "SHORT_ANSWER"  # accepted answers, or manual grading when there are none
    LONG_ANSWER = "LONG_ANSWER"    # essay, always graded by hand
    TRUE_FALSE = "TRUE_FALSE"      # two options, "true" and "false", one correct
    MATCHING = "MATCHING"          # premises (options), each matched with one of the targets
    ORDERING = "ORDERING"          # options to put in order; stored in the correct order
    NUMERIC = "NUMERIC"            # a number within a tolerance, with a unit where the units say
    FILE_UPLOAD = "FU"             # a file as the answer, graded by hand (Mettl's name, 4.1)

    # What the pages show of each type: options to choose from, boxes in the text, or a text to write.
    @property
    def has_options(self) -> bool:
        return self in (QuestionType.MCQ, QuestionType.MCA, QuestionType.TRUE_FALSE)

    @property
    def is_single_choice(self) -> bool:
        return self in (QuestionType.MCQ, QuestionType.TRUE_FALSE)

    @property
    def is_true_false(self) -> bool:
        return self == QuestionType.TRUE_FALSE

    @property
    def is_matching(self) -> bool:
        return self == QuestionType.MATCHING

    @property
    def is_ordering(self) -> bool:
        return self == QuestionType.ORDERING

    @property
    def offers_partial_credit(self) -> bool:
        """Types whose answers have parts that can be right one by one (scoring.py, "Partial credit")."""
        return self in (QuestionType.MCA, QuestionType.FITB, QuestionType.MATCHING, QuestionType.ORDERING)

    @property
    def has_blanks(self) -> bool:
        return self == QuestionType.FITB

    @property
    def is_essay(self) -> bool:
        return self == QuestionType.LONG_ANSWER

    # A number with its unit, typed; a file sent as the answer.
    @property
    def is_numeric(self) -> bool:
        return self == QuestionType.NUMERIC

    @property
    def takes_file(self) -> bool:
        return self == QuestionType.FILE_UPLOAD


labels(QuestionType, {
    QuestionType.MCQ: _l('Multiple choice (one answer)'),
    QuestionType.MCA: _l('Multiple choice (several answers)'),
    QuestionType.FITB: _l('Fill in the blanks'),
    QuestionType.SHORT_ANSWER: _l('Short answer'),
    QuestionType.LONG_ANSWER: _l('Essay'),
    QuestionType.TRUE_FALSE: _l('True or false'),
    QuestionType.MATCHING: _l('Matching'),
    QuestionType.ORDERING: _l('Ordering'),
    QuestionType.NUMERIC: _l('Numeric'),
    QuestionType.FILE_UPLOAD: _l('File upload'),
})


# Question types Mettl's API names (4.1) that this bank holds no items of: coding, SQL, case study,
# coding problem, front-end simulation and typing speed. A rule asking for one is valid
# and finds nothing (E706), as a type the bank has no items of does.
TYPES_WITHOUT_ITEMS = ("CODE", "SQL", "CS", "CP", "FES", "TS")


class Difficulty(Labelled, enum.StrEnum):
    EASY = "EASY"
    MEDIUM = "MEDIUM"
    DIFFICULT = "DIFFICULT"


labels(Difficulty, {
    Difficulty.EASY: _l('Easy'),
    Difficulty.MEDIUM: _l('Medium'),
    Difficulty.DIFFICULT: _l('Difficult'),
})


class CefrLevel(enum.StrEnum):
    """Common European Framework levels, in ascending order."""

    PRE_A1 = "Pre-A1"
    A1 = "A1"
    A2 = "A2"
    B1 = "B1"
    B2 = "B2"
    C1 = "C1"
    C2 = "C2"

    @property
    def rank(self) -> int:
        return list(CefrLevel).index(self)


class QuestionStatus(Labelled, enum.StrEnum):
    ACTIVE = "active"
    RETIRED = "retired"   # kept for sittings and results that use it, offered to no new assessment


labels(QuestionStatus, {
    QuestionStatus.ACTIVE: _l('Active'),
    QuestionStatus.RETIRED: _l('Retired'),
})


# Question.source: the institute's own question, or a copy of a catalogue test's (followed by its name).
CUSTOM_SOURCE = "Custom"
CATALOGUE_SOURCE = "Catalogue: "


class Skill(TimestampMixin, db.Model):
    __tablename__ = "skills"
    __table_args__ = (UniqueConstraint("institute_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    institute_id: Mapped[int] = mapped_column(ForeignKey("institutes.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")


class Question(TimestampMixin, db.Model):
    __tablename__ = "questions"
    __table_args__ = (
        # The lookup behind every selection rule: active questions of a skill by difficulty and type.
        Index("ix_questions_selection", "institute_id", "skill_id", "status", "difficulty", "type"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    institute_id: Mapped[int] = mapped_column(ForeignKey("institutes.id"), index=True)
    skill_id: Mapped[int] = mapped_column(ForeignKey("skills.id"), index=True)
    type: Mapped[QuestionType] = mapped_column(enum_type(QuestionType))
    difficulty: Mapped[Difficulty] = mapped_column(enum_type(Difficulty))
    cefr_level: Mapped[Optional[CefrLevel]] = mapped_column(enum_type(CefrLevel), default=None)
    stem: Mapped[str] = mapped_column(Text)                     # sanitised HTML
    # MCQ/MCA: [{"id": "a", "html": "...", "correct": true}, ...]
    options: Mapped[list] = mapped_column(JSON, default=list)
    # FITB: [{"accepted": ["went"], "case_sensitive": false, "exact_spaces": false, ...}, ...], one per [[n]]
    # in the stem: AnswerKey.as_key(), the accepted answers and their matching options (bank/matching.py)
    blanks: Mapped[list] = mapped_column(JSON, default=list)
    # SHORT_ANSWER: accepted answers; empty means graded by hand. Their matching options are the case and
    # `matching`, the others ({"exact_spaces": false, ..., "tolerance": 0}).
    accepted_answers: Mapped[list] = mapped_column(JSON, default=list)
    case_sensitive: Mapped[bool] = mapped_column(default=False)
    matching: Mapped[dict] = mapped_column(JSON, default=dict)
    # MATCHING: the targets premises are matched with, [{"id": "t1", "html": "..."}]; more targets than
    # premises leaves distractors. Each premise (an option) names its target: {"id": "a", "html", "match": "t1"}.
    targets: Mapped[list] = mapped_column(JSON, default=list)
    # MATCHING, ORDERING, FITB, MCA: marks in proportion to the parts right rather than all or nothing.
    partial_credit: Mapped[bool] = mapped_column(default=False)
    # NUMERIC: the units an answer may carry, [{"unit": "cm", "factor": 0.01}, ...]; the accepted numbers
    # (accepted_answers) are in the first unit, and `matching` says the tolerance and whether a unit is required.
    units: Mapped[list] = mapped_column(JSON, default=list)
    # FILE_UPLOAD: what the candidate may send, {"kinds": ["pdf", "image", ...], "max_mb": 10}.
    answer_file: Mapped[dict] = mapped_column(JSON, default=dict)
    marks: Mapped[float] = mapped_column(default=1.0)           # for a correct answer, > 0
    negative_marks: Mapped[float] = mapped_column(default=0.0)  # for a wrong answer, <= 0
    explanation: Mapped[str] = mapped_column(Text, default="")  # sanitised HTML, shown to staff
    status: Mapped[QuestionStatus] = mapped_column(enum_type(QuestionStatus), default=QuestionStatus.ACTIVE)
    # CUSTOM_SOURCE for the institute's own items, or CATALOGUE_SOURCE and the catalogue test it was copied from.
    source: Mapped[str] = mapped_column(String(100), default=CUSTOM_SOURCE)

    skill: Mapped[Skill] = relationship()

    @property
    def is_active(self) -> bool:
        return self.status == QuestionStatus.ACTIVE

    @property
    def source_label(self) -> str:
        """Where the question comes from, in the reader's language (the stored value is the API's)."""
        if self.source == CUSTOM_SOURCE:
            return _("Own question")
        if self.source.startswith(CATALOGUE_SOURCE):
            return _("Copied from the catalogue test %(name)s", name=self.source.removeprefix(CATALOGUE_SOURCE))
        return self.source

    @property
    def answer_keys(self) -> list[AnswerKey]:
        """The typed answers' keys: one per blank, or the short answer's when it has accepted answers."""
        if self.type == QuestionType.FITB:
            return [AnswerKey.from_key(blank) for blank in self.blanks]
        if self.type == QuestionType.SHORT_ANSWER and self.accepted_answers:
            return [AnswerKey(tuple(self.accepted_answers),
                              Matching.from_key({**self.matching, "case_sensitive": self.case_sensitive}))]
        return []

    @property
    def numeric_key(self) -> NumericKey:
        """A numeric question's key: its accepted numbers with the tolerance and units."""
        return NumericKey.from_key({**self.matching, "accepted": self.accepted_answers, "units": self.units})

    @property
    def machine_scored(self) -> bool:
        if self.type in (QuestionType.LONG_ANSWER, QuestionType.FILE_UPLOAD):
            return False
        if self.type == QuestionType.SHORT_ANSWER:
            return bool(self.accepted_answers)
        return True


class MediaKind(Labelled, enum.StrEnum):
    IMAGE = "image"
    AUDIO = "audio"
    VIDEO = "video"


labels(MediaKind, {
    MediaKind.IMAGE: _l('Picture'),
    MediaKind.AUDIO: _l('Audio'),
    MediaKind.VIDEO: _l('Video'),
})


class Media(db.Model):
    """A picture, audio or video file that questions show (webapp/bank/media.py). Its bytes are in storage
    under `storage_key`; the same bytes uploaded twice in an institute are one Media (by `sha256`)."""

    __tablename__ = "media"
    __table_args__ = (UniqueConstraint("institute_id", "sha256"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    institute_id: Mapped[int] = mapped_column(ForeignKey("institutes.id"), index=True)
    filename: Mapped[str] = mapped_column(String(200))            # as uploaded, for people (and the URL's tail)
    content_type: Mapped[str] = mapped_column(String(50))         # from the bytes, never from the sender
    kind: Mapped[MediaKind] = mapped_column(enum_type(MediaKind))
    size: Mapped[int]                                              # bytes
    sha256: Mapped[str] = mapped_column(String(64))
    storage_key: Mapped[str] = mapped_column(String(200))         # made by webapp.core.storage
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), default=None)


class ItemCalibration(db.Model):
    """A question's parameters on the ability scale, estimated from the institute's finished sittings by the
    calibration (results/calibration.py), with their standard errors, the number of answers they rest on
    and the item's fit. Until it has one with enough answers, an item uses its prior from its CEFR level
    (bank/adaptive.py)."""

    __tablename__ = "item_calibrations"

    question_id: Mapped[int] = mapped_column(ForeignKey("questions.id", ondelete="CASCADE"), primary_key=True)
    institute_id: Mapped[int] = mapped_column(ForeignKey("institutes.id"), index=True)
    model: Mapped[str] = mapped_column(String(10))             # "1PL" (Rasch) or "2PL"
    difficulty: Mapped[float]
    difficulty_se: Mapped[Optional[float]] = mapped_column(default=None)
    discrimination: Mapped[float] = mapped_column(default=1.0)
    discrimination_se: Mapped[Optional[float]] = mapped_column(default=None)
    responses: Mapped[int] = mapped_column(default=0)
    # Mean squares of the residuals (1 is a perfect fit); outside the accepted range the item is flagged.
    infit: Mapped[Optional[float]] = mapped_column(default=None)
    outfit: Mapped[Optional[float]] = mapped_column(default=None)
    misfit: Mapped[bool] = mapped_column(default=False)
    calibrated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class CefrCutScore(db.Model):
    """The lowest ability at which an institute places a candidate at a CEFR level, set by an examiner
    (from a suggested set); levels not set keep bank/adaptive.py's DEFAULT_CUT_SCORES."""

    __tablename__ = "cefr_cut_scores"

    institute_id: Mapped[int] = mapped_column(ForeignKey("institutes.id"), primary_key=True)
    level: Mapped[CefrLevel] = mapped_column(enum_type(CefrLevel), primary_key=True)
    lowest_ability: Mapped[float]
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
