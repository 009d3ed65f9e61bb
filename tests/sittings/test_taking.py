"""Taking the test with the clock in the test's hands: the check, admission, start, deadlines,
timed sections, saving, finishing, expiry and scoring."""
from dataclasses import replace
from datetime import date, datetime, time, timedelta, timezone

import pytest
from sqlalchemy import select

from tests.candidate.helpers import JPEG, PNG
from webapp.assessments.services import AssessmentInput, RuleInput, SectionInput, create_assessment
from webapp.bank.models import Question
from webapp.bank.services import QuestionInput, create_question, create_skill, question_input, update_question
from webapp.cli.demo import keep_page_open
from webapp.core import storage
from webapp.core.errors import IllegalTransition, PermissionDenied, ValidationError
from webapp.core.extensions import db
from webapp.exams.services import set_proctor_pool
from webapp.proctoring import services as proctoring
from webapp.sittings import taking
from webapp.sittings.models import FinishMode, ProctorEvent, Response, Sitting, SittingItem, SittingStatus
from webapp.sittings.services import register_candidates

T0 = datetime(2026, 11, 23, 9, 0, tzinfo=timezone.utc)


def _register(admin, exam, email="ann@example.com") -> Sitting:
    outcome, = register_candidates(admin, exam.id, [{"Email Address": email, "First Name": "Ann", "Last Name": "Lee"}])
    db.session.commit()
    return db.session.get(Sitting, outcome.sitting_id)


def _through_check(sitting, now=T0, **check):
    taking.start_check(sitting, ip_address="127.0.0.1", now=now)
    taking.complete_check(sitting, browser={"userAgent": "test"}, now=now, **check)


def _started(admin, exam, now=T0, email="ann@example.com") -> Sitting:
    sitting = _register(admin, exam, email)
    _through_check(sitting, now)
    taking.start_exam(sitting, now=now)
    db.session.commit()
    return sitting


@pytest.fixture
def paper(admin):
    """Four questions, one of each machine-scored type, worth 2 each, -0.5 when wrong; and an essay."""
    skill = create_skill(admin, "Mixed")
    questions = [
        QuestionInput(type="MCQ", skill_id=skill.id, difficulty="EASY", stem="<p>2+2?</p>", marks=2,
                      negative_marks=-0.5, options=[{"html": "4", "correct": True}, {"html": "5"}]),
        QuestionInput(type="MCA", skill_id=skill.id, difficulty="EASY", stem="<p>Even?</p>", marks=2,
                      negative_marks=-0.5, options=[{"html": "2", "correct": True}, {"html": "3"},
                                                    {"html": "4", "correct": True}]),
        QuestionInput(type="FITB", skill_id=skill.id, difficulty="EASY", stem="<p>I [[1]] home and [[2]].</p>",
                      marks=2, negative_marks=-0.5, blanks=[{"accepted": ["went"]},
                                                            {"accepted": ["Slept"], "case_sensitive": True}]),
        QuestionInput(type="SHORT_ANSWER", skill_id=skill.id, difficulty="EASY", stem="<p>Capital of France?</p>",
                      marks=2, negative_marks=-0.5, accepted_answers=["Paris"]),
        QuestionInput(type="LONG_ANSWER", skill_id=skill.id, difficulty="EASY", stem="<p>Write.</p>", marks=5),
    ]
    ids = [create_question(admin, question).id for question in questions]
    db.session.commit()
    return ids


@pytest.fixture
def exam(factory, admin, paper):
    assessment = create_assessment(admin, AssessmentInput(name="Mixed test", duration=30,
                                                          sections=[SectionInput(name="All", question_ids=paper)]))
    db.session.commit()
    return factory.exam(admin, assessment=assessment)


def _items(sitting):
    return {item.question_type: item for item in db.session.scalars(
        select(SittingItem).where(SittingItem.sitting_id == sitting.id))}


# The journey's states ---------------------------------------------------------------------------------

def test_the_happy_path_through_every_state(admin, exam):
    sitting = _register(admin, exam)
    assert sitting.status == SittingStatus.REGISTERED
    taking.start_check(sitting, ip_address="10.0.0.1", now=T0)
    assert sitting.status == SittingStatus.CHECK_STARTED
    taking.start_check(sitting, ip_address="10.0.0.1", now=T0)   # reloading is harmless
    taking.complete_check(sitting, browser={"userAgent": "Chromium"}, now=T0)
    # No admission needed and the exam is open: the session opens at once.
    assert sitting.status == SittingStatus.EXAM_SESSION_OPENED
    taking.start_exam(sitting, now=T0)
    assert sitting.status == SittingStatus.EXAM_STARTED and sitting.started_at == T0
    assert sitting.deadline == T0 + timedelta(minutes=30)
    taking.finish(sitting, now=T0 + timedelta(minutes=10))
    assert (sitting.status, sitting.finish_mode) == (SittingStatus.EXAM_FINISHED, FinishMode.NORMAL_SUBMISSION)
    db.session.commit()
    kinds = [event.kind for event in db.session.scalars(select(ProctorEvent).order_by(ProctorEvent.id))]
    assert kinds == ["check_started", "check_completed", "exam_started", "exam_finished"]


def test_illegal_moves_are_refused(admin, exam):
    sitting = _register(admin, exam)
    with pytest.raises(IllegalTransition):
        taking.start_exam(sitting, now=T0)
    with pytest.raises(IllegalTransition):
        taking.complete_check(sitting, browser={}, now=T0)
    with pytest.raises(IllegalTransition):
        taking.finish(sitting, now=T0)
    _through_check(sitting)
    taking.start_exam(sitting, now=T0)
    with pytest.raises(IllegalTransition):
        taking.start_exam(sitting, now=T0)
    taking.finish(sitting, now=T0)
    with pytest.raises(IllegalTransition):
        taking.finish(sitting, now=T0)


def test_admission_by_a_proctor(admin, factory, paper):
    exam = factory.exam(admin, admission_required=True)
    sitting = _register(admin, exam)
    _through_check(sitting)
    assert sitting.status == SittingStatus.CHECK_COMPLETED
    outsider, pooled = factory.staff(admin.institute, "proctor"), factory.staff(admin.institute, "proctor")
    set_proctor_pool(admin, exam.id, [pooled.id])
    for refused in (factory.staff(admin.institute, "examiner"), outsider):
        with pytest.raises(PermissionDenied):
            proctoring.admit(refused, sitting.id)
    assert sitting.status == SittingStatus.CHECK_COMPLETED
    proctoring.admit(pooled, sitting.id)
    assert sitting.status == SittingStatus.EXAM_SESSION_OPENED


def test_the_check_demands_what_the_exam_needs(admin, factory):
    exam = factory.exam(admin, image_proctoring=True, candidate_auth_proctored=True)
    sitting = _register(admin, exam)
    taking.start_check(sitting, now=T0)
    for check, field in [({}, "consent"), ({"consent": True}, "reference_photo"),
                         ({"consent": True, "photos": {"reference_photo": JPEG}}, "id_photo"),
                         ({"consent": True, "photos": {"reference_photo": JPEG, "id_photo": b"<svg/>"}}, "id_photo")]:
        with pytest.raises(ValidationError) as error:
            taking.complete_check(sitting, browser={}, now=T0, **check)
        assert error.value.field == field
    taking.complete_check(sitting, browser={}, consent=True, photos={"reference_photo": JPEG, "id_photo": PNG},
                          now=T0)
    assert storage.read_image(sitting.check["id_photo"]) == (PNG, "image/png")
    assert sitting.check_photos_at == T0


def test_access_problems(admin, factory):
    exam = factory.exam(admin, schedule_type="Fixed", fixed_access_option="ExactTime",
                        starts_on_date=date(2026, 12, 1), ends_on_date=date(2026, 12, 1),
                        starts_on_time=time(9), ends_on_time=time(11), time_zone="UTC+01:00",
                        ip_restriction="RANGE", ip_addresses=["10.0.0.0/24"])
    sitting = _register(admin, exam)
    assert taking.access_problem(sitting, "10.0.1.5", now=T0) == ("ip_not_allowed", "10.0.1.5")
    state, window = taking.access_problem(sitting, "10.0.0.5", now=T0)
    assert state == "not_yet_open" and window.start == datetime(2026, 12, 1, 8, 0, tzinfo=timezone.utc)
    assert taking.access_problem(sitting, "10.0.0.5", now=datetime(2026, 12, 1, 9, tzinfo=timezone.utc)) is None
    assert taking.access_problem(sitting, "10.0.0.5", now=datetime(2026, 12, 1, 10, tzinfo=timezone.utc))[0] == "closed"


# Deadlines ----------------------------------------------------------------------------------------------

def test_the_deadline_adds_extra_time_and_stops_at_the_window_end(admin, factory):
    exam = factory.exam(admin, schedule_type="Fixed", fixed_access_option="ExactTime",
                        starts_on_date=date(2026, 11, 23), ends_on_date=date(2026, 11, 23),
                        starts_on_time=time(8), ends_on_time=time(10), time_zone="UTC+00:00")
    early = _register(admin, exam, "early@example.com")
    early.extra_minutes = 15
    _through_check(early, T0)
    taking.start_exam(early, now=T0)
    assert early.deadline == T0 + timedelta(minutes=45)
    late = _register(admin, exam, "late@example.com")
    _through_check(late, T0 + timedelta(minutes=50))
    taking.start_exam(late, now=T0 + timedelta(minutes=50))
    assert late.deadline == datetime(2026, 11, 23, 10, 0, tzinfo=timezone.utc)


def test_timed_sections_close_on_their_own_deadline(admin, factory):
    skill = create_skill(admin, "Timed")
    for n in range(4):
        create_question(admin, QuestionInput(type="MCQ", skill_id=skill.id, difficulty="EASY", stem=f"<p>{n}</p>",
                                             options=[{"html": "a", "correct": True}, {"html": "b"}]))
    assessment = create_assessment(admin, AssessmentInput(name="Timed test", sections=[
        SectionInput(name="Part A", duration=10, rules=[RuleInput(skill="Timed", difficulty="EASY", question_count=2)]),
        SectionInput(name="Part B", duration=20, question_ids=[]),
    ]))
    db.session.commit()
    assert assessment.duration_minutes == 30
    exam = factory.exam(admin, assessment=assessment)
    sitting = _started(admin, exam)
    part_a = [item for item in _items_list(sitting) if item.section_index == 0]
    assert taking.remaining_seconds(sitting, now=T0 + timedelta(minutes=4)) == 6 * 60
    assert taking.save_answer(sitting, part_a[0].id, answer={"option": "a"}, version=1,
                              now=T0 + timedelta(minutes=5)).saved
    # Past Part A's own deadline: Part A closes by itself and its answers can no longer change.
    with pytest.raises(taking.TimeIsUp):
        taking.save_answer(sitting, part_a[0].id, answer={"option": "b"}, version=2, now=T0 + timedelta(minutes=11))
    assert sitting.current_section == 1 and sitting.sections[0]["closed"]
    assert taking.section_deadline(sitting) == T0 + timedelta(minutes=30)
    response = db.session.scalar(select(Response).where(Response.item_id == part_a[0].id))
    assert response.answer == {"option": "a"}


def _items_list(sitting):
    return db.session.scalars(select(SittingItem).where(SittingItem.sitting_id == sitting.id)
                              .order_by(SittingItem.position)).all()


def test_moving_on_closes_the_section_for_good(admin, factory, paper):
    assessment = create_assessment(admin, AssessmentInput(name="Two parts", sections=[
        SectionInput(name="One", duration=5, question_ids=paper[:2]),
        SectionInput(name="Two", duration=5, question_ids=paper[2:])]))
    db.session.commit()
    sitting = _started(admin, factory.exam(admin, assessment=assessment))
    first = _items_list(sitting)[0]
    taking.next_section(sitting, now=T0 + timedelta(minutes=1))
    assert sitting.current_section == 1
    assert taking.section_deadline(sitting) == T0 + timedelta(minutes=6)
    with pytest.raises(taking.TimeIsUp):
        taking.save_answer(sitting, first.id, answer={"option": "a"}, version=1, now=T0 + timedelta(minutes=2))


# Saving -------------------------------------------------------------------------------------------------

def test_saves_are_idempotent_and_ordered(admin, exam):
    sitting = _started(admin, exam)
    item = _items(sitting)["MCQ"]
    right = item.key["correct"][0]
    wrong = next(option["id"] for option in item.options if option["id"] != right)
    assert taking.save_answer(sitting, item.id, answer={"option": wrong}, version=2, now=T0).saved
    stale = taking.save_answer(sitting, item.id, answer={"option": right}, version=1, now=T0)
    assert stale == taking.SaveResult(False, 2)
    again = taking.save_answer(sitting, item.id, answer={"option": wrong}, version=2, now=T0)
    assert again == taking.SaveResult(False, 2)
    taking.save_answer(sitting, item.id, answer={"option": right}, version=3, flagged=True, now=T0)
    db.session.commit()
    response = db.session.scalar(select(Response).where(Response.item_id == item.id))
    assert (response.answer, response.version, response.flagged) == ({"option": right}, 3, True)


def test_a_save_after_the_deadline_is_refused_and_changes_nothing(admin, exam):
    sitting = _started(admin, exam)
    item = _items(sitting)["SHORT_ANSWER"]
    taking.save_answer(sitting, item.id, answer={"text": "Paris"}, version=1, now=T0 + timedelta(minutes=29))
    with pytest.raises(taking.TimeIsUp):
        taking.save_answer(sitting, item.id, answer={"text": "Lyon"}, version=2, now=T0 + timedelta(minutes=31))
    assert sitting.status == SittingStatus.EXAM_FINISHED and sitting.finish_mode == FinishMode.EXPIRED
    assert sitting.finished_at == sitting.deadline
    db.session.commit()
    response = db.session.scalar(select(Response).where(Response.item_id == item.id))
    assert response.answer == {"text": "Paris"} and response.correct is True


def test_items_of_another_sitting_cannot_be_answered(admin, exam):
    mine = _started(admin, exam, email="me@example.com")
    theirs = _started(admin, exam, email="them@example.com")
    with pytest.raises(Exception) as error:
        taking.save_answer(mine, _items(theirs)["MCQ"].id, answer={"option": "a"}, version=1, now=T0)
    assert getattr(error.value, "status", None) == 404


def test_the_paper_is_frozen_and_seeded_per_sitting(admin, factory):
    skill = create_skill(admin, "Pool")
    for n in range(10):
        create_question(admin, QuestionInput(type="MCQ", skill_id=skill.id, difficulty="EASY", stem=f"<p>Q{n}</p>",
                                             options=[{"html": "a", "correct": True}, {"html": "b"}, {"html": "c"}]))
    assessment = create_assessment(admin, AssessmentInput(name="Pooled", duration=20, sections=[
        SectionInput(name="S", randomize_questions=True,
                     rules=[RuleInput(skill="Pool", difficulty="EASY", question_count=5)])]))
    db.session.commit()
    exam = factory.exam(admin, assessment=assessment)
    papers = []
    for n in range(4):
        sitting = _started(admin, exam, email=f"c{n}@example.com")
        papers.append([(item.question_id, tuple(o["id"] for o in item.options)) for item in _items_list(sitting)])
    assert all(len(paper) == 5 for paper in papers)
    assert len({tuple(paper) for paper in papers}) > 1   # different draws or orders
    # The bank may change afterwards; the frozen paper does not.
    first = _items_list(db.session.scalars(select(Sitting).order_by(Sitting.id)).first())[0]
    assert first.stem.startswith("<p>Q") and first.key == {"correct": ["a"]}


# Scoring ------------------------------------------------------------------------------------------------

def test_scoring_with_negative_marks_and_pending_essays(admin, exam):
    sitting = _started(admin, exam)
    items = _items(sitting)
    mcq, mca, fitb, short, essay = (items[t] for t in ("MCQ", "MCA", "FITB", "SHORT_ANSWER", "LONG_ANSWER"))
    wrong_mcq = next(o["id"] for o in mcq.options if o["id"] not in mcq.key["correct"])
    answers = [
        (mcq, {"option": wrong_mcq}),                      # wrong: -0.5
        (mca, {"options": list(mca.key["correct"])}),      # right: 2
        (fitb, {"blanks": [" WENT ", "Slept"]}),           # right (case-insensitive 1, exact 2): 2
        (short, {"text": ""}),                             # unanswered: 0
        (essay, {"text": "A short essay."}),               # waits for a grader
    ]
    for version, (item, answer) in enumerate(answers, start=1):
        taking.save_answer(sitting, item.id, answer=answer, version=version, now=T0 + timedelta(minutes=1))
    keep_page_open(sitting, T0, T0 + timedelta(minutes=12, seconds=30))
    taking.finish(sitting, now=T0 + timedelta(minutes=12, seconds=30))
    db.session.commit()
    items_list, responses = taking.items_and_responses(sitting)
    summary = taking.score_sitting(sitting, now=T0)
    assert summary["totalMarks"] == 3.5 and summary["maxMarks"] == 13
    assert (summary["totalQuestions"], summary["totalCorrectAnswers"], summary["totalIncorrectAnswers"],
            summary["totalUnAnswered"], summary["pendingGrading"]) == (5, 2, 1, 1, 1)
    assert summary["attemptTime"] == 750
    assert summary["sectionMarks"][0]["sectionName"] == "All"
    assert summary["sectionMarks"][0]["skillMarks"][0]["skillName"] == "Mixed"
    assert sitting.total_marks == 3.5 and sitting.graded_at is None


def test_fitb_case_sensitivity_is_per_blank(admin, exam):
    sitting = _started(admin, exam)
    fitb = _items(sitting)["FITB"]
    taking.save_answer(sitting, fitb.id, answer={"blanks": ["went", "slept"]}, version=1, now=T0)
    taking.finish(sitting, now=T0)
    response = db.session.scalar(select(Response).where(Response.item_id == fitb.id))
    assert response.correct is False and response.awarded == -0.5


@pytest.fixture
def typed_exam(factory, admin):
    """What teachers saw marked wrong (issue 13): four fill-ins and short answers with the default options,
    and a blank whose end punctuation counts; 1 mark each, -1 when wrong."""
    skill = create_skill(admin, "English")
    typed = [
        ("FITB", "<p>I [[1]] like it.</p>", {"blanks": [{"accepted": ["don't", "do not"]}]}),
        ("SHORT_ANSWER", "<p>Where do you cook?</p>", {"accepted_answers": ["kitchen", "the kitchen"]}),
        ("SHORT_ANSWER", "<p>Red is a ___.</p>", {"accepted_answers": ["colour", "color"]}),
        ("FITB", "<p>Seven pens cost $[[1]]; the train was [[2]]</p>",
         {"blanks": [{"accepted": ["8.40"], "tolerance": "0.01"}, {"accepted": ["late"], "exact_end_punctuation": True}]}),
    ]
    ids = [create_question(admin, QuestionInput(type=qtype, skill_id=skill.id, difficulty="EASY", stem=stem, marks=1,
                                                negative_marks=-1, **key)).id for qtype, stem, key in typed]
    assessment = create_assessment(admin, AssessmentInput(name="Typed answers", duration=10,
                                                          sections=[SectionInput(name="All", question_ids=ids)]))
    db.session.commit()
    return factory.exam(admin, assessment=assessment)


def _typed_items(sitting) -> list[SittingItem]:
    return list(db.session.scalars(select(SittingItem).where(SittingItem.sitting_id == sitting.id)
                                   .order_by(SittingItem.question_id)))


def _answer_and_finish(sitting, answers: list[dict]) -> list[Response]:
    items = _typed_items(sitting)
    for item, answer in zip(items, answers):
        taking.save_answer(sitting, item.id, answer=answer, version=1, now=T0 + timedelta(minutes=1))
    taking.finish(sitting, now=T0 + timedelta(minutes=2))
    db.session.commit()
    return [db.session.scalar(select(Response).where(Response.item_id == item.id)) for item in items]


def test_a_finished_sitting_judges_typed_answers_as_a_teacher_would(admin, typed_exam):
    sitting = _started(admin, typed_exam)
    responses = _answer_and_finish(sitting, [
        {"blanks": ["don’t"]}, {"text": "The kitchen."}, {"text": "Colour."}, {"blanks": ["8,405", "late"]}])
    assert [(response.correct, response.awarded) for response in responses] == [(True, 1.0)] * 4
    assert (sitting.total_marks, sitting.max_marks) == (4, 4) and sitting.graded_at is not None


def test_the_options_ticked_and_the_tolerance_count_in_a_finished_sitting(admin, typed_exam):
    sitting = _started(admin, typed_exam)
    responses = _answer_and_finish(sitting, [
        {"blanks": ["dont"]}, {"text": "a kitchen"}, {"text": "colours"}, {"blanks": ["8,42", "late"]}])
    assert [(response.correct, response.awarded) for response in responses] == [(False, -1.0)] * 4
    assert sitting.total_marks == -4
    # At the tolerance's edge the number is right; the full stop the examiner said counts is wrong.
    other = _started(admin, typed_exam, email="bo@example.com")
    *_, numbers = _answer_and_finish(other, [None, None, None, {"blanks": ["8.41", "late."]}])
    assert (numbers.correct, numbers.awarded) == (False, -1.0)
    last = _started(admin, typed_exam, email="cy@example.com")
    *_, numbers = _answer_and_finish(last, [None, None, None, {"blanks": ["8.39", "late"]}])
    assert (numbers.correct, numbers.awarded) == (True, 1.0)


def test_the_key_frozen_at_the_start_keeps_its_options(admin, typed_exam):
    sitting = _started(admin, typed_exam)
    short = _typed_items(sitting)[1]
    assert short.key == {"accepted": ["kitchen", "the kitchen"], "case_sensitive": False, "exact_spaces": False,
                         "exact_quotes": False, "exact_unicode": False, "exact_end_punctuation": False,
                         "exact_numbers": False, "tolerance": 0}
    # Ticking an option in the bank later changes no candidate's score.
    question = db.session.get(Question, short.question_id)
    update_question(admin, question.id, replace(question_input(question), matching={"exact_end_punctuation": True}))
    responses = _answer_and_finish(sitting, [{"blanks": ["do not"]}, {"text": "kitchen."}])
    assert [response.correct for response in responses[:2]] == [True, True]


def test_a_key_frozen_before_the_matching_options_is_scored_as_before(admin, typed_exam):
    sitting = _started(admin, typed_exam)
    fitb, short, colour, _ = _typed_items(sitting)
    # As sittings that started before revision 0006 froze their keys.
    fitb.key = {"blanks": [{"accepted": ["don't"], "case_sensitive": False}]}
    short.key, colour.key = ({"accepted": ["kitchen"], "case_sensitive": False},
                             {"accepted": ["colour"], "case_sensitive": False})
    responses = _answer_and_finish(sitting, [{"blanks": ["don’t"]}, {"text": " KITCHEN "}, {"text": "Colour."}])
    assert [response.correct for response in responses[:3]] == [False, True, False]


def test_a_fully_machine_scored_sitting_is_graded_at_once(admin, factory, paper):
    assessment = create_assessment(admin, AssessmentInput(name="No essay", duration=10,
                                                          sections=[SectionInput(name="S", question_ids=paper[:4])]))
    db.session.commit()
    sitting = _started(admin, factory.exam(admin, assessment=assessment))
    taking.finish(sitting, now=T0 + timedelta(minutes=1))
    assert sitting.graded_at == T0 + timedelta(minutes=1) and sitting.total_marks == 0


# Expiry -------------------------------------------------------------------------------------------------

def test_the_worker_closes_overdue_sittings_even_when_the_browser_is_gone(admin, exam):
    overdue = _started(admin, exam, email="gone@example.com")
    running = _started(admin, exam, now=T0 + timedelta(minutes=20), email="here@example.com")
    item = _items(overdue)["SHORT_ANSWER"]
    taking.save_answer(overdue, item.id, answer={"text": "paris"}, version=1, now=T0 + timedelta(minutes=5))
    db.session.commit()
    assert taking.close_overdue_sittings(now=T0 + timedelta(minutes=31)) == 1
    db.session.commit()
    assert (overdue.status, overdue.finish_mode) == (SittingStatus.EXAM_FINISHED, FinishMode.EXPIRED)
    assert overdue.total_marks == 2
    assert running.status == SittingStatus.EXAM_STARTED


def test_opening_an_overdue_link_closes_the_sitting(admin, exam):
    sitting = _started(admin, exam)
    found = taking.sitting_for_token(sitting.access_token, now=T0 + timedelta(hours=1))
    assert found.status == SittingStatus.EXAM_FINISHED and found.finish_mode == FinishMode.EXPIRED


def test_the_worker_command_sweeps_overdue_sittings(app, admin, exam):
    sitting = _started(admin, exam, now=datetime.now(timezone.utc) - timedelta(hours=2))
    result = app.test_cli_runner().invoke(args=["worker", "--once"])
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    assert db.session.get(Sitting, sitting.id).finish_mode == FinishMode.EXPIRED


# Bugs found while building the candidate's pages ------------------------------------------------------

def _two_timed_parts(admin, factory, paper):
    assessment = create_assessment(admin, AssessmentInput(name="Two timed parts", sections=[
        SectionInput(name="One", duration=5, question_ids=paper[:2]),
        SectionInput(name="Two", duration=5, question_ids=paper[2:])]))
    db.session.commit()
    return factory.exam(admin, assessment=assessment)


def test_opening_the_link_after_a_section_deadline_enters_the_next_section(admin, factory, paper):
    """The link is how the page comes back after a timed section ran out: the sitting it finds must be in
    the next section with that section's time, not in the closed one with none left."""
    sitting = _started(admin, _two_timed_parts(admin, factory, paper))
    found = taking.sitting_for_token(sitting.access_token, now=T0 + timedelta(minutes=6))
    assert found.current_section == 1 and found.sections[0]["closed"]
    assert taking.remaining_seconds(found, now=T0 + timedelta(minutes=6)) == 4 * 60


@pytest.mark.parametrize("answer", [{"options": [{}]}, {"blanks": 5}, {"option": ["a"]}, {"text": {"a": 1}},
                                    {"colour": "red"}])
def test_a_malformed_answer_is_refused_so_that_scoring_never_breaks(admin, exam, answer):
    sitting = _started(admin, exam)
    for item in _items(sitting).values():
        with pytest.raises(ValidationError):
            taking.save_answer(sitting, item.id, answer=answer, version=1, now=T0)
    taking.finish(sitting, now=T0 + timedelta(minutes=1))
    assert sitting.status == SittingStatus.EXAM_FINISHED


def test_a_position_that_is_not_a_number_is_refused(admin, exam):
    sitting = _started(admin, exam)
    with pytest.raises(ValidationError):
        taking.set_position(sitting, "third")
    taking.set_position(sitting, "3")
    assert sitting.current_item == 3


def test_the_open_link_checks_the_exam_alone(admin, factory):
    exam = factory.exam(admin, schedule_type="Fixed", fixed_access_option="ExactTime",
                        starts_on_date=date(2026, 12, 1), ends_on_date=date(2026, 12, 1),
                        starts_on_time=time(9), ends_on_time=time(11), time_zone="UTC+01:00",
                        ip_restriction="SINGLE", ip_addresses=["10.0.0.5"])
    assert taking.exam_access_problem(exam, "10.0.0.6", now=T0) == ("ip_not_allowed", "10.0.0.6")
    assert taking.exam_access_problem(exam, "10.0.0.5", now=T0)[0] == "not_yet_open"
    assert taking.exam_access_problem(exam, "10.0.0.5", now=datetime(2026, 12, 1, 9, tzinfo=timezone.utc)) is None
    exam.status = "INACTIVE"
    assert taking.exam_access_problem(exam, "10.0.0.5", now=T0) == ("inactive", None)


def test_a_version_or_item_beyond_the_columns_range_is_refused_cleanly(admin, exam):
    sitting = _started(admin, exam)
    item = _items(sitting)["MCQ"]
    with pytest.raises(ValidationError):
        taking.save_answer(sitting, item.id, answer={"option": "a"}, version=2**40, now=T0)
    with pytest.raises(ValidationError):
        taking.save_answer(sitting, item.id, answer={"option": "a"}, version=0, now=T0)
    with pytest.raises(Exception) as error:
        taking.save_answer(sitting, 2**40, answer={"option": "a"}, version=1, now=T0)
    assert getattr(error.value, "status", None) == 404
