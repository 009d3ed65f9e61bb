"""The demo institute that `make run` seeds into an empty database, so a newcomer can log in and look
around. Everything is created through the services, like real data."""
from __future__ import annotations

from webapp.accounts.services import add_staff, create_institute, institute_by_name
from webapp.assessments import catalogue
from webapp.assessments.services import AssessmentInput, RuleInput, SectionInput, create_assessment
from webapp.bank.services import QuestionInput, create_question, create_skill, skill_by_name
from webapp.core.permissions import Role
from datetime import datetime, timedelta
from typing import Callable

from webapp.core.clock import utcnow
from webapp.core.extensions import db
from webapp.exams.services import ExamInput, create_exam
from webapp.results.grading import grade_response
from webapp.sittings import taking
from webapp.sittings.models import Sitting, SittingItem
from webapp.sittings.services import register_candidates

DEMO_INSTITUTE = "Proctora Demo Institute"
DEMO_PASSWORD = "demo-password"
DEMO_LOGINS = [
    (Role.ADMIN.value, "admin@demo.example.com", DEMO_PASSWORD),
    (Role.EXAMINER.value, "examiner@demo.example.com", DEMO_PASSWORD),
    (Role.PROCTOR.value, "proctor@demo.example.com", DEMO_PASSWORD),
    (Role.SUPPORT.value, "support@demo.example.com", DEMO_PASSWORD),
]

ARITHMETIC = [
    QuestionInput(type="MCQ", skill_id=None, difficulty="EASY", stem="<p>What is 7 × 8?</p>",
                  options=[{"html": "54"}, {"html": "56", "correct": True}, {"html": "58"}, {"html": "64"}]),
    QuestionInput(type="MCQ", skill_id=None, difficulty="EASY", stem="<p>What is 15 % of 200?</p>",
                  options=[{"html": "15"}, {"html": "20"}, {"html": "30", "correct": True}, {"html": "35"}]),
    QuestionInput(type="MCA", skill_id=None, difficulty="MEDIUM", stem="<p>Which of these numbers are prime?</p>",
                  options=[{"html": "2", "correct": True}, {"html": "9"}, {"html": "11", "correct": True},
                           {"html": "21"}, {"html": "23", "correct": True}]),
    QuestionInput(type="FITB", skill_id=None, difficulty="MEDIUM",
                  stem="<p>A train covers 180 km in 2 hours. Its average speed is [[1]] km/h.</p>",
                  blanks=[{"accepted": ["90"]}]),
    QuestionInput(type="SHORT_ANSWER", skill_id=None, difficulty="EASY",
                  stem="<p>Write the number twelve in digits.</p>", accepted_answers=["12"]),
]
ENGLISH = [
    QuestionInput(type="MCQ", skill_id=None, difficulty="EASY", cefr_level="A1",
                  stem="<p>She ___ from Spain.</p>",
                  options=[{"html": "is", "correct": True}, {"html": "are"}, {"html": "be"}, {"html": "am"}]),
    QuestionInput(type="FITB", skill_id=None, difficulty="MEDIUM", cefr_level="A2",
                  stem="<p>Last summer we [[1]] to Italy and [[2]] a lot of pasta.</p>",
                  blanks=[{"accepted": ["went"]}, {"accepted": ["ate", "had"]}]),
    QuestionInput(type="LONG_ANSWER", skill_id=None, difficulty="MEDIUM", cefr_level="B1", marks=5,
                  stem="<p>Describe your favourite place in your town in 80 to 100 words.</p>"),
]


def take_test(sitting: Sitting, answer: Callable[[SittingItem], dict | None], *, now: datetime | None = None,
              minutes: int = 10) -> Sitting:
    """A registered sitting taken through the candidate's services: the check, the start, one answer per
    item (`answer(item)`, None leaves it unanswered) and the finish `minutes` later, the page open all along."""
    now = now or utcnow()
    taking.start_check(sitting, ip_address="127.0.0.1", now=now)
    taking.complete_check(sitting, browser={"userAgent": "demo"}, now=now)
    taking.start_exam(sitting, now=now)
    items, _ = taking.items_and_responses(sitting)
    for item in items:
        given = answer(item)
        if given is not None:
            taking.save_answer(sitting, item.id, answer=given, version=1, now=now + timedelta(minutes=1))
    keep_page_open(sitting, now, now + timedelta(minutes=minutes))
    taking.finish(sitting, now=now + timedelta(minutes=minutes))
    return sitting


def keep_page_open(sitting: Sitting, start: datetime, end: datetime) -> None:
    """The exam page's heartbeat from `start` to `end`, once a minute (a hidden tab's pace; the time spent
    counts a silence of up to a minute), so that the candidate counts as there all along."""
    moment = start + taking.SILENT_CAP
    while moment <= end:
        taking.heartbeat(sitting, now=moment)
        moment += taking.SILENT_CAP


def right_answer(item) -> dict | None:
    """The key's answer to a machine-scored item; a filler text for essays and short answers."""
    if item.question_type in ("MCQ", "TRUE_FALSE"):
        return {"option": item.key["correct"][0]}
    if item.question_type == "MATCHING":
        return {"pairs": dict(item.key["pairs"])}
    if item.question_type == "ORDERING":
        return {"order": list(item.key["order"])}
    if item.question_type == "MCA":
        return {"options": list(item.key["correct"])}
    if item.question_type == "FITB":
        return {"blanks": [blank["accepted"][0] for blank in item.key["blanks"]]}
    return {"text": (item.key.get("accepted") or ["An answer written by the candidate."])[0]}


def wrong_answer(item) -> dict | None:
    """A wrong answer to a machine-scored item (the first option not in the key); a filler text otherwise."""
    if item.question_type in ("MCQ", "MCA", "TRUE_FALSE"):
        wrong = next(option["id"] for option in item.options if option["id"] not in item.key["correct"])
        return {"options": [wrong]} if item.question_type == "MCA" else {"option": wrong}
    if item.question_type == "MATCHING":
        return {"pairs": {premise: next(target["id"] for target in item.targets if target["id"] != right)
                          for premise, right in item.key["pairs"].items()}}
    if item.question_type == "ORDERING":
        order = item.key["order"]
        return {"order": order[1:] + order[:1]}     # every option one place off
    if item.question_type == "FITB":
        return {"blanks": ["zzz" for _ in item.key["blanks"]]}
    return {"text": "zzz"}


def _demo_answer(right: set[int]) -> Callable[[SittingItem], dict | None]:
    """Right answers to the items at the positions in `right`, wrong ones elsewhere, and an essay."""
    def answer(item: SittingItem) -> dict | None:
        if item.question_type == "LONG_ANSWER":
            return {"text": "My favourite place is the old market by the river. On Saturdays it is full of "
                            "people, music and the smell of fresh bread."}
        return right_answer(item) if item.position in right else wrong_answer(item)
    return answer


def seed_demo() -> bool:
    """Create the demo institute (staff, bank, assessments, an exam with two registered candidates)
    unless it exists. Returns whether anything was created."""
    if institute_by_name(DEMO_INSTITUTE) is not None:
        return False
    _, admin = create_institute(DEMO_INSTITUTE, admin_email=DEMO_LOGINS[0][1], admin_password=DEMO_PASSWORD,
                                admin_name="Ada Admin", legal_name="Proctora Demo Institute Ltd.", country="GB",
                                contact_email="office@demo.example.com", website="https://demo.example.com")
    for (role, email, password), name in zip(DEMO_LOGINS[1:], ["Erin Examiner", "Paul Proctor", "Sam Support"]):
        add_staff(admin.institute_id, email=email, name=name, role=Role(role), password=password)

    arithmetic = create_skill(admin, "Arithmetic", "Numbers, percentages and speed.")
    english = create_skill(admin, "English Grammar", "Everyday grammar from A1 to B1.")
    picked = []
    for skill, questions in ((arithmetic, ARITHMETIC), (english, ENGLISH)):
        for question in questions:
            question.skill_id = skill.id
            picked.append(create_question(admin, question).id)
    assessment = create_assessment(admin, AssessmentInput(
        name="Demo: Numbers and English", duration=30, kind="standard",
        instructions="<p>Answer every question. You can move between questions freely.</p>",
        sections=[
            SectionInput(name="Numbers", rules=[RuleInput(skill="Arithmetic", difficulty="EASY", question_count=2)]),
            SectionInput(name="English", question_ids=picked[len(ARITHMETIC):]),
        ],
    ))
    catalogue.add_to_institute(admin, "english-placement")
    exam = create_exam(admin, ExamInput(name="Demo exam: Numbers and English", assessment_id=assessment.id,
                                        access_type="OpenForAll", source_app="Proctora demo"))
    register_candidates(admin, exam.id, [
        {"Email Address": "maria.garcia@example.com", "First Name": "María", "Last Name": "García"},
        {"Email Address": "chen.wei@example.com", "First Name": "Wei", "Last Name": "Chen"},
    ], send_email=False)
    _seed_certification(admin, picked[len(ARITHMETIC):len(ARITHMETIC) + 2] + picked[:2])
    return True


def _seed_certification(admin, question_ids: list[int]) -> None:
    """A certification with three candidates who took it: one passed (with a certificate), one failed,
    and one whose essay waits in the grading queue."""
    # The catalogue's placement test, added above, brings its Writing skill; the essay joins it.
    english = (skill_by_name(admin.institute_id, "Writing")
               or create_skill(admin, "Writing", "Short texts marked by an examiner."))
    essay = create_question(admin, QuestionInput(
        type="LONG_ANSWER", skill_id=english.id, difficulty="MEDIUM", cefr_level="A2", marks=4,
        stem="<p>Write a short e-mail to a friend about your weekend (40 to 60 words).</p>"))
    assessment = create_assessment(admin, AssessmentInput(
        name="Demo: English A2 certificate", duration=20, kind="certification", target_level="A2",
        pass_mark_percent=60, instructions="<p>Answer every question; the essay is marked by an examiner.</p>",
        sections=[SectionInput(name="Language", question_ids=question_ids),
                  SectionInput(name="Writing", question_ids=[essay.id])]))
    exam = create_exam(admin, ExamInput(name="Demo exam: English A2 certificate", assessment_id=assessment.id,
                                        access_type="ByInvitation", source_app="Proctora demo"))
    people = [("lena.novak@example.com", "Lena", "Novák"), ("tom.berg@example.com", "Tom", "Berg"),
              ("aisha.khan@example.com", "Aisha", "Khan")]
    outcomes = register_candidates(admin, exam.id, [
        {"Email Address": email, "First Name": first, "Last Name": last} for email, first, last in people],
        send_email=False)
    sittings = [db.session.get(Sitting, outcome.sitting_id) for outcome in outcomes]
    started = utcnow() - timedelta(days=1)
    for sitting, right in zip(sittings, ({0, 1, 2, 3}, {0}, {0, 1, 2})):
        take_test(sitting, _demo_answer(right), now=started, minutes=14)
    for sitting, marks in zip(sittings[:2], (4, 1)):
        _, responses = taking.items_and_responses(sitting)
        waiting = next(response for response in responses.values() if response.needs_grading)
        grade_response(admin, waiting.id, marks, "Clear and well organised." if marks > 2 else "Too short.")
