"""Drawing a paper: pools, fixed draws, shuffling with a seed and the marks of each item."""
import random

import pytest

from tests.assessments.conftest import definition, rule, section
from webapp.assessments.services import SectionInput, create_assessment, draw_paper, preview_paper
from webapp.bank.services import retire_question
from webapp.core.extensions import db


def ids(paper_section) -> list[int]:
    return [item.question.id for item in paper_section.items]


@pytest.fixture
def assessment(admin, questions):
    created = create_assessment(admin, definition(
        section("Grammar", rule("Grammar", "EASY", 2, correct_grade=2, incorrect_grade=-1),
                rule("Grammar", "MEDIUM", 2, pooling=False)),
        SectionInput(name="Reading", question_ids=questions["reading_medium_mca"] + questions["reading_medium_short"]),
    ))
    db.session.commit()
    return created


def test_each_rule_draws_its_count_from_its_pool(assessment, questions):
    pool = set(questions["grammar_easy_mcq"] + questions["grammar_easy_fitb"])
    for seed in range(20):
        grammar, reading = draw_paper(assessment, random.Random(seed))
        drawn = ids(grammar)
        assert len(drawn) == 4 and len(set(drawn)) == 4
        assert set(drawn[:2]) <= pool
        assert set(drawn[2:]) <= set(questions["grammar_medium_mcq"])
        assert ids(reading) == questions["reading_medium_mca"] + questions["reading_medium_short"]
    # Pooling: different candidates get different questions.
    assert len({tuple(ids(draw_paper(assessment, random.Random(seed))[0])[:2]) for seed in range(20)}) > 1


def test_a_rule_without_pooling_gives_everyone_the_same_questions(assessment):
    fixed = assessment.sections[0].rules[1].fixed_question_ids
    assert len(fixed) == 2
    for seed in range(10):
        assert ids(draw_paper(assessment, random.Random(seed))[0])[2:] == fixed


def test_rule_grades_apply_and_picked_questions_keep_their_marks(assessment):
    grammar, reading = draw_paper(assessment, random.Random(1))
    assert [(item.marks, item.negative_marks) for item in grammar.items] == [(2, -1), (2, -1), (1, 0), (1, 0)]
    assert [item.marks for item in reading.items] == [item.question.marks for item in reading.items]


def test_a_shuffled_section_is_reproducible_with_its_seed(admin, questions):
    shuffled = create_assessment(admin, definition(
        SectionInput(name="All", randomize_questions=True,
                     question_ids=questions["grammar_easy_mcq"] + questions["reading_medium_mca"])))
    orders = {tuple(ids(draw_paper(shuffled, random.Random(seed))[0])) for seed in range(10)}
    assert len(orders) > 1
    assert ids(draw_paper(shuffled, random.Random(7))[0]) == ids(draw_paper(shuffled, random.Random(7))[0])
    assert all(sorted(order) == sorted(questions["grammar_easy_mcq"] + questions["reading_medium_mca"])
               for order in orders)


def test_retired_questions_leave_the_pool(admin, assessment, questions):
    for question_id in questions["grammar_easy_mcq"]:
        retire_question(admin, question_id)
    for seed in range(10):
        assert set(ids(draw_paper(assessment, random.Random(seed))[0])[:2]) <= set(questions["grammar_easy_fitb"])


def test_preview_paper_shows_its_seed_and_draws_it_again(admin, assessment):
    first, paper, seed = preview_paper(admin, assessment.id)
    assert first is assessment and isinstance(seed, int)
    again = preview_paper(admin, assessment.id, seed)
    assert again[2] == seed
    assert [ids(part) for part in again[1]] == [ids(part) for part in paper]


def test_only_those_who_read_the_bank_preview_with_the_key(admin, factory, assessment):
    from webapp.core.errors import PermissionDenied
    proctor = factory.staff(admin.institute, "proctor")
    assert preview_paper(proctor, assessment.id, 7)[2] == 7
    with pytest.raises(PermissionDenied):
        preview_paper(proctor, assessment.id, 7, with_key=True)
    assert preview_paper(admin, assessment.id, 7, with_key=True)[2] == 7
