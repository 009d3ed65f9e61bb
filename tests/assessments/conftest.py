"""A small question bank built through the bank's services, and shorthands for assessment definitions."""
from __future__ import annotations

from dataclasses import dataclass

import pytest

from webapp.assessments.services import AssessmentInput, RuleInput, SectionInput
from webapp.bank import services as bank
from webapp.bank.services import QuestionInput
from webapp.core.extensions import db


@dataclass
class Bank:
    """Question ids by what they are, e.g. bank.ids["grammar_easy_mcq"] is a list of ids."""

    ids: dict[str, list[int]]

    def __getitem__(self, key: str) -> list[int]:
        return self.ids[key]


def mcq(skill, difficulty="EASY", stem="<p>She ___ from Spain.</p>", **changes) -> QuestionInput:
    return QuestionInput(type="MCQ", skill_id=skill.id, difficulty=difficulty, stem=stem,
                         options=[{"html": "is", "correct": True}, {"html": "are"}, {"html": "be"}], **changes)


def fill_bank(actor) -> Bank:
    """Grammar: 4 easy MCQ (A1, A1, A2, no level), 2 easy FITB, 3 medium MCQ (B1).
    Reading: 2 medium MCA, 1 medium short answer, 1 difficult essay. Empty: a skill without questions."""
    grammar = bank.create_skill(actor, "Grammar")
    reading = bank.create_skill(actor, "Reading")
    bank.create_skill(actor, "Empty")
    ids: dict[str, list[int]] = {}

    def add(key, data):
        ids.setdefault(key, []).append(bank.create_question(actor, data).id)

    for number, level in enumerate(["A1", "A1", "A2", None], start=1):
        add("grammar_easy_mcq", mcq(grammar, stem=f"<p>Grammar easy {number}: she ___ here.</p>", cefr_level=level))
    for number in (1, 2):
        add("grammar_easy_fitb", QuestionInput(
            type="FITB", skill_id=grammar.id, difficulty="EASY",
            stem=f"<p>Fill {number}: we [[1]] to Rome and [[2]] pasta.</p>",
            blanks=[{"accepted": ["went"]}, {"accepted": ["ate", "had"]}]))
    for number in (1, 2, 3):
        add("grammar_medium_mcq", mcq(grammar, "MEDIUM", f"<p>Grammar medium {number}: if I ___ rich.</p>",
                                      cefr_level="B1", marks=2))
    for number in (1, 2):
        add("reading_medium_mca", QuestionInput(
            type="MCA", skill_id=reading.id, difficulty="MEDIUM", stem=f"<p>Reading {number}: which are true?</p>",
            options=[{"html": "first", "correct": True}, {"html": "second", "correct": True}, {"html": "third"}]))
    add("reading_medium_short", QuestionInput(
        type="SHORT_ANSWER", skill_id=reading.id, difficulty="MEDIUM", stem="<p>Where does Anna live?</p>",
        accepted_answers=["Paris"]))
    add("reading_difficult_essay", QuestionInput(
        type="LONG_ANSWER", skill_id=reading.id, difficulty="DIFFICULT", marks=5,
        stem="<p>Describe your town in 100 words.</p>", explanation="<p>Look for linking words.</p>"))
    db.session.commit()
    return Bank(ids)


@pytest.fixture
def questions(admin) -> Bank:
    return fill_bank(admin)


def rule(skill="Grammar", difficulty="EASY", count=1, **changes) -> RuleInput:
    return RuleInput(skill=skill, difficulty=difficulty, question_count=count, **changes)


def section(name="Section 1", *rules: RuleInput, **changes) -> SectionInput:
    return SectionInput(name=name, rules=list(rules), **changes)


def definition(*sections: SectionInput, name="English test", duration=30, **changes) -> AssessmentInput:
    return AssessmentInput(name=name, duration=duration, sections=list(sections) or [section()], **changes)
