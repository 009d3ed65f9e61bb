"""Building a candidate's exam for the page and browser tests, through the services."""
from __future__ import annotations

import base64
from datetime import datetime

from bs4 import BeautifulSoup
from sqlalchemy import select

from webapp.assessments.services import AssessmentInput, SectionInput, create_assessment
from webapp.bank.models import CefrLevel
from webapp.bank.services import QuestionInput, create_question, create_skill
from webapp.core.extensions import db
from webapp.sittings import taking
from webapp.sittings.models import Sitting, SittingItem
from webapp.sittings.services import register_candidates

# One question of each type, 2 marks each (-0.5 when wrong); the essay waits for a grader.
QUESTIONS = {
    "MCQ": {"stem": "<p>What is 2 + 2?</p>", "options": [{"html": "4", "correct": True}, {"html": "5"}]},
    "MCA": {"stem": "<p>Which numbers are even?</p>",
            "options": [{"html": "2", "correct": True}, {"html": "3"}, {"html": "6", "correct": True}]},
    "FITB": {"stem": "<p>Yesterday I [[1]] home and [[2]] early.</p>",
             "blanks": [{"accepted": ["went"]}, {"accepted": ["slept"]}]},
    "SHORT_ANSWER": {"stem": "<p>What is the capital of France?</p>", "accepted_answers": ["Paris"]},
    "LONG_ANSWER": {"stem": "<p>Describe your town.</p>", "marks": 5, "negative_marks": 0},
}
ANSWERS = {   # the right answer of each machine-scored type, as the page sends it
    "MCA": ["2", "6"], "FITB": ["went", "slept"], "SHORT_ANSWER": "Paris",
}


def build_paper(admin, skill: str = "Mixed") -> list[int]:
    skill_id = create_skill(admin, skill).id
    ids = [create_question(admin, QuestionInput(**{"type": qtype, "skill_id": skill_id, "difficulty": "EASY",
                                                   "marks": 2, "negative_marks": -0.5, **spec})).id
           for qtype, spec in QUESTIONS.items()]
    db.session.commit()
    return ids


def build_adaptive_pool(admin, per_level: int = 2) -> list[int]:
    """`per_level` MCQs at each CEFR level in each of two skills, option "right" right, and an essay that an
    adaptive pool must leave out."""
    grammar, vocabulary = create_skill(admin, "Grammar"), create_skill(admin, "Vocabulary")
    ids = [create_question(admin, QuestionInput(
        type="MCQ", skill_id=skill.id, difficulty="MEDIUM", cefr_level=level.value,
        stem=f"<p>{skill.name} {level.value} {number}</p>",
        options=[{"html": "right", "correct": True}, {"html": "wrong"}])).id
        for skill in (grammar, vocabulary) for level in CefrLevel for number in range(per_level)]
    ids.append(create_question(admin, QuestionInput(type="LONG_ANSWER", skill_id=grammar.id, difficulty="EASY",
                                                    stem="<p>Write.</p>", marks=5)).id)
    db.session.commit()
    return ids


def adaptive_exam(factory, admin, pool: list[int], **settings):
    """An exam of an adaptive placement over `pool`, without exposure control unless `settings` say."""
    assessment = create_assessment(admin, AssessmentInput(
        name=f"Adaptive {factory._next()}", kind="placement", duration=settings.pop("duration", 30),
        adaptive={"exposure_choices": 1, **settings}, sections=[SectionInput(name="Pool", question_ids=pool)]))
    db.session.commit()
    return factory.exam(admin, assessment=assessment)


def shown_item(sitting: Sitting) -> SittingItem:
    """The question an adaptive sitting shows now."""
    return db.session.scalar(select(SittingItem).where(SittingItem.sitting_id == sitting.id,
                                                       SittingItem.position == sitting.current_item))


def answer_adaptive(sitting: Sitting, right: bool, *, version: int = 1, now: datetime | None = None) -> SittingItem:
    """Answer the question shown (a build_adaptive_pool one) right or wrong and move on, as the page does."""
    item = shown_item(sitting)
    option = next(option["id"] for option in item.options if (option["html"] == "right") == right)
    taking.save_answer(sitting, item.id, answer={"option": option}, version=version, now=now)
    assert taking.next_adaptive_item(sitting, item.id, now=now)
    db.session.commit()
    return item


def paper_assessment(admin, paper: list[int], *, sections: list[SectionInput] | None = None, **settings):
    assessment = create_assessment(admin, AssessmentInput(
        name=settings.pop("name", "Mixed test"), duration=settings.pop("duration", 30),
        sections=sections or [SectionInput(name="All", question_ids=paper)], **settings))
    db.session.commit()
    return assessment


def register(admin, exam, email: str = "ann@example.com") -> Sitting:
    outcome, = register_candidates(admin, exam.id, [{"Email Address": email, "First Name": "Ann", "Last Name": "Lee"}])
    db.session.commit()
    return db.session.get(Sitting, outcome.sitting_id)


def start(sitting: Sitting, now: datetime | None = None) -> Sitting:
    """Through the check (with a photo for whatever the exam wants one of) and started."""
    taking.start_check(sitting, ip_address="127.0.0.1", now=now)
    taking.complete_check(sitting, browser={"userAgent": "test"}, consent=True, now=now,
                          photos={"reference_photo": JPEG, "id_photo": JPEG})
    taking.start_exam(sitting, now=now)
    db.session.commit()
    return sitting


def items_by_type(sitting: Sitting) -> dict[str, SittingItem]:
    return {item.question_type: item for item in db.session.scalars(
        select(SittingItem).where(SittingItem.sitting_id == sitting.id))}


# Real images, as small as they come (made by Chromium's canvas).
JPEG = base64.b64decode(
    "/9j/4AAQSkZJRgABAQAAAQABAAD/2wBDABsSFBcUERsXFhceHBsgKEIrKCUlKFE6PTBCYFVlZF9VXVtqeJmBanGQc1tdhbWGkJ6jq62rZ4C8yb"
    "qmx5moq6T/2wBDARweHigjKE4rK06kbl1upKSkpKSkpKSkpKSkpKSkpKSkpKSkpKSkpKSkpKSkpKSkpKSkpKSkpKSkpKSkpKSkpKT/wAARCAACAAID"
    "ASIAAhEBAxEB/8QAFAABAAAAAAAAAAAAAAAAAAAAAP/EABQQAQAAAAAAAAAAAAAAAAAAAAD/xAAVAQEBAAAAAAAAAAAAAAAAAAABBf/EABQRAQAAAAAA"
    "AAAAAAAAAAAAAAD/2gAMAwEAAhEDEQA/AAAT3//Z")
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAIAAAACCAYAAABytg0kAAAAEklEQVR4AWIyXlX+H4SZGKAAAAAA///5ejD3AAAABklEQVQDADzYBKuqbfebAAAAAElFTkSuQmCC")


def page(response) -> BeautifulSoup:
    return BeautifulSoup(response.get_data(as_text=True), "html.parser")


def label_text(label) -> str:
    """A label's own words, without those of the control inside it (a select's options)."""
    return " ".join("".join(label.find_all(string=True, recursive=False)).split())


def inputs_by_label(soup: BeautifulSoup) -> dict[str, str]:
    """The names of a form's inputs by the text of their labels (without the required mark)."""
    return {label_text(label).rstrip(" *"): label.find(["input", "select", "textarea"])["name"]
            for label in soup.select("form label") if label.find(["input", "select", "textarea"])}
