"""Item analysis on hand-computed cases: facility, point-biserial discrimination of the item against
the rest of the paper, option choices by option id despite shuffling, weak item flags, the test's
reliability (KR-20 / Cronbach's alpha, SEM, alpha if deleted) with its edge cases, and the page."""
from __future__ import annotations

import math
from datetime import datetime, timezone

import pytest
from bs4 import BeautifulSoup
from sqlalchemy import event, select

from tests.conftest import log_in, right_answer, wrong_answer
from tests.results.helpers import tagged_assessment
from webapp.assessments.services import AssessmentInput, SectionInput, create_assessment
from webapp.bank.services import QuestionInput, create_question, create_skill
from webapp.core.errors import NotFound, PermissionDenied
from webapp.core.extensions import db
from webapp.results import analysis, grading
from webapp.sittings.models import Response, SittingItem

T0 = datetime(2026, 11, 2, 9, 0, tzinfo=timezone.utc)


@pytest.fixture
def paper(admin):
    """Three 1-mark MCQs (option a is the key) and an essay worth 2, shuffled per sitting."""
    skill = create_skill(admin, "Reading")

    def mcq(stem, *options):
        return create_question(admin, QuestionInput(
            type="MCQ", skill_id=skill.id, difficulty="EASY", stem=f"<p>{stem}</p>",
            options=[{"html": option, "correct": index == 0} for index, option in enumerate(options)])).id

    questions = {"capital": mcq("Capital of France?", "Paris", "Lyon", "Nice"), "tricky": mcq("Tricky?", "yes", "no"),
                 "easy": mcq("Easy?", "right", "wrong"),
                 "essay": create_question(admin, QuestionInput(type="LONG_ANSWER", skill_id=skill.id,
                                                               difficulty="EASY", stem="<p>Write.</p>", marks=2)).id}
    assessment = create_assessment(admin, AssessmentInput(name="Reading test", duration=30, sections=[
        SectionInput(name="All", randomize_questions=True, question_ids=list(questions.values()))]))
    db.session.commit()
    return assessment, questions


# Each sitting's choices (None: unanswered) and the essay's mark (None: no essay written).
#            capital  tricky  easy  essay   total of 5
SITTINGS = {"A": ("a", "b", "a", 2),    # 1 + 0 + 1 + 2 = 4
            "B": ("a", "b", "a", 2),    # 4
            "C": ("b", "a", "a", 1),    # 0 + 1 + 1 + 1 = 3
            "D": (None, "a", "a", None)}  # 0 + 1 + 1 + 0 = 2


def _take(factory, admin, exam, questions, choices):
    by_question = dict(zip(["capital", "tricky", "easy"], choices))
    names = {question_id: name for name, question_id in questions.items()}

    def answer(item):
        name = names[item.question_id]
        if name == "essay":
            return None if choices[3] is None else {"text": "An essay."}
        return {"option": by_question[name]} if by_question[name] else None

    sitting = factory.finished_sitting(admin, exam, answer=answer, now=T0)
    if choices[3] is not None:
        essay = db.session.scalar(select(Response).join(SittingItem, SittingItem.id == Response.item_id).where(
            SittingItem.sitting_id == sitting.id, SittingItem.question_id == questions["essay"]))
        grading.grade_response(admin, essay.id, choices[3])
        db.session.commit()
    return sitting


@pytest.fixture
def case(admin, factory, paper):
    """Sittings A to C in one exam and D in another exam of the same assessment; besides them a sitting
    still waiting for its essay's mark and a graded sitting of another assessment, which do not count."""
    assessment, questions = paper
    spring, autumn = factory.exam(admin, assessment=assessment), factory.exam(admin, assessment=assessment)
    totals = [_take(factory, admin, autumn if name == "D" else spring, questions, choices).total_marks
              for name, choices in SITTINGS.items()]
    assert totals == [4, 4, 3, 2]
    waiting = factory.finished_sitting(admin, spring, now=T0, answer=lambda item: (
        {"text": "Not marked yet."} if item.question_type == "LONG_ANSWER" else {"option": "b"}))
    assert waiting.graded_at is None
    factory.finished_sitting(admin, factory.exam(admin), answer=lambda item: {"option": "b"}, now=T0)
    return assessment, questions


def test_facility_discrimination_and_choices_by_hand(admin, case):
    assessment, questions = case
    result = analysis.item_analysis(admin, assessment.id)
    items = {item.question_id: item for item in result.items}
    capital, tricky, easy, essay = (items[questions[name]] for name in ("capital", "tricky", "easy", "essay"))

    assert result.sittings == 4 and [item.sittings for item in result.items] == [4, 4, 4, 4]
    # capital: x = 1 1 0 0, facility 0.5. Rest of the paper y = (total - x) / (5 - 1) = .75 .75 .75 .5;
    # M1 = .75, M0 = .625, s_y = sqrt(mean((y - .6875)^2)) = sqrt(.01171875); r = (M1 - M0) / s_y * sqrt(.5 * .5)
    assert capital.facility == 0.5
    assert capital.discrimination == pytest.approx((0.75 - 0.625) / math.sqrt(0.01171875) * 0.5)
    assert capital.discrimination == pytest.approx(1 / math.sqrt(3))
    # tricky: x = 0 0 1 1; y = 1 1 .5 .25; M1 = .375, M0 = 1, s_y = sqrt(.10546875): stronger candidates miss it.
    assert tricky.facility == 0.5
    assert tricky.discrimination == pytest.approx((0.375 - 1) / math.sqrt(0.10546875) * 0.5)
    assert tricky.discrimination == pytest.approx(-0.9623, abs=1e-4)
    # easy: everyone right, so nothing to correlate.
    assert (easy.facility, easy.discrimination) == (1.0, None)
    # essay (2 marks): x = 2/2 2/2 1/2 0 (D wrote nothing); the rest is 2 of 3 for everyone: no spread.
    assert (essay.facility, essay.discrimination) == (0.625, None)

    assert [(option.id, option.html, option.correct, option.chosen, option.share) for option in capital.options] == [
        ("a", "Paris", True, 2, 0.5), ("b", "Lyon", False, 1, 0.25), ("c", "Nice", False, 0, 0.0)]
    assert capital.unanswered == 1
    assert [(option.id, option.chosen) for option in tricky.options] == [("a", 2), ("b", 2)]
    assert essay.options == [] and essay.unanswered == 0

    assert capital.flags == [] and essay.flags == []
    assert [kind for kind, _ in tricky.flags] == ["misleading", "lowers-reliability"]
    assert easy.flags == [("easy", "Too easy")]

    # Reliability over the marks (capital, tricky, easy, essay) A = 1 0 1 2, B = 1 0 1 2, C = 0 1 1 1,
    # D = 0 1 1 0: item variances .25 + .25 + 0 + .6875 = 1.1875, totals 4 4 3 2 with variance .6875, so
    # alpha = 4/3 * (1 - 1.1875 / .6875) = -32/33 (the tricky item works against the rest) and
    # SEM = sqrt(.6875) * sqrt(1 + 32/33). The essay's half marks make it alpha rather than KR-20.
    test = result.reliability
    assert (test.name, test.questions, test.missing) == ("Cronbach's alpha", 4, "")
    assert test.coefficient == pytest.approx(-32 / 33)
    assert test.sem == pytest.approx(math.sqrt(0.6875) * math.sqrt(65 / 33))
    # Without tricky: totals 4 4 2 1 (variance 1.6875), items .25 + 0 + .6875: 3/2 * (1 - .9375 / 1.6875) = 2/3.
    assert tricky.alpha_if_deleted == pytest.approx(2 / 3)
    # Without capital: totals 3 3 3 2 (variance .1875), items .9375: 3/2 * (1 - 5) = -6.
    assert capital.alpha_if_deleted == pytest.approx(-6)
    assert easy.alpha_if_deleted == pytest.approx(1.5 * (1 - 1.1875 / 0.6875))
    # Without the essay every total is 2: no spread, no alpha.
    assert essay.alpha_if_deleted is None


def test_the_analysis_takes_a_bounded_number_of_queries(admin, case):
    assessment_id = case[0].id
    db.session.refresh(admin)   # loaded already, as the logged-in user is in a request
    statements = []
    listener = lambda *args: statements.append(args[2])  # noqa: E731
    event.listen(db.engine, "before_cursor_execute", listener)
    try:
        analysis.item_analysis(admin, assessment_id)
    finally:
        event.remove(db.engine, "before_cursor_execute", listener)
    assert len(statements) == 3   # the assessment, the graded answers, the questions' latest texts


@pytest.mark.parametrize(("facility", "discrimination", "expected"), [
    (0.19, 0.5, ["hard"]), (0.2, 0.5, []), (0.9, 0.5, []), (0.91, 0.5, ["easy"]),
    (0.5, 0.2, []), (0.5, 0.19, ["weak"]), (0.5, 0.0, ["weak"]), (0.5, -0.01, ["misleading"]),
    (0.1, -0.3, ["hard", "misleading"]), (0.5, None, []),
])
def test_weak_item_flags_at_their_boundaries(facility, discrimination, expected):
    assert [kind for kind, _ in analysis.flags(facility, discrimination)] == expected


def test_point_biserial_takes_partial_marks_and_needs_a_spread():
    assert analysis.point_biserial([1, 0.5, 0], [0.9, 0.5, 0.1]) == pytest.approx(1.0)
    assert analysis.point_biserial([0, 0.5, 1], [0.9, 0.5, 0.1]) == pytest.approx(-1.0)
    assert analysis.point_biserial([1], [0.5]) is None
    assert analysis.point_biserial([1, 1, 1], [0.2, 0.5, 0.9]) is None
    assert analysis.point_biserial([1, 0, 1], [0.5, 0.5, 0.5]) is None


def _page(response) -> BeautifulSoup:
    assert response.status_code == 200, response.status_code
    return BeautifulSoup(response.get_data(as_text=True), "html.parser")


def test_the_page_shows_the_measures_and_highlights_weak_items(admin_client, case):
    assessment, questions = case
    detail = _page(admin_client.get(f"/assessments/{assessment.id}"))
    assert detail.find("a", string="Item analysis")["href"] == f"/assessments/{assessment.id}/analysis"

    page = _page(admin_client.get(f"/assessments/{assessment.id}/analysis"))

    rows = {int(row["data-question-id"]): row for row in page.select("table.item-analysis tbody tr")}
    capital, tricky, easy = (rows[questions[name]] for name in ("capital", "tricky", "easy"))
    assert capital.select_one(".stem-text").get_text(strip=True) == "Capital of France?"
    measures = [capital.select_one(f"[data-{field}]").get_text(strip=True) for field in ("n", "facility", "discrimination")]
    assert measures == ["4", "50 %", "0.58"]
    assert tricky.select_one("[data-discrimination]").get_text(strip=True) == "-0.96"
    assert easy.select_one("[data-discrimination]").get_text(strip=True) == "n/a"
    choices = {option["data-option"]: option for option in capital.select("[data-option]")}
    assert {key: option.select_one("[data-chosen]").get_text() for key, option in choices.items()} == \
        {"a": "2", "b": "1", "c": "0"}
    assert "correct-option" in choices["a"]["class"] and "(key)" in choices["a"].get_text()
    assert capital.select_one("[data-unanswered]").get_text(strip=True) == "No answer: 1"
    # Weak items carry a class and say why in words.
    assert "item-weak" not in (capital.get("class") or [])
    assert "item-weak" in tricky["class"] and "item-weak" in easy["class"]
    assert tricky.select_one("[data-flag]").get_text() == "Misleading: stronger candidates do worse"
    assert easy.select_one("[data-flag]").get_text() == "Too easy"
    assert page.select_one("[data-sittings]").get_text(" ", strip=True).startswith("Over 4 graded sittings")
    assert page.select_one(".analysis-help").find("dt", string="Discrimination")


def test_an_assessment_without_graded_sittings_says_so(admin_client, paper):
    page = _page(admin_client.get(f"/assessments/{paper[0].id}/analysis"))
    assert page.select_one("[data-empty]") and not page.select("table.item-analysis")


def test_only_results_readers_of_the_institute_see_the_analysis(client, admin, factory, case):
    assessment = case[0]
    stranger = factory.institute("Other School")[1]
    with pytest.raises(NotFound):
        analysis.item_analysis(stranger, assessment.id)
    proctor = factory.staff(admin.institute, "proctor")
    with pytest.raises(PermissionDenied):
        analysis.item_analysis(proctor, assessment.id)

    log_in(client, stranger)
    assert client.get(f"/assessments/{assessment.id}/analysis").status_code == 404
    client.post("/logout")
    log_in(client, factory.staff(admin.institute, "support"))
    assert len(_page(client.get(f"/assessments/{assessment.id}/analysis")).select("table.item-analysis tbody tr")) == 4


# Reliability ----------------------------------------------------------------------------------------------

def _kr20(matrix: list[list[int]]) -> float:
    """KR-20 by its own formula, with the share p of sittings right on each 0/1 item: an independent check."""
    n, k = len(matrix), len(matrix[0])
    shares = [sum(row[column] for row in matrix) / n for column in range(k)]
    totals = [sum(row) for row in matrix]
    mean = sum(totals) / n
    return k / (k - 1) * (1 - sum(p * (1 - p) for p in shares) / (sum((t - mean) ** 2 for t in totals) / n))


# Four sittings of four all-or-nothing items; the fourth item is right for the weaker candidates only.
MATRIX = [[1, 1, 1, 0],
          [1, 1, 0, 0],
          [1, 0, 0, 1],
          [0, 0, 0, 1]]


def test_kr20_sem_and_alpha_if_deleted_by_hand():
    # Without the fourth item (the first three columns): p = .75 .5 .25, sum of p(1 - p) = .625, totals
    # 3 2 1 0 with variance 1.25: KR-20 = 3/2 * (1 - .625 / 1.25) = .75, SEM = sqrt(1.25) * sqrt(.25).
    three = [row[:3] for row in MATRIX]
    assert analysis.cronbach_alpha(three) == pytest.approx(0.75) == pytest.approx(_kr20(three))
    test = analysis.reliability(three, [1, 1, 1])
    assert (test.name, test.coefficient, test.sem) == ("KR-20", pytest.approx(0.75), pytest.approx(math.sqrt(1.25) / 2))
    # All four: totals 3 2 2 1 (variance .5), p(1 - p) sums to .875: 4/3 * (1 - 1.75) = -1.
    assert analysis.cronbach_alpha(MATRIX) == pytest.approx(-1.0) == pytest.approx(_kr20(MATRIX))
    assert analysis.alpha_if_deleted(MATRIX, 3) == pytest.approx(0.75)
    for column in range(3):
        rest = [row[:column] + row[column + 1:] for row in MATRIX]
        assert analysis.alpha_if_deleted(MATRIX, column) == pytest.approx(_kr20(rest))
    # Cronbach's alpha in general: marks of 2 scale an item's variance by 4 and are not all or nothing.
    assert analysis.reliability([[2, 1], [1, 0], [0, 1]], [2, 1]).name == "Cronbach's alpha"


@pytest.mark.parametrize("scores, maxima, missing", [
    ([[1, 0, 1]], [1, 1, 1], "Not enough data: it needs at least 2 graded sittings."),
    ([], [1, 1], "Not enough data: it needs at least 2 graded sittings."),
    ([[1], [0], [1]], [1], "Not enough data: it needs at least 2 questions that every sitting had."),
    ([[1, 0], [0, 0], [1, 1]], [1, 1], ""),
    ([[1, 1], [1, 1], [1, 1]], [1, 1], "Not enough data: every sitting scored the same."),
    ([[1, 0], [1, 0]], [1, 1], "Not enough data: every sitting scored the same."),
])
def test_reliability_says_not_enough_data_instead_of_dividing_by_zero(scores, maxima, missing):
    test = analysis.reliability(scores, maxima)
    assert test.missing == missing
    assert (test.coefficient is None) == bool(missing) and (test.sem is None) == bool(missing)


def _by_position(factory, admin, exam, rights: list[int]):
    """A sitting that answers right the items at the positions where `rights` has a 1."""
    def answer(item):
        return right_answer(item) if rights[item.position] else wrong_answer(item)
    return factory.finished_sitting(admin, exam, answer=answer, now=T0)


def test_the_service_and_page_show_reliability_and_flag_the_item_that_lowers_it(admin_client, admin, factory):
    assessment = tagged_assessment(admin, [None] * 4, kind="standard")
    exam = factory.exam(admin, assessment)
    for rights in MATRIX:
        _by_position(factory, admin, exam, rights)

    result = analysis.item_analysis(admin, assessment.id)

    test = result.reliability
    assert (test.name, test.questions, test.coefficient) == ("KR-20", 4, pytest.approx(-1.0))
    assert test.sem == pytest.approx(math.sqrt(0.5) * math.sqrt(2))
    assert [item.alpha_if_deleted for item in result.items][3] == pytest.approx(0.75)
    assert ["lowers-reliability" in dict(item.flags) for item in result.items] == [False, False, False, True]

    page = _page(admin_client.get(f"/assessments/{assessment.id}/analysis"))
    assert page.select_one("[data-reliability]").get_text(strip=True) == "-1.00"
    assert page.select_one("[data-sem]").get_text(strip=True) == "1.00 marks"
    assert page.select_one("#reliability dt").get_text(strip=True) == "KR-20"
    last = page.select("table.item-analysis tbody tr")[3]
    assert last.select_one("[data-alpha-if-deleted]").get_text(strip=True) == "0.75"
    assert "The test is more reliable without it" in [flag.get_text() for flag in last.select("[data-flag]")]


def test_one_sitting_or_one_item_is_not_enough_data_on_the_page(admin_client, admin, factory):
    single = tagged_assessment(admin, [None], kind="standard")
    exam = factory.exam(admin, single)
    for rights in ([1], [0], [1]):
        _by_position(factory, admin, exam, rights)
    page = _page(admin_client.get(f"/assessments/{single.id}/analysis"))
    assert page.select_one("[data-reliability-missing]").get_text(strip=True) == \
        "Not enough data: it needs at least 2 questions that every sitting had."
    assert page.select_one("[data-alpha-if-deleted]").get_text(strip=True) == "n/a"

    pair = tagged_assessment(admin, [None, None], kind="standard")
    _by_position(factory, admin, factory.exam(admin, pair), [1, 0])
    page = _page(admin_client.get(f"/assessments/{pair.id}/analysis"))
    assert page.select_one("[data-reliability-missing]").get_text(strip=True) == \
        "Not enough data: it needs at least 2 graded sittings."
