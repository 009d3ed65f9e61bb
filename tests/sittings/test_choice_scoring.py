"""True or false, matching and ordering in a sitting, and partial credit (MCA too): the frozen paper hides the
key, the answers' shapes are checked, the marks are computed by hand, and a re-score knows the sitting's ids."""
from datetime import timedelta

import pytest
from sqlalchemy import select

from tests.sittings.test_taking import T0, _started
from webapp.assessments.services import AssessmentInput, SectionInput, create_assessment
from webapp.bank.models import Question
from webapp.bank.services import QuestionInput, create_question, create_skill, question_input, update_question
from webapp.core.errors import ValidationError
from webapp.core.extensions import db
from webapp.results import rescoring
from webapp.results.services import answer_sheet
from webapp.sittings import taking
from webapp.sittings.models import Response, SittingItem
from webapp.sittings.scoring import score_item


# score_item, by hand -----------------------------------------------------------------------------------

MCA_KEY = {"correct": ["a", "c", "d"]}


@pytest.mark.parametrize("ticked, partial, awarded, correct", [
    (["a", "c", "d"], True, 3.0, True),
    (["a", "c"], True, 2.0, False),              # 2 right of 3: 3 x 2/3
    (["a", "c", "b"], True, 1.0, False),         # (2 right - 1 wrong) / 3
    (["a", "b"], True, -1.0, False),             # (1 - 1) / 3 = 0: the negative marks
    (["b"], True, -1.0, False),                  # below 0 is 0
    (["a", "c"], False, -1.0, False),            # all or nothing
    (["a", "c", "d"], False, 3.0, True),
])
def test_mca_partial_credit(ticked, partial, awarded, correct):
    key = {**MCA_KEY, "partial_credit": True} if partial else MCA_KEY
    score = score_item("MCA", key, 3.0, -1.0, {"options": ticked})
    assert (score.awarded, score.correct, score.needs_grading) == (awarded, correct, False)


PAIRS = {"pairs": {"a": "t2", "b": "t4", "c": "t2", "d": "t1"}}


@pytest.mark.parametrize("given, partial, awarded, correct", [
    ({"a": "t2", "b": "t4", "c": "t2", "d": "t1"}, True, 2.0, True),
    ({"a": "t2", "b": "t4", "c": "t3", "d": ""}, True, 1.0, False),     # 2 of 4
    ({"a": "t2", "b": "t3"}, True, 0.5, False),                          # 1 of 4; the others unanswered
    ({"a": "t1"}, True, -0.5, False),
    ({"a": "t2", "b": "t4", "c": "t2"}, False, -0.5, False),
    ({"a": "", "b": ""}, True, 0.0, None),                               # nothing chosen: not answered
])
def test_matching_scores(given, partial, awarded, correct):
    score = score_item("MATCHING", {**PAIRS, "partial_credit": partial}, 2.0, -0.5, {"pairs": given})
    assert (score.awarded, score.correct) == (awarded, correct)


@pytest.mark.parametrize("order, partial, awarded, correct", [
    (["x", "q", "m", "b"], True, 4.0, True),
    (["q", "x", "m", "b"], True, 2.0, False),     # two in place
    (["b", "m", "q", "x"], True, -1.0, False),    # none in place
    (["x", "q", "b", "m"], False, -1.0, False),
    ([], True, 0.0, None),
])
def test_ordering_scores(order, partial, awarded, correct):
    score = score_item("ORDERING", {"order": ["x", "q", "m", "b"], "partial_credit": partial}, 4.0, -1.0, {"order": order})
    assert (score.awarded, score.correct) == (awarded, correct)


def test_true_or_false_scores_as_one_choice():
    assert score_item("TRUE_FALSE", {"correct": ["b"]}, 1.0, -1.0, {"option": "b"}).awarded == 1.0
    assert score_item("TRUE_FALSE", {"correct": ["b"]}, 1.0, -1.0, {"option": "a"}).awarded == -1.0
    assert score_item("TRUE_FALSE", {"correct": ["b"]}, 1.0, -1.0, {"pairs": {"a": "b"}}).awarded == 0.0


# A sitting ---------------------------------------------------------------------------------------------

@pytest.fixture
def choice_exam(factory, admin):
    """True or false (1 mark, -1 wrong), matching (4 marks, partial credit), ordering (3 marks, partial credit)
    and MCA (3 marks, partial credit), in that order of ids."""
    skill = create_skill(admin, "Mixed")
    questions = [
        QuestionInput(type="TRUE_FALSE", skill_id=skill.id, difficulty="EASY", stem="<p>Water is wet.</p>",
                      marks=1, negative_marks=-1, options=[{"html": "True", "correct": True}, {"html": "False"}]),
        QuestionInput(type="MATCHING", skill_id=skill.id, difficulty="EASY", stem="<p>Capitals</p>", marks=4,
                      partial_credit=True,
                      options=[{"html": "France", "match": 0}, {"html": "Spain", "match": 1},
                               {"html": "Italy", "match": 2}, {"html": "Texas", "match": 3}],
                      targets=[{"html": "Paris"}, {"html": "Madrid"}, {"html": "Rome"}, {"html": "Austin"},
                               {"html": "Lyon"}]),
        QuestionInput(type="ORDERING", skill_id=skill.id, difficulty="EASY", stem="<p>Smallest first</p>", marks=3,
                      partial_credit=True, options=[{"html": "1"}, {"html": "2"}, {"html": "3"}]),
        QuestionInput(type="MCA", skill_id=skill.id, difficulty="EASY", stem="<p>Even?</p>", marks=3,
                      partial_credit=True, options=[{"html": "2", "correct": True}, {"html": "3"},
                                                    {"html": "4", "correct": True}, {"html": "6", "correct": True}]),
    ]
    ids = [create_question(admin, question).id for question in questions]
    assessment = create_assessment(admin, AssessmentInput(name="Choices", duration=30, sections=[
        SectionInput(name="All", question_ids=ids, randomize_questions=True)]))
    db.session.commit()
    return factory.exam(admin, assessment=assessment)


def _items(sitting) -> list[SittingItem]:
    return list(db.session.scalars(select(SittingItem).where(SittingItem.sitting_id == sitting.id)
                                   .order_by(SittingItem.question_id)))


def test_the_frozen_paper_hides_the_key(admin, choice_exam):
    sitting = _started(admin, choice_exam)
    true_false, matching, ordering, __ = _items(sitting)
    assert [option["html"] for option in true_false.options] == ["True", "False"]    # never shuffled
    assert [premise["html"] for premise in matching.premises] != [] and len(matching.targets) == 5
    assert {target["html"] for target in matching.targets} == {"Paris", "Madrid", "Rome", "Austin", "Lyon"}
    by_text = {option["html"]: option["id"] for option in matching.targets}
    premises = {premise["html"]: premise["id"] for premise in matching.premises}
    assert matching.key["pairs"] == {premises["France"]: by_text["Paris"], premises["Spain"]: by_text["Madrid"],
                                     premises["Italy"]: by_text["Rome"], premises["Texas"]: by_text["Austin"]}
    shown = [option["id"] for option in ordering.options]
    ids = {option["html"]: option["id"] for option in ordering.options}
    assert ordering.key["order"] == [ids["1"], ids["2"], ids["3"]] != shown
    # Other sittings draw other ids and orders, from their own seed; one of twelve sittings differs for sure.
    keys = {tuple(_items(_started(admin, choice_exam, email=f"c{n}@example.com"))[2].key["order"]) for n in range(12)}
    assert len(keys) > 1


@pytest.mark.parametrize("answer", [
    {"pairs": {"a": 1}}, {"pairs": ["a"]}, {"pairs": {"a": ["t1"]}}, {"order": "abc"}, {"order": [1, 2]},
])
def test_malformed_answers_are_refused(admin, choice_exam, answer):
    sitting = _started(admin, choice_exam)
    with pytest.raises(ValidationError):
        taking.save_answer(sitting, _items(sitting)[1].id, answer=answer, version=1, now=T0)


def test_a_finished_sitting_gives_the_marks_computed_by_hand(admin, choice_exam):
    sitting = _started(admin, choice_exam)
    true_false, matching, ordering, mca = _items(sitting)
    targets = {target["html"]: target["id"] for target in matching.targets}
    premises = {premise["html"]: premise["id"] for premise in matching.premises}
    ids = {option["html"]: option["id"] for option in ordering.options}
    mca_ids = {option["html"]: option["id"] for option in mca.options}
    answers = {
        true_false.id: {"option": "a"},                                                        # 1
        matching.id: {"pairs": {premises["France"]: targets["Paris"], premises["Spain"]: targets["Lyon"],
                                premises["Italy"]: targets["Rome"]}},                          # 2 of 4: 2
        ordering.id: {"order": [ids["1"], ids["3"], ids["2"]]},                                # 1 of 3: 1
        mca.id: {"options": [mca_ids["2"], mca_ids["4"], mca_ids["3"]]},                       # (2-1)/3: 1
    }
    for item_id, answer in answers.items():
        taking.save_answer(sitting, item_id, answer=answer, version=1, now=T0 + timedelta(minutes=1))
    taking.finish(sitting, now=T0 + timedelta(minutes=2))
    db.session.commit()
    responses = {r.item_id: r for r in db.session.scalars(select(Response).where(Response.sitting_id == sitting.id))}
    assert [(responses[i.id].awarded, responses[i.id].correct) for i in (true_false, matching, ordering, mca)] == \
        [(1.0, True), (2.0, False), (1.0, False), (1.0, False)]
    assert (sitting.total_marks, sitting.max_marks) == (5.0, 11.0) and sitting.graded_at is not None

    sheet = {answer.item.id: answer for answer in answer_sheet(sitting, _items(sitting), responses)}
    pairs = {pair.premise: (pair.chosen, pair.key, pair.right) for pair in sheet[matching.id].pairs}
    assert pairs == {"France": ("Paris", "Paris", True), "Spain": ("Lyon", "Madrid", False),
                     "Italy": ("Rome", "Rome", True), "Texas": ("", "Austin", False)}
    assert [(place.html, place.place, place.right_place) for place in sheet[ordering.id].places] == \
        [("1", 1, 1), ("3", 2, 3), ("2", 3, 2)]
    assert sheet[ordering.id].key_order == ["1", "2", "3"]
    assert sheet[ordering.id].options == [] and [o.chosen for o in sheet[true_false.id].options] == [True, False]


def test_a_re_score_follows_the_sitting_s_own_ids(admin, choice_exam):
    sitting = _started(admin, choice_exam)
    taking.finish(sitting, now=T0 + timedelta(minutes=2))
    db.session.commit()
    __, matching, ordering, mca = _items(sitting)
    for item in (matching, ordering, mca):
        assert rescoring.outdated_results(admin, item.question_id) == 0
    # The right order changes: the sitting's key is outdated, and the new one names the sitting's ids.
    changed = question_input(db.session.get(Question, ordering.question_id))
    changed.options = [changed.options[1], changed.options[0], changed.options[2]]
    update_question(admin, ordering.question_id, changed)
    db.session.commit()
    assert rescoring.outdated_results(admin, ordering.question_id) == 1
    ids = {option["html"]: option["id"] for option in ordering.options}
    rescoring.apply_rescore(admin, ordering.question_id)
    db.session.commit()
    db.session.refresh(ordering)
    assert ordering.key["order"] == [ids["2"], ids["1"], ids["3"]]


def test_the_demo_s_right_and_wrong_answers_suit_the_newer_types(admin, factory, choice_exam):
    from webapp.cli.demo import right_answer, wrong_answer

    right = factory.finished_sitting(admin, choice_exam, answer=right_answer)
    assert (right.total_marks, right.max_marks) == (11.0, 11.0)
    wrong = factory.finished_sitting(admin, choice_exam, answer=wrong_answer)
    responses = db.session.scalars(select(Response).where(Response.sitting_id == wrong.id)).all()
    assert [response.correct for response in responses] == [False] * 4 and wrong.total_marks == -1.0


def test_item_analysis_of_the_newer_types(admin, factory, choice_exam):
    """True or false has its two options' table; matching and ordering have none, and their facility is the
    share of their marks the sittings earned."""
    from webapp.cli.demo import right_answer, wrong_answer
    from webapp.results.analysis import item_analysis

    factory.finished_sitting(admin, choice_exam, answer=right_answer)
    factory.finished_sitting(admin, choice_exam, answer=wrong_answer)
    statistics = {item.question_type.value: item for item in item_analysis(admin, choice_exam.assessment_id).items}
    assert [(option.html, option.chosen) for option in statistics["TRUE_FALSE"].options] == [("True", 1), ("False", 1)]
    assert statistics["MATCHING"].options == [] and statistics["ORDERING"].options == []
    assert (statistics["MATCHING"].facility, statistics["ORDERING"].facility) == (0.5, 0.5)
