"""True or false, matching and ordering questions in the bank: their rules, the edit round trip, the console
form (its defaults, rows and errors) and the question's page. MCA's partial credit switch too."""
import pytest
from sqlalchemy import select

from tests.bank.test_views import form_data, html
from webapp.bank import services
from webapp.bank.models import Question, QuestionType
from webapp.bank.services import QuestionInput
from webapp.core.errors import ValidationError
from webapp.core.extensions import db


@pytest.fixture
def skill(admin):
    skill = services.create_skill(admin, "Geography")
    db.session.commit()
    return skill


CAPITALS = dict(options=[{"html": "France", "match": 0}, {"html": "Spain", "match": 2}, {"html": "Monaco", "match": 1}],
                targets=[{"html": "Paris"}, {"html": "Monaco"}, {"html": "Madrid"}, {"html": "Lyon"}])
ORDER = dict(options=[{"html": "<p>one</p>"}, {"html": "two"}, {"html": "three"}])


def make(actor, skill, qtype: str, **fields) -> Question:
    question = services.create_question(actor, QuestionInput(type=qtype, skill_id=skill.id, difficulty="EASY",
                                                             stem="<p>Put it right.</p>", **fields))
    db.session.commit()
    return question


def refused(actor, skill, qtype: str, **fields) -> ValidationError:
    with pytest.raises(ValidationError) as caught:
        make(actor, skill, qtype, **fields)
    db.session.rollback()
    return caught.value


def test_new_type_properties():
    assert [t for t in QuestionType if t.has_options] == [QuestionType.MCQ, QuestionType.MCA, QuestionType.TRUE_FALSE]
    assert QuestionType.TRUE_FALSE.is_single_choice and not QuestionType.MCA.is_single_choice
    assert QuestionType.MATCHING.is_matching and QuestionType.ORDERING.is_ordering
    assert not QuestionType.MCQ.offers_partial_credit and QuestionType.MCA.offers_partial_credit


def test_a_true_or_false_question_has_two_options_one_correct(admin, skill):
    question = make(admin, skill, "TRUE_FALSE", options=[{"html": "Vrai"}, {"html": "Faux", "correct": True}])
    assert question.options == [{"html": "Vrai", "correct": False, "id": "a"}, {"html": "Faux", "correct": True, "id": "b"}]
    assert refused(admin, skill, "TRUE_FALSE", options=[{"html": "True", "correct": True}, {"html": "False"},
                                                         {"html": "Maybe"}]).field == "options"
    error = refused(admin, skill, "TRUE_FALSE", options=[{"html": "True", "correct": True}, {"html": "False", "correct": True}])
    assert (error.field, str(error.message)) == ("options", "Mark exactly one option as correct.")


def test_a_matching_question_stores_its_targets_and_each_premise_s_target(admin, skill):
    question = make(admin, skill, "MATCHING", partial_credit=True, **CAPITALS)
    assert question.targets == [{"id": "t1", "html": "Paris"}, {"id": "t2", "html": "Monaco"},
                                {"id": "t3", "html": "Madrid"}, {"id": "t4", "html": "Lyon"}]
    assert question.options == [{"id": "a", "html": "France", "match": "t1"}, {"id": "b", "html": "Spain", "match": "t3"},
                                {"id": "c", "html": "Monaco", "match": "t2"}]
    assert question.partial_credit is True and question.machine_scored


def test_a_matching_premise_names_its_target_among_the_rows_given(admin, skill):
    # An empty target row is dropped, and the indices still count it.
    question = make(admin, skill, "MATCHING", options=[{"html": "one", "match": "2"}, {"html": "", "match": 0},
                                                      {"html": "two", "match": 0}],
                    targets=[{"html": "1"}, {"html": " "}, {"html": "I"}])
    assert [(p["html"], p["match"]) for p in question.options] == [("one", "t2"), ("two", "t1")]
    assert question.targets == [{"id": "t1", "html": "1"}, {"id": "t2", "html": "I"}]


@pytest.mark.parametrize("fields, field, message", [
    (dict(options=[{"html": "France", "match": 0}, {"html": "Spain", "match": 1}], targets=[{"html": "Paris"}]),
     "targets", "Give at least two answers to match."),
    (dict(options=[{"html": "France", "match": 0}, {"html": "Spain", "match": 1}],
          targets=[{"html": "Paris"}, {"html": "paris"}]), "targets", "Two answers to match have the same text."),
    (dict(options=[{"html": "France", "match": 0}, {"html": "Spain", "match": 5}],
          targets=[{"html": "Paris"}, {"html": "Madrid"}]), "options", "Choose the matching answer of 'Spain'."),
    (dict(options=[{"html": "France", "match": 0}, {"html": "Spain"}],
          targets=[{"html": "Paris"}, {"html": "Madrid"}]), "options", "Choose the matching answer of 'Spain'."),
    (dict(options=[{"html": "France", "match": 0}], targets=[{"html": "Paris"}, {"html": "Madrid"}]),
     "options", "Give at least two items to match."),
    (dict(options=[{"html": "France", "match": 0}, {"html": "FRANCE", "match": 1}],
          targets=[{"html": "Paris"}, {"html": "Madrid"}]), "options", "Two items to match have the same text."),
    (dict(options=[{"html": "France", "match": -1}, {"html": "Spain", "match": [1]}],
          targets=[{"html": "Paris"}, {"html": "Madrid"}]), "options", "Choose the matching answer of 'France'."),
])
def test_matching_rules(admin, skill, fields, field, message):
    error = refused(admin, skill, "MATCHING", **fields)
    assert (error.field, str(error.message)) == (field, message)


def test_ordering_rules(admin, skill):
    question = make(admin, skill, "ORDERING", **ORDER)
    assert question.options == [{"html": "<p>one</p>", "id": "a"}, {"html": "two", "id": "b"}, {"html": "three", "id": "c"}]
    assert refused(admin, skill, "ORDERING", options=[{"html": "one"}, {"html": ""}]).field == "options"
    assert str(refused(admin, skill, "ORDERING", options=[{"html": "one"}, {"html": "One"}]).message) == \
        "Two options have the same text."
    assert refused(admin, skill, "ORDERING", options=[{"html": str(n)} for n in range(11)]).field == "options"


def test_partial_credit_is_kept_only_by_the_types_whose_answers_have_parts(admin, skill):
    mca = make(admin, skill, "MCA", partial_credit=True, options=[{"html": "2", "correct": True}, {"html": "3"}])
    mcq = make(admin, skill, "MCQ", partial_credit=True, options=[{"html": "2", "correct": True}, {"html": "3"}])
    assert (mca.partial_credit, mcq.partial_credit) == (True, False)


@pytest.mark.parametrize("qtype, fields", [
    ("TRUE_FALSE", dict(options=[{"html": "True", "correct": True}, {"html": "False"}])),
    ("MATCHING", dict(partial_credit=True, **CAPITALS)),
    ("ORDERING", dict(ORDER)),
])
def test_a_duplicate_is_the_same_question(admin, skill, qtype, fields):
    original = make(admin, skill, qtype, **fields)
    copy = services.duplicate_question(admin, original.id)
    db.session.commit()
    assert (copy.type, copy.options, copy.targets, copy.partial_credit) == \
        (original.type, original.options, original.targets, original.partial_credit)


# The console form ------------------------------------------------------------------------------------

def test_a_new_matching_or_ordering_question_gives_partial_credit_unless_unticked(admin_client, skill):
    for qtype, ticked in (("MATCHING", True), ("ORDERING", True), ("MCA", False)):
        page = html(admin_client.get(f"/bank/questions/new?type={qtype}"))
        assert page.select_one("input#partial_credit").has_attr("checked") is ticked, qtype
    assert html(admin_client.get("/bank/questions/new?type=MCQ")).select_one("input#partial_credit") is None


def test_a_new_true_or_false_question_starts_with_both_words_and_two_rows(admin_client, skill):
    page = html(admin_client.get("/bank/questions/new?type=TRUE_FALSE"))
    rows = page.select("#option-rows textarea[data-rich-text]")
    assert [row.get_text().strip() for row in rows] == ["True", "False"]
    assert page.select_one("[data-add-row]") is None


def test_a_matching_question_through_the_form_and_back(admin_client, admin, skill):
    posted = {"stem": "<p>Capitals</p>", "options-0-html": "France", "options-0-match": "Paris",
              "options-1-html": "Spain", "options-1-match": "Madrid", "options-3-html": "Texas",
              "options-3-match": "Paris", "targets": "Lyon\n\nSeville", "partial_credit": "y"}
    response = admin_client.post("/bank/questions/new", data=form_data(skill, type="MATCHING", **posted))
    question = db.session.scalars(select(Question)).one()
    assert response.headers["Location"] == f"/bank/questions/{question.id}"
    assert [t["html"] for t in question.targets] == ["Paris", "Madrid", "Lyon", "Seville"]
    assert [(p["html"], p["match"]) for p in question.options] == [("France", "t1"), ("Spain", "t2"), ("Texas", "t1")]
    edit = html(admin_client.get(f"/bank/questions/{question.id}/edit"))
    assert [edit.select_one(f"#options-{n}-match")["value"] for n in range(3)] == ["Paris", "Madrid", "Paris"]
    assert edit.select_one("#targets").get_text().strip() == "Lyon\nSeville"
    assert edit.select_one("input#partial_credit").has_attr("checked")
    detail = html(admin_client.get(f"/bank/questions/{question.id}"))
    assert [li.get_text(" ", strip=True) for li in detail.select(".key-pairs li")] == \
        ["France → Paris", "Spain → Madrid", "Texas → Paris"]
    assert "Lyon · Seville" in detail.select_one(".answer-key").get_text(" ", strip=True)


def test_the_form_shows_a_matching_error_beside_the_pairs(admin_client, skill):
    page = html(admin_client.post("/bank/questions/new", data=form_data(
        skill, type="MATCHING", stem="<p>Capitals</p>", **{"options-0-html": "France", "options-0-match": "Paris",
                                                            "options-1-html": "Spain", "targets": "Lyon"})))
    assert page.select_one("#options-error").get_text(strip=True) == "Choose the matching answer of 'Spain'."
    page = html(admin_client.post("/bank/questions/new", data=form_data(
        skill, type="MATCHING", stem="<p>Capitals</p>", **{"options-0-html": "France", "options-0-match": "Paris"})))
    assert page.select_one("#targets-error").get_text(strip=True) == "Give at least two answers to match."
    assert db.session.scalars(select(Question)).first() is None


def test_an_ordering_question_through_the_form(admin_client, skill):
    posted = {"stem": "<p>Smallest first</p>", "options-0-html": "1", "options-1-html": "10", "options-2-html": "",
              "options-3-html": "100"}
    admin_client.post("/bank/questions/new", data=form_data(skill, type="ORDERING", **posted))
    question = db.session.scalars(select(Question)).one()
    assert ([o["html"] for o in question.options], question.partial_credit) == (["1", "10", "100"], False)
    detail = html(admin_client.get(f"/bank/questions/{question.id}"))
    assert [li.get_text(strip=True) for li in detail.select(".key-order li")] == ["1", "10", "100"]


def test_the_question_list_filters_by_the_new_types(admin, admin_client, skill):
    make(admin, skill, "ORDERING", **ORDER)
    make(admin, skill, "TRUE_FALSE", options=[{"html": "True", "correct": True}, {"html": "False"}])
    page = html(admin_client.get("/bank/questions?type=ORDERING"))
    assert "Ordering" in page.select_one("tbody").get_text() and "True or false" not in page.select_one("tbody").get_text()


def test_the_paper_preview_shows_the_newer_types_and_their_key(admin, admin_client, skill):
    from webapp.assessments.services import AssessmentInput, SectionInput, create_assessment

    ids = [make(admin, skill, "MATCHING", **CAPITALS).id, make(admin, skill, "ORDERING", **ORDER).id,
           make(admin, skill, "TRUE_FALSE", options=[{"html": "True"}, {"html": "False", "correct": True}]).id]
    assessment = create_assessment(admin, AssessmentInput(name="Preview", duration=10, sections=[
        SectionInput(name="All", question_ids=ids)]))
    db.session.commit()
    page = html(admin_client.get(f"/assessments/{assessment.id}/preview?key=1"))
    matching, ordering, true_false = page.select("article.paper-question")
    assert [option.get_text() for option in matching.select("select")[0].select("option")][1:] == \
        ["Paris", "Monaco", "Madrid", "Lyon"]
    assert [li.get_text(" ", strip=True) for li in matching.select(".key-pairs li")] == \
        ["France → Paris", "Spain → Madrid", "Monaco → Monaco"]
    assert [li.get_text(strip=True) for li in ordering.select(".key-order li")] == ["one", "two", "three"]
    assert [label.get_text(" ", strip=True) for label in true_false.select("label.correct")] == ["False (correct)"]
    assert "graded by hand" not in page.get_text()
