"""An exam's results: percentiles computed for a whole page in SQL against hand-computed cases and
outcomes.percentile, the filters, sorts and pages of the table, the score distribution, and the CSV
and XLSX exports read back with the csv module and openpyxl."""
from __future__ import annotations

import csv
import io
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from types import SimpleNamespace

import pytest
from openpyxl import load_workbook
from sqlalchemy import event

from tests.conftest import right_answer, wrong_answer
from tests.results.helpers import answering, tagged_assessment
from webapp.accounts.models import User
from webapp.assessments.services import AssessmentInput, SectionInput, create_assessment
from webapp.cli.demo import keep_page_open
from webapp.bank.services import QuestionInput, create_question, create_skill, question_input, update_question
from webapp.core.errors import NotFound, PermissionDenied, ValidationError
from webapp.core import spreadsheets
from webapp.core.extensions import db
from webapp.core.permissions import Role
from webapp.results import services
from webapp.results.outcomes import percentile
from webapp.sittings import taking
from webapp.sittings.models import Sitting
from webapp.sittings.services import register_candidates

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)


def standard(admin, items: int = 4, **kwargs):
    return tagged_assessment(admin, [None] * items, kind="standard", **kwargs)


def scores(admin, factory, exam, *rights: int, **kwargs) -> list[Sitting]:
    return [factory.finished_sitting(admin, exam, answer=answering({None: right}), **kwargs) for right in rights]


def take(admin, exam, email: str, *, right: int = 0, minutes: int = 10, start=T0, first_name: str = "Ann",
         last_name: str = "Lee", events: tuple[str, ...] = (), flagged: int | None = None) -> Sitting:
    """A candidate who answers the first `right` items right (the rest wrong), flags item `flagged` (0-based)
    for review, reports `events` and submits after `minutes`."""
    outcome, = register_candidates(admin, exam.id, [{"Email Address": email, "First Name": first_name,
                                                     "Last Name": last_name}])
    sitting = db.session.get(Sitting, outcome.sitting_id)
    taking.start_check(sitting, ip_address="127.0.0.1", now=start)
    taking.complete_check(sitting, browser={"userAgent": "test"}, now=start)
    taking.start_exam(sitting, now=start)
    items, _ = taking.items_and_responses(sitting)
    for number, item in enumerate(items):
        taking.save_answer(sitting, item.id, answer=right_answer(item) if number < right else wrong_answer(item),
                           flagged=number == flagged, version=1, now=start + timedelta(minutes=1))
    for kind in events:
        taking.record_candidate_event(sitting, kind, now=start + timedelta(minutes=2))
    keep_page_open(sitting, start, start + timedelta(minutes=minutes))
    taking.finish(sitting, now=start + timedelta(minutes=minutes))
    db.session.commit()
    return sitting


def rows(admin, exam, **criteria) -> list[services.ResultRow]:
    return services.exam_results(admin, exam.id, **criteria)[1].items


def percentiles(admin, exam, **criteria) -> dict[int, float | None]:
    return {row.sitting.id: row.percentile for row in rows(admin, exam, per_page=100, **criteria)}


# Percentiles -------------------------------------------------------------------------------------------

def test_percentiles_of_the_page_are_hand_computed_and_agree_with_outcomes(admin, factory):
    assessment = standard(admin)
    exam = factory.exam(admin, assessment)
    quarter, half, other_half, full = scores(admin, factory, exam, 1, 2, 2, 4)
    table = percentiles(admin, exam)
    assert [table[s.id] for s in (quarter, half, other_half, full)] == [25, 75, 75, 100]
    assert all(table[s.id] == percentile(s) for s in (quarter, half, other_half, full))

    # A sitting of another exam of the same assessment counts; another assessment's does not.
    three, = scores(admin, factory, factory.exam(admin, assessment), 3)
    scores(admin, factory, factory.exam(admin, standard(admin)), 0, 0)
    table = percentiles(admin, exam)
    assert [table[s.id] for s in (quarter, half, other_half, full)] == [20, 60, 60, 100]
    assert percentiles(admin, three.exam) == {three.id: 80} == {three.id: percentile(three)}


def test_another_institutes_sittings_do_not_count(admin, factory):
    rival = factory.institute("Rival Academy")[1]
    theirs = factory.exam(rival, standard(rival, name="English"))
    scores(rival, factory, theirs, 4, 4, 4)
    ours = factory.exam(admin, standard(admin, name="English"))
    low, high = scores(admin, factory, ours, 1, 2)
    assert percentiles(admin, ours) == {low.id: 50, high.id: 100}


def test_a_sitting_waiting_for_a_grader_has_no_percentile_and_does_not_count(admin, factory):
    exam = factory.exam(admin, standard(admin, items=3, essay=True))
    pending = factory.finished_sitting(admin, exam, answer=answering({None: 3}, essay=True))
    low, high = scores(admin, factory, exam, 1, 2)
    table = {row.sitting.id: row for row in rows(admin, exam)}
    assert table[pending.id].pending and table[pending.id].percentile is None
    assert table[pending.id].percent == pytest.approx(100 * 3 / 8)   # the marks so far
    assert (table[low.id].percentile, table[high.id].percentile) == (50, 100)
    assert not table[low.id].pending


def test_equal_shares_of_different_maxima_are_ties(admin, factory):
    """Papers drawn from pools may differ in their maximum: 3 of 4 and 6 of 8 are the same score."""
    assessment = standard(admin)
    exam = factory.exam(admin, assessment)
    three_of_four, = scores(admin, factory, exam, 3)
    for pick in assessment.sections[0].picks:   # later papers: 2 marks an item
        update_question(admin, pick.question_id, replace(question_input(pick.question), marks=2.0))
    db.session.commit()
    six_of_eight, four_of_eight = scores(admin, factory, exam, 3, 2)
    table = percentiles(admin, exam)
    assert [table[s.id] for s in (three_of_four, six_of_eight, four_of_eight)] == [100, 100, 33.33] == [
        percentile(s) for s in (three_of_four, six_of_eight, four_of_eight)]


def test_statements_do_not_grow_with_the_rows(admin, factory):
    exam = factory.exam(admin, standard(admin))
    scores(admin, factory, exam, 1, 2)

    def statements() -> int:
        db.session.expire_all()
        seen = []
        listener = lambda *args: seen.append(args[2])  # noqa: E731
        event.listen(db.engine, "before_cursor_execute", listener)
        try:
            page = rows(admin, exam, sort="percentile")
            assert all(row.percentile for row in page) and all(row.candidate.email for row in page)
        finally:
            event.remove(db.engine, "before_cursor_execute", listener)
        return len(seen)

    few = statements()
    scores(admin, factory, exam, 0, 3, 4, 4)
    assert statements() == few


# Filters, sorting and pages ------------------------------------------------------------------------------

def test_filters_by_grading_search_level_and_outcome(admin, factory):
    exam = factory.exam(admin, standard(admin, items=3, essay=True))
    pending = factory.finished_sitting(admin, exam, email="pat@example.com", first_name="Pat",
                                       answer=answering({None: 1}, essay=True))
    graded = factory.finished_sitting(admin, exam, email="gil@example.com", first_name="Gil",
                                      answer=answering({None: 2}))
    assert [row.sitting.id for row in rows(admin, exam, status="pending")] == [pending.id]
    assert [row.sitting.id for row in rows(admin, exam, status="graded")] == [graded.id]
    assert len(rows(admin, exam, status="all")) == 2
    assert [row.sitting.id for row in rows(admin, exam, search=" GIL ")] == [graded.id]
    assert [row.sitting.id for row in rows(admin, exam, search=pending.candidate.username)] == [pending.id]
    assert rows(admin, exam, search="100%") == []

    placement = factory.exam(admin, tagged_assessment(admin, ["A1", "A1", "B1", "B1"], placement_bands=[
        {"level": "A1", "min_percent": 50}, {"level": "B1", "min_percent": 50}]))
    b1 = factory.finished_sitting(admin, placement, answer=answering({"A1": 2, "B1": 2}))
    a1 = factory.finished_sitting(admin, placement, answer=answering({"A1": 2}))
    assert [row.sitting.id for row in rows(admin, placement, level="B1")] == [b1.id]
    assert [(row.level, row.passed) for row in rows(admin, placement, level="A1")] == [("A1", None)]
    assert a1.level.value == "A1"

    certification = factory.exam(admin, tagged_assessment(admin, ["B1"] * 4, kind="certification",
                                                          target_level="B1", pass_mark_percent=50))
    passed = factory.finished_sitting(admin, certification, answer=answering({"B1": 2}))
    failed = factory.finished_sitting(admin, certification, answer=answering({"B1": 1}))
    row, = rows(admin, certification, outcome="passed")
    assert (row.sitting.id, row.passed, row.continue_package, row.level) == (passed.id, True, False, "B1")
    row, = rows(admin, certification, outcome="failed")
    assert (row.sitting.id, row.passed, row.continue_package, row.level) == (failed.id, False, True, None)


def test_only_finished_sittings_are_results(admin, factory):
    exam = factory.exam(admin, standard(admin))
    finished, = scores(admin, factory, exam, 2)
    register_candidates(admin, exam.id, [{"Email Address": "late@example.com", "First Name": "Late"}])
    db.session.commit()
    assert [row.sitting.id for row in rows(admin, exam)] == [finished.id]


def test_sorting_by_each_column_both_ways(admin, factory):
    exam = factory.exam(admin, standard(admin))
    cy = take(admin, exam, "cy@example.com", first_name="Cy", right=1, minutes=25, start=T0)
    al = take(admin, exam, "al@example.com", first_name="Al", right=4, minutes=5, start=T0 + timedelta(hours=2))
    bo = take(admin, exam, "bo@example.com", first_name="Bo", right=2, minutes=15, start=T0 + timedelta(hours=1))

    def order(sort: str, descending: bool = True) -> list[Sitting]:
        return [row.sitting for row in rows(admin, exam, sort=sort, descending=descending)]

    assert order("score") == order("percentile") == [al, bo, cy]
    assert order("score", False) == order("percentile", False) == [cy, bo, al]
    assert order("name", False) == [al, bo, cy]
    assert order("finished") == [al, bo, cy]
    assert order("time") == [cy, bo, al]
    assert order("time", False) == [al, bo, cy]
    assert [row.attempt_seconds for row in rows(admin, exam, sort="time")] == [25 * 60, 15 * 60, 5 * 60]


def test_pages_of_the_table(admin, factory):
    exam = factory.exam(admin, standard(admin))
    sittings = scores(admin, factory, exam, 0, 1, 2, 3, 4)
    exam_, page = services.exam_results(admin, exam.id, sort="score", descending=False, page=2, per_page=2)
    assert exam_.id == exam.id and page.total == 5
    assert [row.sitting for row in page.items] == sittings[2:4]


def test_unknown_choices_are_refused(admin, factory):
    exam = factory.exam(admin)
    for criteria in ({"sort": "marks"}, {"status": "done"}, {"outcome": "maybe"}, {"level": "Z9"}):
        with pytest.raises(ValidationError):
            services.exam_results(admin, exam.id, **criteria)


def test_results_are_for_the_institute_and_roles_that_may_see_them(admin, factory):
    exam = factory.exam(admin)
    rival = factory.institute("Rival Academy")[1]
    for call in (services.exam_results, services.score_distribution, services.results_csv, services.results_xlsx):
        with pytest.raises(NotFound):
            call(rival, exam.id)
    support, proctor = factory.staff(admin.institute, Role.SUPPORT), factory.staff(admin.institute, Role.PROCTOR)
    assert services.exam_results(support, exam.id)[1].total == 0
    with pytest.raises(PermissionDenied):
        services.exam_results(proctor, exam.id)


# The score distribution ------------------------------------------------------------------------------------

def test_distribution_in_ten_bands_with_its_summary(admin, factory):
    assessment = standard(admin, items=10)
    exam = factory.exam(admin, assessment)
    scores(admin, factory, exam, 0, 1, 1, 5, 9, 10)
    scores(admin, factory, factory.exam(admin, assessment), 3)    # another exam: not in this chart
    distribution = services.score_distribution(admin, exam.id)
    assert [(bucket.low, bucket.high, bucket.count) for bucket in distribution.buckets] == [
        (0, 10, 1), (10, 20, 2), (20, 30, 0), (30, 40, 0), (40, 50, 0), (50, 60, 1), (60, 70, 0), (70, 80, 0),
        (80, 90, 0), (90, 100, 2)]
    assert (distribution.count, distribution.mean, distribution.median) == (6, 43.33, 30)
    assert (distribution.highest, distribution.lowest, distribution.tallest) == (100, 0, 2)


def test_distribution_leaves_out_sittings_waiting_for_a_grader(admin, factory):
    exam = factory.exam(admin, standard(admin, items=3, essay=True))
    factory.finished_sitting(admin, exam, answer=answering({None: 3}, essay=True))
    empty = services.score_distribution(admin, exam.id)
    assert empty.count == 0 and empty.mean is None and empty.median is None and empty.tallest == 0
    scores(admin, factory, exam, 3)   # 3 of 8: the unanswered essay earns nothing
    assert services.score_distribution(admin, exam.id).median == 37.5


# Exports ----------------------------------------------------------------------------------------------------

def two_section_assessment(admin):
    skill = create_skill(admin, "Grammar and reading")
    ids = [create_question(admin, QuestionInput(
        type="MCQ", skill_id=skill.id, difficulty="EASY", stem=f"<p>Question {n}</p>",
        options=[{"html": "right", "correct": True}, {"html": "wrong"}])).id for n in range(4)]
    assessment = create_assessment(admin, AssessmentInput(name="Two parts", duration=30, sections=[
        SectionInput(name="Grammar", question_ids=ids[:2]), SectionInput(name="Reading", question_ids=ids[2:])]))
    db.session.commit()
    return assessment


@pytest.fixture
def export_exam(admin, factory):
    exam = factory.exam(admin, two_section_assessment(admin), name="Spring / Intake: B2")
    take(admin, exam, "eve@example.com", first_name="=HYPERLINK(\"http://evil\")", last_name="Doe", right=3,
         minutes=12)
    take(admin, exam, "bob@example.com", first_name="Bob", last_name="-Minus", right=1, minutes=20,
         start=T0 + timedelta(hours=1))
    register_candidates(admin, exam.id, [{"Email Address": "notyet@example.com", "First Name": "Not"}])
    db.session.commit()
    return exam


HEADER = ["Name", "E-mail", "Username", "Status", "How the test ended", "Started (UTC)", "Finished (UTC)",
          "Attempt time (s)", "Marks", "Max marks", "Percent", "Percentile", "Level", "Passed", "Continue package",
          "Attempt", "Grammar marks", "Reading marks"]


def test_csv_export_of_every_finished_sitting_escapes_formulas(admin, export_exam, monkeypatch):
    monkeypatch.setattr(services, "EXPORT_BATCH", 1)   # several batches, read and written in turn
    filename, lines = services.results_csv(admin, export_exam.id)
    assert filename == "Spring_Intake_B2-results.csv"
    text = "".join(lines)
    assert text.startswith(spreadsheets.BYTE_ORDER_MARK)
    header, eve, bob = list(csv.reader(io.StringIO(text.removeprefix(spreadsheets.BYTE_ORDER_MARK))))
    assert header == HEADER
    assert eve[:2] == ["'=HYPERLINK(\"http://evil\") Doe", "eve@example.com"]
    assert eve[3:] == ["graded", "Submitted by the candidate", "2026-03-02 09:00:00", "2026-03-02 09:12:00", "720", "3.0",
                       "4.0", "75.0", "100.0", "", "", "", "1", "2.0", "1.0"]
    assert bob[0] == "Bob -Minus" and bob[7:12] == ["1200", "1.0", "4.0", "25.0", "50.0"]
    assert bob[-2:] == ["1.0", "0.0"]


def test_xlsx_export_keeps_numbers_as_numbers_and_text_as_text(admin, export_exam):
    filename, chunks = services.results_xlsx(admin, export_exam.id)
    assert filename == "Spring_Intake_B2-results.xlsx"
    sheet = load_workbook(io.BytesIO(b"".join(chunks))).active
    header, eve, bob = [[cell for cell in row] for row in sheet.iter_rows()]
    assert [cell.value for cell in header] == HEADER
    assert eve[0].value == "=HYPERLINK(\"http://evil\") Doe" and eve[0].data_type == "s"
    assert [cell.value for cell in eve[3:]] == [
        "graded", "Submitted by the candidate", datetime(2026, 3, 2, 9), datetime(2026, 3, 2, 9, 12), 720, 3, 4, 75, 100,
        None, None, None, 1, 2, 1]
    assert [cell.data_type for cell in eve[7:12]] == ["n"] * 5
    assert bob[0].value == "Bob -Minus" and bob[11].value == 50


def test_exports_read_columns_not_sittings(admin, export_exam, monkeypatch):
    """At 100,000 rows (bench/data_scale.py) an object per sitting and candidate would cost seconds and memory:
    the exports read plain columns, a batch at a time."""
    monkeypatch.setattr(services, "EXPORT_BATCH", 1)
    exam_id, admin_id = export_exam.id, admin.id
    db.session.expunge_all()
    admin = db.session.get(User, admin_id)
    loaded = []
    listener = lambda session, instance: loaded.append(type(instance).__name__)   # noqa: E731
    event.listen(db.session, "loaded_as_persistent", listener)
    try:
        lines = "".join(services.results_csv(admin, exam_id)[1]).splitlines()
        chunks = b"".join(services.results_xlsx(admin, exam_id)[1])
    finally:
        event.remove(db.session, "loaded_as_persistent", listener)
    assert len(lines) == 3 and len(list(load_workbook(io.BytesIO(chunks)).active.iter_rows())) == 3
    assert "Sitting" not in loaded and "Candidate" not in loaded


def test_the_xlsx_export_is_sent_while_its_rows_are_read(admin, factory, monkeypatch):
    """The workbook is never built whole: its first bytes leave before the last rows are read."""
    monkeypatch.setattr(spreadsheets, "_SEND_EVERY", 512)
    exam = factory.exam(admin, standard(admin))
    scores(admin, factory, exam, *range(5), *range(5))
    db.session.commit()
    read = []
    rows = services._export_rows
    monkeypatch.setattr(services, "_export_rows", lambda exam: (read.append(row) or row for row in rows(exam)))
    filename, chunks = services.results_xlsx(admin, exam.id)
    first = next(chunks)
    assert first and len(read) < 10
    sheet = load_workbook(io.BytesIO(first + b"".join(chunks))).active
    assert len(read) == 10 and sorted(row[8] for row in sheet.iter_rows(min_row=2, values_only=True)) == [
        0, 0, 1, 1, 2, 2, 3, 3, 4, 4]


def test_export_file_names_are_safe(admin, factory):
    exam = factory.exam(admin, name="Prüfung \"Ä\"; filename=x")
    assert services.results_csv(admin, exam.id)[0] == "Prufung_A_filenamex-results.csv"
    assert services.export_filename(SimpleNamespace(name="ß/..", id=7), "csv") == "exam-7-results.csv"
