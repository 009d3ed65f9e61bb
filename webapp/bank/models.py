"""The question bank: skills and questions."""
from __future__ import annotations

import enum
from typing import Optional

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from webapp.core.database import TimestampMixin, enum_type
from webapp.core.extensions import db


class QuestionType(enum.StrEnum):
    MCQ = "MCQ"                    # one correct option
    MCA = "MCA"                    # several correct options
    FITB = "FITB"                  # blanks [[1]]..[[n]] in the stem, each with accepted answers
    SHORT_ANSWER = "SHORT_ANSWER"  # accepted answers, or manual grading when there are none
    LONG_ANSWER = "LONG_ANSWER"    # essay, always graded by hand

    @property
    def label(self) -> str:
        return QUESTION_TYPE_LABELS[self]


QUESTION_TYPE_LABELS = {
    QuestionType.MCQ: "Multiple choice (one answer)",
    QuestionType.MCA: "Multiple choice (several answers)",
    QuestionType.FITB: "Fill in the blanks",
    QuestionType.SHORT_ANSWER: "Short answer",
    QuestionType.LONG_ANSWER: "Essay",
}


class Difficulty(enum.StrEnum):
    EASY = "EASY"
    MEDIUM = "MEDIUM"
    DIFFICULT = "DIFFICULT"


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


class QuestionStatus(enum.StrEnum):
    ACTIVE = "active"
    RETIRED = "retired"   # kept for sittings and results that use it, offered to no new assessment


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
    # FITB: [{"accepted": ["went"], "case_sensitive": false}, ...], one per [[n]] in the stem
    blanks: Mapped[list] = mapped_column(JSON, default=list)
    # SHORT_ANSWER: accepted answers; empty means graded by hand
    accepted_answers: Mapped[list] = mapped_column(JSON, default=list)
    case_sensitive: Mapped[bool] = mapped_column(default=False)
    marks: Mapped[float] = mapped_column(default=1.0)           # for a correct answer, > 0
    negative_marks: Mapped[float] = mapped_column(default=0.0)  # for a wrong answer, <= 0
    explanation: Mapped[str] = mapped_column(Text, default="")  # sanitised HTML, shown to staff
    status: Mapped[QuestionStatus] = mapped_column(enum_type(QuestionStatus), default=QuestionStatus.ACTIVE)
    # "Custom" for the institute's own items, or the catalogue test it was copied from.
    source: Mapped[str] = mapped_column(String(100), default="Custom")

    skill: Mapped[Skill] = relationship()

    @property
    def machine_scored(self) -> bool:
        if self.type == QuestionType.LONG_ANSWER:
            return False
        if self.type == QuestionType.SHORT_ANSWER:
            return bool(self.accepted_answers)
        return True
