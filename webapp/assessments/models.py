"""Assessments (test definitions): settings, sections, selection rules, hand-picked questions and
registration fields."""
from __future__ import annotations

import enum
from functools import cache
from typing import Optional

from flask_babel import force_locale, lazy_gettext as _l
from sqlalchemy import JSON, ForeignKey, String, Text, UniqueConstraint, event, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from webapp.bank.models import CefrLevel, Difficulty, Question, QuestionType, Skill
from webapp.core.database import TimestampMixin, enum_type, remember_deletion
from webapp.core.extensions import db
from webapp.core.i18n import LANGUAGES
from webapp.core.labels import Labelled, labels


class AssessmentKind(Labelled, enum.StrEnum):
    STANDARD = "standard"
    PLACEMENT = "placement"          # the result is a CEFR level, from `placement_bands`
    CERTIFICATION = "certification"  # pass or fail against `pass_mark_percent` at `target_level`

    @property
    def has_outcome(self) -> bool:
        """Graded to a level or to pass or fail, beyond the score."""
        return self != AssessmentKind.STANDARD

    @property
    def is_placement(self) -> bool:
        return self == AssessmentKind.PLACEMENT

    @property
    def is_certification(self) -> bool:
        return self == AssessmentKind.CERTIFICATION


labels(AssessmentKind, {
    AssessmentKind.STANDARD: _l('Standard test'),
    AssessmentKind.PLACEMENT: _l('Placement test'),
    AssessmentKind.CERTIFICATION: _l('Certification test'),
})


class FieldType(Labelled, enum.StrEnum):
    TEXT_BOX = "TextBox"
    SELECT_BOX = "SelectBox"


labels(FieldType, {
    FieldType.TEXT_BOX: _l('Text box'),
    FieldType.SELECT_BOX: _l('List to choose from'),
})


# The registration fields every new assessment starts with, as stored (services.STANDARD_FIELDS).
STANDARD_FIELD_LABELS = {"Email Address": _l("Email Address"), "First Name": _l("First Name"),
                         "Last Name": _l("Last Name")}


class Assessment(TimestampMixin, db.Model):
    __tablename__ = "assessments"
    __table_args__ = (UniqueConstraint("institute_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    institute_id: Mapped[int] = mapped_column(ForeignKey("institutes.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[AssessmentKind] = mapped_column(enum_type(AssessmentKind), default=AssessmentKind.STANDARD)
    # Minutes. With timed sections it equals the sum of their durations (rule E702).
    duration_minutes: Mapped[Optional[int]] = mapped_column(default=None)
    instructions: Mapped[str] = mapped_column(Text, default="")   # sanitised HTML
    allow_copy_paste: Mapped[bool] = mapped_column(default=False)
    exit_redirection_url: Mapped[str] = mapped_column(String(1000), default="")
    show_report_to_candidate_on_exit: Mapped[bool] = mapped_column(default=False)
    # The report's "answers" part (every item, the candidate's answer, the key and the marks) in the report
    # shared with the candidate; staff's own PDF always has it.
    show_answers_in_report: Mapped[bool] = mapped_column(default=False, server_default=false())
    on_screen_calculator: Mapped[bool] = mapped_column(default=False)
    # certification
    target_level: Mapped[Optional[CefrLevel]] = mapped_column(enum_type(CefrLevel), default=None)
    pass_mark_percent: Mapped[Optional[float]] = mapped_column(default=None)
    # How long its certificates are valid, in months from the day of issue; None: they never expire.
    certificate_validity_months: Mapped[Optional[int]] = mapped_column(default=None)
    # placement: [{"level": "A1", "min_percent": 20}, ...] ascending, the first at 0
    placement_bands: Mapped[list] = mapped_column(JSON, default=list)
    # placement given adaptively (webapp/sittings/adaptive.py): the sections' questions are its pool, served one
    # at a time; {"start_level", "min_items", "max_items", "target_standard_error", "exposure_choices",
    # "skill_shares"} (services.check_adaptive). None: the fixed form.
    adaptive: Mapped[Optional[dict]] = mapped_column(JSON, default=None)
    catalogue_slug: Mapped[Optional[str]] = mapped_column(String(100), default=None)
    created_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id"), default=None)

    sections: Mapped[list["Section"]] = relationship(
        back_populates="assessment", order_by="Section.position", cascade="all, delete-orphan"
    )
    registration_fields: Mapped[list["RegistrationField"]] = relationship(
        order_by="RegistrationField.position", cascade="all, delete-orphan"
    )

    @property
    def has_timed_sections(self) -> bool:
        return any(section.duration_minutes for section in self.sections)


class Section(db.Model):
    __tablename__ = "assessment_sections"
    __table_args__ = (UniqueConstraint("assessment_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    assessment_id: Mapped[int] = mapped_column(ForeignKey("assessments.id"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    name: Mapped[str] = mapped_column(String(200))
    duration_minutes: Mapped[Optional[int]] = mapped_column(default=None)   # set: a timed section
    instructions: Mapped[str] = mapped_column(Text, default="")
    all_questions_mandatory: Mapped[bool] = mapped_column(default=False)
    randomize_questions: Mapped[bool] = mapped_column(default=False)

    assessment: Mapped[Assessment] = relationship(back_populates="sections")
    rules: Mapped[list["SelectionRule"]] = relationship(
        back_populates="section", order_by="SelectionRule.position", cascade="all, delete-orphan"
    )
    picks: Mapped[list["SectionQuestion"]] = relationship(
        order_by="SectionQuestion.position", cascade="all, delete-orphan"
    )


class SelectionRule(db.Model):
    """Draw `question_count` questions of a skill (and difficulty, type, level) from the bank."""

    __tablename__ = "selection_rules"

    id: Mapped[int] = mapped_column(primary_key=True)
    section_id: Mapped[int] = mapped_column(ForeignKey("assessment_sections.id"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    skill_id: Mapped[int] = mapped_column(ForeignKey("skills.id"), index=True)
    difficulty: Mapped[Difficulty] = mapped_column(enum_type(Difficulty))
    question_type: Mapped[Optional[QuestionType]] = mapped_column(enum_type(QuestionType), default=None)  # None: all types
    cefr_level: Mapped[Optional[CefrLevel]] = mapped_column(enum_type(CefrLevel), default=None)
    question_count: Mapped[int]
    correct_grade: Mapped[float] = mapped_column(default=1.0)
    incorrect_grade: Mapped[float] = mapped_column(default=0.0)
    # True: each sitting draws its own questions from the pool; False: everyone gets `fixed_question_ids`.
    pooling: Mapped[bool] = mapped_column(default=True)
    fixed_question_ids: Mapped[list] = mapped_column(JSON, default=list)

    skill: Mapped[Skill] = relationship()
    section: Mapped[Section] = relationship(back_populates="rules")


class SectionQuestion(db.Model):
    """A question picked by hand into a section; it scores with the question's own marks."""

    __tablename__ = "section_questions"
    __table_args__ = (UniqueConstraint("section_id", "question_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    section_id: Mapped[int] = mapped_column(ForeignKey("assessment_sections.id"), index=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("questions.id"), index=True)
    position: Mapped[int] = mapped_column(default=0)

    question: Mapped[Question] = relationship()


class RegistrationField(db.Model):
    __tablename__ = "registration_fields"
    __table_args__ = (UniqueConstraint("assessment_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    assessment_id: Mapped[int] = mapped_column(ForeignKey("assessments.id"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    name: Mapped[str] = mapped_column(String(100))
    field_type: Mapped[FieldType] = mapped_column(enum_type(FieldType), default=FieldType.TEXT_BOX)
    required: Mapped[bool] = mapped_column(default=False)
    values: Mapped[list] = mapped_column(JSON, default=list)   # the choices of a SelectBox

    @property
    def label(self) -> str:
        """The field's name for people: the standard fields' names in the reader's language."""
        return field_label(self.name)


def field_label(name: str) -> str:
    """A registration field's name in the reader's language: the standard fields' are translated, an
    institute's own fields keep the names it gave them."""
    return str(STANDARD_FIELD_LABELS.get(name, name))


def standard_field_name(name: str) -> str:
    """The stored name of a standard field written in any language Proctora speaks (Mettl's 2.1 returns
    the fields in the `languageCode` asked for, so a client may register with those names); any other
    name as it is."""
    return _standard_field_names().get(name, name)


@cache
def _standard_field_names() -> dict[str, str]:
    # Built once: the catalogues are compiled when the application starts and do not change while it runs.
    names = {}
    for language in LANGUAGES:
        with force_locale(language):
            names.update({str(label): stored for stored, label in STANDARD_FIELD_LABELS.items()})
    return names


@event.listens_for(Assessment, "after_delete")
def _assessment_deleted(_mapper, connection, assessment: Assessment) -> None:
    remember_deletion(connection, "assessment", str(assessment.id), assessment.institute_id)
