"""What a graded sitting means: the placement rule at every boundary (the pure rule, then end to end
through the candidate's services), certification at its pass mark with the certificate and the
candidate's level, and percentiles on hand-computed cases."""
from __future__ import annotations

from dataclasses import replace
from types import SimpleNamespace

import pytest
from sqlalchemy import event, select

from tests.results.helpers import answering, tagged_assessment
from webapp.bank.models import CefrLevel
from webapp.bank.services import question_input, update_question
from webapp.candidates.services import update_candidate
from webapp.core.extensions import db
from webapp.results.models import Certificate
from webapp.results.outcomes import certification_passed, percentile
from webapp.results.placement import level_percentages, placement_level
from webapp.sittings.models import Sitting
from webapp.sittings.services import register_candidates

L = CefrLevel


def candidate_at_level(admin, exam, email: str, level: str):
    """A candidate of the institute (registered to `exam`) whose current level is `level`."""
    outcome, = register_candidates(admin, exam.id, [{"Email Address": email, "First Name": "Ann",
                                                     "Last Name": "Lee"}])
    candidate = db.session.get(Sitting, outcome.sitting_id).candidate
    update_candidate(admin, candidate.id, first_name=candidate.first_name, last_name=candidate.last_name,
                     username=candidate.username, current_level=level)
    db.session.commit()
    return candidate


# The placement rule ------------------------------------------------------------------------------------

BANDS = [{"level": "A1", "min_percent": 60.0}, {"level": "A2", "min_percent": 60.0},
         {"level": "B1", "min_percent": 50.0}]


@pytest.mark.parametrize("percentages, placed", [
    ({L.A1: 60.0}, L.A1),                                     # exactly at the minimum reaches the level
    ({L.A1: 59.99}, L.PRE_A1),                                # just below misses it: one level below A1
    ({L.A1: 60.0, L.A2: 60.0, L.B1: 50.0}, L.B1),             # every minimum met exactly
    ({L.A1: 100.0, L.A2: 100.0, L.B1: 49.99}, L.A2),
    ({L.A1: 100.0, L.A2: 59.99, L.B1: 100.0}, L.B1),          # a single slip is forgiven when the next is reached
    ({L.A1: 0.0, L.A2: 100.0, L.B1: 100.0}, L.B1),            # a slip at the lowest level too
    ({L.A1: 100.0, L.A2: 0.0, L.B1: 49.99}, L.A1),            # two misses in a row end the climb
    ({L.A1: 0.0, L.A2: 0.0, L.B1: 100.0}, L.PRE_A1),          # ... before anything is reached: one below A1
    ({L.A2: 59.99, L.B1: 100.0}, L.B1),
    ({L.A2: 59.99, L.B1: 0.0}, L.A1),                         # the lowest tested missed: one below it
    ({L.A1: 100.0, L.B1: 50.0}, L.B1),                        # an untested level (A2) is no hurdle
    ({L.A1: 100.0, L.B2: 0.0, L.C2: 0.0}, L.A1),              # levels without a band are ignored
    ({L.C1: 100.0}, None),                                    # only levels without a band: nobody placed
    ({}, None),                                               # no tagged items
])
def test_placement_rule(percentages, placed):
    assert placement_level(percentages, BANDS) == placed


def test_slips_are_forgiven_one_at_a_time():
    bands = [{"level": level.value, "min_percent": 60.0} for level in L]
    climb = {L.PRE_A1: 100.0, L.A1: 0.0, L.A2: 100.0, L.B1: 0.0, L.B2: 100.0, L.C1: 0.0, L.C2: 0.0}
    assert placement_level(climb, bands) == L.B2


def test_missing_pre_a1_places_at_pre_a1():
    bands = [{"level": "Pre-A1", "min_percent": 50.0}, {"level": "A1", "min_percent": 50.0}]
    assert placement_level({L.PRE_A1: 49.99, L.A1: 49.99}, bands) == L.PRE_A1
    assert placement_level({L.PRE_A1: 50.0, L.A1: 49.99}, bands) == L.PRE_A1
    assert placement_level({L.PRE_A1: 49.99, L.A1: 100.0}, bands) == L.A1
    assert placement_level({L.PRE_A1: 50.0, L.A1: 50.0}, bands) == L.A1


def _paper(*entries):
    """Fake frozen items and responses: (level, marks, awarded) each."""
    items = [SimpleNamespace(id=number, cefr_level=level, marks=marks, question_type="MCQ")
             for number, (level, marks, _) in enumerate(entries)]
    responses = {number: SimpleNamespace(awarded=awarded) for number, (_, _, awarded) in enumerate(entries)}
    return items, responses


def test_level_percentages_over_the_tagged_items_only():
    items, responses = _paper(("A1", 1, 1), ("A1", 1, 0), ("A1", 2, 2), ("A2", 1, 0), ("A2", 3, 3),
                              (None, 5, 5), ("B1", 2, None))   # None: an answer still waiting for a grader
    assert level_percentages(items, responses) == {L.A1: 75.0, L.A2: 75.0, L.B1: 0.0}


def test_negative_marks_count_but_a_level_never_goes_below_zero():
    items, responses = _paper(("A1", 1, 1), ("A1", 1, -0.5), ("A2", 1, -0.25), ("A2", 1, -0.25))
    assert level_percentages(items, responses) == {L.A1: 25.0, L.A2: 0.0}


@pytest.mark.parametrize("marks", [0.3, 0.7])
def test_a_level_met_exactly_in_fractional_marks_is_reached(marks):
    """3 of 5 items is 60 %, though the marks summed in floating point make it 59.999...%."""
    items, responses = _paper(*[("A1", marks, marks)] * 3, *[("A1", marks, 0.0)] * 2)
    assert placement_level(level_percentages(items, responses), [{"level": "A1", "min_percent": 60.0}]) == L.A1
    items, responses = _paper(*[("A2", marks, marks)] * 8)
    assert placement_level(level_percentages(items, responses), [{"level": "A2", "min_percent": 100.0}]) == L.A2


# Placement end to end ----------------------------------------------------------------------------------

PLACEMENT_ITEMS = ["A1"] * 5 + ["A2"] * 5 + ["B1"] * 5 + [None]
PLACEMENT_BANDS = [{"level": "A1", "min_percent": 60}, {"level": "A2", "min_percent": 60},
                   {"level": "B1", "min_percent": 60}]


@pytest.mark.parametrize("right, placed", [
    ({"A1": 3, "A2": 3, "B1": 2, None: 1}, "A2"),      # 60 % at A1 and A2 exactly, 40 % at B1
    ({"A1": 5, "A2": 5, "B1": 3}, "B1"),
    ({"A1": 3, "A2": 2, "B1": 5}, "B1"),               # one slip at A2 is forgiven as B1 is reached
    ({"A1": 2, "A2": 5, "B1": 5, None: 1}, "B1"),      # one slip at A1 too
    ({"A1": 5, "A2": 2, "B1": 2}, "A1"),               # two misses in a row end the climb
    ({"A1": 2, "A2": 2, "B1": 5, None: 1}, "Pre-A1"),  # A1 and A2 missed: one level below A1
])
def test_a_placement_test_places_the_candidate(admin, factory, right, placed):
    assessment = tagged_assessment(admin, PLACEMENT_ITEMS, placement_bands=PLACEMENT_BANDS)
    sitting = factory.finished_sitting(admin, factory.exam(admin, assessment), answer=answering(right))
    assert sitting.graded_at is not None
    assert sitting.level == CefrLevel(placed) and sitting.passed is None
    assert sitting.candidate.current_level == CefrLevel(placed)


def test_a_placement_met_exactly_in_fractional_marks_places(admin, factory):
    assessment = tagged_assessment(admin, ["A1"] * 5, marks=0.3, placement_bands=[{"level": "A1", "min_percent": 60}])
    sitting = factory.finished_sitting(admin, factory.exam(admin, assessment), answer=answering({"A1": 3}))
    assert sitting.total_marks == pytest.approx(0.9) and sitting.level == L.A1


def test_negative_marks_on_a_placement_clip_at_zero(admin, factory):
    assessment = tagged_assessment(admin, ["A1"] * 2 + ["A2"] * 2, negative_marks=-1,
                                   placement_bands=[{"level": "A1", "min_percent": 50},
                                                    {"level": "A2", "min_percent": 50}])
    # A1: 1 - 1 = 0 of 2 (50 % if wrong answers cost nothing), A2: -2 of 2, clipped to 0: Pre-A1.
    sitting = factory.finished_sitting(admin, factory.exam(admin, assessment), answer=answering({"A1": 1}))
    assert sitting.total_marks == -2 and sitting.level == L.PRE_A1


def test_a_placement_without_tagged_items_places_nobody(admin, factory):
    assessment = tagged_assessment(admin, [None] * 3)
    exam = factory.exam(admin, assessment)
    candidate = candidate_at_level(admin, factory.exam(admin), "ann@example.com", "B2")
    sitting = factory.finished_sitting(admin, exam, email=candidate.email, answer=answering({None: 3}))
    assert sitting.graded_at is not None and sitting.level is None
    assert candidate.current_level == L.B2


# Certification -----------------------------------------------------------------------------------------

def _certification(admin, pass_mark: float = 65, target: str = "B1"):
    return tagged_assessment(admin, [target] * 20, kind="certification", name=f"{target} certificate",
                             target_level=target, pass_mark_percent=pass_mark)


def test_certification_pass_mark_in_pure_numbers():
    assert certification_passed(13, 20, 65)
    assert not certification_passed(12.99, 20, 65)
    assert certification_passed(0.9, 1.5, 60)       # 59.999...% in floating point
    assert not certification_passed(0, 0, 50)


@pytest.mark.parametrize("right, passed", [(13, True), (12, False), (20, True), (0, False)])
def test_certification_at_the_pass_mark(admin, factory, right, passed):
    exam = factory.exam(admin, _certification(admin))
    sitting = factory.finished_sitting(admin, exam, answer=answering({"B1": right}))
    certificate = db.session.scalar(select(Certificate).where(Certificate.sitting_id == sitting.id))
    assert sitting.total_marks == right and sitting.passed is passed
    assert sitting.level == (L.B1 if passed else None)
    assert sitting.candidate.current_level == (L.B1 if passed else None)
    if passed:
        assert (certificate.level, certificate.candidate_name, certificate.assessment_name) == (
            L.B1, sitting.candidate.name, "B1 certificate")
    else:
        assert certificate is None


def test_the_result_is_passed_before_the_certificate_is_written(admin, factory):
    exam = factory.exam(admin, _certification(admin))
    statements = []

    def record(conn, cursor, statement, parameters, context, executemany):
        statements.append((statement, parameters))

    engine = db.engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        sitting = factory.finished_sitting(admin, exam, answer=answering({"B1": 13}))
    finally:
        event.remove(engine, "before_cursor_execute", record)
    inserted = next(index for index, (sql, _) in enumerate(statements) if sql.startswith("INSERT INTO certificates"))
    passed = [index for index, (sql, _) in enumerate(statements)
              if sql.startswith("UPDATE sittings") and "passed" in sql]
    assert passed and passed[0] < inserted
    assert sitting.passed is True


@pytest.mark.parametrize("before, right, after", [
    ("A2", 13, "B1"),    # passed: raised to the target level
    ("C1", 13, "C1"),    # passed, but never lowered
    ("A2", 12, "A2"),    # failed: unchanged
])
def test_certification_moves_the_candidate_up_only(admin, factory, before, right, after):
    exam = factory.exam(admin, _certification(admin))
    candidate = candidate_at_level(admin, factory.exam(admin), "ann@example.com", before)
    factory.finished_sitting(admin, exam, email=candidate.email, answer=answering({"B1": right}))
    assert candidate.current_level == CefrLevel(after)


# Percentiles -------------------------------------------------------------------------------------------

def _scores(admin, factory, exam, *rights: int) -> list:
    return [factory.finished_sitting(admin, exam, answer=answering({None: right})) for right in rights]


def test_one_graded_sitting_is_at_the_hundredth_percentile(admin, factory):
    exam = factory.exam(admin, tagged_assessment(admin, [None] * 4, kind="standard"))
    [sitting] = _scores(admin, factory, exam, 0)
    assert percentile(sitting) == 100


def test_percentiles_count_everyone_at_or_below_with_ties(admin, factory):
    exam = factory.exam(admin, tagged_assessment(admin, [None] * 4, kind="standard"))
    sittings = _scores(admin, factory, exam, 1, 2, 2, 4)
    assert [percentile(sitting) for sitting in sittings] == [25, 75, 75, 100]
    thirds = _scores(admin, factory, factory.exam(admin, tagged_assessment(admin, [None] * 3, kind="standard")),
                     1, 2, 3)
    assert [percentile(sitting) for sitting in thirds] == [33.33, 66.67, 100]


def test_percentiles_span_the_exams_of_one_assessment(admin, factory):
    assessment = tagged_assessment(admin, [None] * 4, kind="standard")
    first, second = factory.exam(admin, assessment), factory.exam(admin, assessment)
    low, = _scores(admin, factory, first, 1)
    high, = _scores(admin, factory, second, 3)
    other_assessment, = _scores(admin, factory, factory.exam(admin, tagged_assessment(admin, [None] * 4,
                                                                                      kind="standard")), 0)
    assert (percentile(low), percentile(high), percentile(other_assessment)) == (50, 100, 100)


def test_another_institutes_sittings_do_not_count(admin, factory):
    """An exam only offers its own institute's assessments: the rival runs its own copy of the test."""
    other_admin = factory.institute("Rival Academy")[1]
    ours = factory.exam(admin, tagged_assessment(admin, [None] * 4, kind="standard", name="English"))
    theirs = factory.exam(other_admin, tagged_assessment(other_admin, [None] * 4, kind="standard", name="English"))
    _scores(other_admin, factory, theirs, 4, 4)
    mine, = _scores(admin, factory, ours, 1)
    assert percentile(mine) == 100


def test_sittings_waiting_for_a_grader_do_not_count_and_have_none(admin, factory):
    exam = factory.exam(admin, tagged_assessment(admin, [None] * 3, kind="standard", essay=True))
    pending = factory.finished_sitting(admin, exam, answer=answering({None: 3}, essay=True))
    low, high = _scores(admin, factory, exam, 1, 2)
    assert pending.graded_at is None and pending.total_marks == 3
    assert (percentile(pending), percentile(low), percentile(high)) == (None, 50, 100)


def test_papers_with_different_maxima_are_compared_by_share(admin, factory):
    assessment = tagged_assessment(admin, [None] * 4, kind="standard")
    exam = factory.exam(admin, assessment)
    three_of_four, = _scores(admin, factory, exam, 3)
    for pick in assessment.sections[0].picks:   # later papers: 2 marks an item
        update_question(admin, pick.question_id, replace(question_input(pick.question), marks=2.0))
    db.session.commit()
    six_of_eight, four_of_eight = _scores(admin, factory, exam, 3, 2)
    assert (three_of_four.max_marks, six_of_eight.max_marks) == (4, 8)
    # 3/4 and 6/8 are equal, both above 4/8; by raw marks 3 would sit below 4.
    assert [percentile(s) for s in (three_of_four, six_of_eight, four_of_eight)] == [100, 100, 33.33]
