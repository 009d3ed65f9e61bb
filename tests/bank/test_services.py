"""The question bank's services: every rule of a question, sanitising, search, duplication, retirement,
deletion, permissions role by role and tenancy."""
import pytest

from tests.bank.helpers import FORGIVING
from tests.images import image_bytes
from webapp.assessments.services import AssessmentInput, SectionInput, create_assessment
from webapp.bank import services
from webapp.bank.media import media_url, store_media
from webapp.bank.models import Question, QuestionStatus
from webapp.bank.services import QuestionInput
from webapp.core.errors import Conflict, NotFound, PermissionDenied, ValidationError
from webapp.core.extensions import db

@pytest.fixture
def skill(admin):
    skill = services.create_skill(admin, "Grammar", "Everyday grammar")
    db.session.commit()
    return skill


def question(skill, **changes) -> QuestionInput:
    """A valid MCQ; `changes` turn it into the case under test."""
    values = dict(type="MCQ", skill_id=skill.id, difficulty="EASY", stem="<p>She ___ from Spain.</p>",
                  options=[{"html": "is", "correct": True}, {"html": "are"}, {"html": "be"}, {"html": "am"}])
    values.update(changes)
    return QuestionInput(**values)


def rejected(actor, data: QuestionInput) -> ValidationError:
    with pytest.raises(ValidationError) as caught:
        services.create_question(actor, data)
    db.session.rollback()
    assert db.session.query(Question).count() == 0
    return caught.value


# Validation -------------------------------------------------------------------------------------

@pytest.mark.parametrize("changes, field, message", [
    ({"type": "ESSAY"}, "type", "Invalid question type 'ESSAY'"),
    ({"difficulty": "HARD"}, "difficulty", "Invalid difficulty 'HARD'"),
    ({"cefr_level": "D1"}, "cefr_level", "Invalid CEFR level 'D1'"),
    ({"skill_id": None}, "skill_id", "Choose the question's skill."),
    ({"stem": ""}, "stem", "The question needs a text."),
    ({"stem": "<p> </p><br>"}, "stem", "The question needs a text."),
    ({"stem": "<script>alert(1)</script>"}, "stem", "The question needs a text."),
    ({"marks": 0}, "marks", "must be greater than 0"),
    ({"marks": -2}, "marks", "must be greater than 0"),
    ({"marks": "many"}, "marks", "must be a number"),
    ({"marks": ""}, "marks", "must be a number"),
    ({"marks": "nan"}, "marks", "must be a number"),
    ({"marks": "inf"}, "marks", "must be a number"),
    ({"negative_marks": 0.5}, "negative_marks", "must be 0 or less"),
    ({"negative_marks": "x"}, "negative_marks", "must be a number"),
    ({"negative_marks": "nan"}, "negative_marks", "must be a number"),
    ({"negative_marks": "-inf"}, "negative_marks", "must be a number"),
])
def test_rules_every_question_obeys(admin, skill, changes, field, message):
    error = rejected(admin, question(skill, **changes))
    assert error.field == field
    assert message in error.message


@pytest.mark.parametrize("qtype, options, message", [
    ("MCQ", [{"html": "is", "correct": True}], "Give at least two options."),
    ("MCQ", [{"html": "is", "correct": True}, {"html": ""}, {"html": "<p> </p>"}], "Give at least two options."),
    ("MCQ", [{"html": f"option {n}", "correct": n == 0} for n in range(11)], "Give at most 10 options."),
    ("MCQ", [{"html": "is", "correct": True}, {"html": "are"}, {"html": "<b>Are</b>"}],
     "Two options have the same text."),
    ("MCQ", [{"html": "is"}, {"html": "are"}], "Mark exactly one option as correct."),
    ("MCQ", [{"html": "is", "correct": True}, {"html": "are", "correct": True}], "Mark exactly one option as correct."),
    ("MCA", [{"html": "is"}, {"html": "are"}, {"html": "be"}], "Mark at least one option as correct."),
])
def test_option_rules(admin, skill, qtype, options, message):
    error = rejected(admin, question(skill, type=qtype, options=options))
    assert (error.field, error.message) == ("options", message)


def test_an_mcq_keeps_its_filled_options_with_letters(admin, skill):
    stored = services.create_question(admin, question(skill, options=[
        {"html": "is", "correct": True}, {"html": "  "}, {"html": "<em>are</em>"}, {"html": "be"}]))
    assert stored.options == [{"html": "is", "correct": True, "id": "a"},
                              {"html": "<em>are</em>", "correct": False, "id": "b"},
                              {"html": "be", "correct": False, "id": "c"}]
    assert stored.machine_scored


def test_an_mca_may_have_several_correct_options(admin, skill):
    stored = services.create_question(admin, question(skill, type="MCA", options=[
        {"html": "2", "correct": True}, {"html": "9"}, {"html": "11", "correct": True}]))
    assert [option["correct"] for option in stored.options] == [True, False, True]


@pytest.mark.parametrize("stem, blanks, field, message", [
    ("<p>We went to Italy.</p>", [{"accepted": ["went"]}], "stem", "Mark each blank in the text as [[1]]"),
    ("<p>We [[2]] and [[1]].</p>", [{"accepted": ["a"]}, {"accepted": ["b"]}], "stem", "in order, each once"),
    ("<p>We [[1]] and [[1]].</p>", [{"accepted": ["a"]}, {"accepted": ["b"]}], "stem", "in order, each once"),
    ("<p>We [[1]] and [[2]].</p>", [{"accepted": ["went"]}], "blanks",
     "The text has 2 blank(s) but 1 answer list(s) are given."),
    ("<p>We [[1]].</p>", [{"accepted": ["went"]}, {"accepted": ["ate"]}], "blanks",
     "The text has 1 blank(s) but 2 answer list(s) are given."),
    ("<p>We [[1]] and [[2]].</p>", [{"accepted": ["went"]}, {"accepted": [" ", ""]}], "blanks",
     "Blank 2 needs at least one accepted answer."),
    ("<p>We [[1]].</p>", [{"accepted": ["went", "went "]}], "blanks", "An accepted answer is listed twice."),
])
def test_fill_in_the_blanks_rules(admin, skill, stem, blanks, field, message):
    error = rejected(admin, question(skill, type="FITB", stem=stem, blanks=blanks, options=[]))
    assert error.field == field
    assert message in error.message


def test_fill_in_the_blanks_stores_one_answer_list_per_blank(admin, skill):
    stored = services.create_question(admin, question(
        skill, type="FITB", stem="<p>Last summer we [[1]] to Italy and [[2]] pasta.</p>",
        blanks=[{"accepted": [" went "]}, {"accepted": ["ate", "had"], "case_sensitive": True}]))
    assert stored.blanks == [{"accepted": ["went"], **FORGIVING},
                             {"accepted": ["ate", "had"], **FORGIVING, "case_sensitive": True}]
    assert stored.options == []  # the MCQ's options of the input are not kept for another type


def test_each_blank_keeps_its_own_matching_options(admin, skill):
    stored = services.create_question(admin, question(
        skill, type="FITB", stem="<p>The ticket costs [[1]] euros; the train is [[2]].</p>", options=[],
        blanks=[{"accepted": ["8.40"], "tolerance": "0,05", "exact_quotes": True},
                {"accepted": ["late", "delayed"], "exact_end_punctuation": True, "exact_numbers": True}]))
    assert stored.blanks == [
        {"accepted": ["8.40"], **FORGIVING, "exact_quotes": True, "tolerance": 0.05},
        {"accepted": ["late", "delayed"], **FORGIVING, "exact_end_punctuation": True, "exact_numbers": True}]
    first, second = stored.answer_keys
    assert first.accepts("8,44") and not first.accepts("8.46")
    assert second.accepts("Delayed") and not second.accepts("late.")


def test_a_short_answer_keeps_its_matching_options(admin, skill):
    stored = services.create_question(admin, question(
        skill, type="SHORT_ANSWER", accepted_answers=["don't"], case_sensitive=True,
        matching={"exact_quotes": True, "exact_spaces": True}))
    assert (stored.case_sensitive, stored.matching) == (True, {
        name: value for name, value in FORGIVING.items() if name != "case_sensitive"} | {
        "exact_quotes": True, "exact_spaces": True})
    [key] = stored.answer_keys
    assert key.accepts("don't.") and not key.accepts("don’t") and not key.accepts("Don't")
    assert services.question_input(stored).matching == stored.matching


@pytest.mark.parametrize("key, message", [
    ({"accepted": ["8.40"], "tolerance": "a little"}, "The tolerance of {owner} must be a number, 0 or more."),
    ({"accepted": ["8.40"], "tolerance": "-0.1"}, "The tolerance of {owner} must be a number, 0 or more."),
    ({"accepted": ["8.40"], "tolerance": "1e3"}, "The tolerance of {owner} must be a number, 0 or more."),
    ({"accepted": ["eight"], "tolerance": "0.5"}, "Give {owner} an accepted answer that is a number, or no tolerance."),
    ({"accepted": ["8.40"], "tolerance": "0.5", "exact_numbers": True},
     "The numbers of {owner} are compared as text: a tolerance needs them compared as numbers."),
])
def test_tolerance_rules(admin, skill, key, message):
    fitb = rejected(admin, question(skill, type="FITB", stem="<p>[[1]] and [[2]]</p>", options=[],
                                    blanks=[{"accepted": ["went"]}, key]))
    assert (fitb.field, fitb.message) == ("blanks", message.format(owner="blank 2"))
    short = rejected(admin, question(skill, type="SHORT_ANSWER", accepted_answers=key["accepted"],
                                     matching={name: value for name, value in key.items() if name != "accepted"}))
    assert (short.field, short.message) == ("tolerance", message.format(owner="the answer"))


def test_a_tolerance_of_nothing_or_zero_is_none(admin, skill):
    for tolerance in ("", None, "0", 0, "0,0"):
        stored = services.create_question(admin, question(skill, type="SHORT_ANSWER", accepted_answers=["eight"],
                                                          matching={"tolerance": tolerance}))
        assert stored.matching["tolerance"] == 0


def test_short_answer_key_is_optional(admin, skill):
    keyed = services.create_question(admin, question(skill, type="SHORT_ANSWER", accepted_answers=["12", " twelve "],
                                                     case_sensitive=True))
    by_hand = services.create_question(admin, question(skill, type="SHORT_ANSWER", accepted_answers=["", "  "]))
    assert (keyed.accepted_answers, keyed.case_sensitive, keyed.machine_scored) == (["12", "twelve"], True, True)
    assert (by_hand.accepted_answers, by_hand.machine_scored) == ([], False)


def test_short_answer_rejects_a_repeated_answer(admin, skill):
    error = rejected(admin, question(skill, type="SHORT_ANSWER", accepted_answers=["12", "12"]))
    assert error.field == "accepted_answers"


def test_an_essay_has_no_key(admin, skill):
    stored = services.create_question(admin, question(skill, type="LONG_ANSWER", marks=5, negative_marks=0,
                                                      accepted_answers=["ignored"], case_sensitive=True))
    assert (stored.options, stored.blanks, stored.accepted_answers, stored.case_sensitive) == ([], [], [], False)
    assert not stored.machine_scored and stored.marks == 5


def test_marks_arrive_as_text_from_forms(admin, skill):
    stored = services.create_question(admin, question(skill, marks="2.5", negative_marks="-0.5", cefr_level="B1"))
    assert (stored.marks, stored.negative_marks, stored.cefr_level.value) == (2.5, -0.5, "B1")


# Sanitising -------------------------------------------------------------------------------------

def test_script_event_handlers_and_javascript_links_never_survive(admin, skill):
    picture = media_url(store_media(admin.institute_id, "a.png", image_bytes("PNG")))
    stored = services.create_question(admin, question(
        skill,
        stem='<p>Read <strong>this</strong> <em>text</em>:</p><script>alert(1)</script>'
             f'<img src="{picture}" onerror="alert(2)" alt="a">'
             '<a href="javascript:alert(3)">link</a><ul><li>one</li></ul>',
        options=[{"html": '<b onclick="alert(4)">is</b>', "correct": True}, {"html": "<script>x()</script>are"},
                 {"html": "be"}],
        explanation='<p style="color:red">Because <u>is</u></p><iframe src="https://evil.example"></iframe>'))
    everything = stored.stem + str(stored.options) + stored.explanation
    for forbidden in ("<script", "alert", "onerror", "onclick", "javascript:", "iframe", "style="):
        assert forbidden not in everything
    assert "<strong>this</strong>" in stored.stem and "<em>text</em>" in stored.stem
    assert "<ul><li>one</li></ul>" in stored.stem
    assert f'<img src="{picture}" alt="a">' in stored.stem
    assert [option["html"] for option in stored.options] == ["<b>is</b>", "are", "be"]
    assert stored.explanation == "<p>Because <u>is</u></p>"


def test_updating_sanitises_too(admin, skill):
    stored = services.create_question(admin, question(skill))
    services.update_question(admin, stored.id, question(skill, stem='<p onmouseover="x()">New <sup>2</sup></p>'))
    assert stored.stem == "<p>New <sup>2</sup></p>"


# Search -----------------------------------------------------------------------------------------

@pytest.fixture
def bank(admin, skill):
    """Five questions of the admin's institute, and one of another institute with the same words."""
    vocabulary = services.create_skill(admin, "Vocabulary")
    made = {
        "mcq": services.create_question(admin, question(skill, stem="<p>Tom &amp; Jerry <b>are</b> friends.</p>",
                                                        cefr_level="A1")),
        "fitb": services.create_question(admin, question(skill, type="FITB", difficulty="MEDIUM", cefr_level="A2",
                                                         stem="<p>We [[1]] home.</p>",
                                                         blanks=[{"accepted": ["went"]}])),
        "short": services.create_question(admin, question(vocabulary, type="SHORT_ANSWER", difficulty="DIFFICULT",
                                                          stem="<p>A word for a young dog?</p>", cefr_level="B1")),
        "essay": services.create_question(admin, question(vocabulary, type="LONG_ANSWER",
                                                          stem="<p>Describe a dog.</p>")),
        "retired": services.create_question(admin, question(skill, stem="<p>An old dog question.</p>")),
    }
    services.retire_question(admin, made["retired"].id)
    db.session.commit()
    return made


def ids(page) -> list[int]:
    return [item.id for item in page.items]


def test_search_filters(admin, factory, bank):
    _, other_admin = factory.institute("Elsewhere")
    services.create_question(other_admin, question(services.create_skill(other_admin, "Grammar"),
                                                   stem="<p>Another dog.</p>"))
    search = lambda **filters: ids(services.search_questions(admin, **filters))  # noqa: E731
    assert search() == [bank["essay"].id, bank["short"].id, bank["fitb"].id, bank["mcq"].id]  # active, newest first
    assert search(text="DOG") == [bank["essay"].id, bank["short"].id]
    assert search(text="tom & jerry") == [bank["mcq"].id]
    assert search(text="50%_") == []  # LIKE wildcards are taken literally
    assert search(skill_id=bank["mcq"].skill_id) == [bank["fitb"].id, bank["mcq"].id]
    assert search(skill_id=str(bank["short"].skill_id)) == [bank["essay"].id, bank["short"].id]
    assert search(type="FITB") == [bank["fitb"].id]
    assert search(difficulty="DIFFICULT") == [bank["short"].id]
    assert search(level="A1") == [bank["mcq"].id]
    assert search(status="retired") == [bank["retired"].id]
    assert search(status=None, text="dog") == [bank["retired"].id, bank["essay"].id, bank["short"].id]
    assert search(skill_id=bank["mcq"].skill_id, type="MCQ", difficulty="EASY", level="A1") == [bank["mcq"].id]


@pytest.mark.parametrize("filters, field", [
    ({"type": "ESSAY"}, "type"), ({"difficulty": "HARD"}, "difficulty"), ({"level": "Z9"}, "level"),
    ({"status": "gone"}, "status"), ({"skill_id": "abc"}, "skill_id"),
])
def test_search_rejects_unknown_filter_values(admin, filters, field):
    with pytest.raises(ValidationError) as caught:
        services.search_questions(admin, **filters)
    assert caught.value.field == field


def test_search_pages(admin, skill):
    created = [services.create_question(admin, question(skill, stem=f"<p>Question {n}</p>")).id for n in range(5)]
    first = services.search_questions(admin, per_page=2)
    last = services.search_questions(admin, per_page=2, page=3)
    assert (first.total, first.pages, ids(first)) == (5, 3, created[:-3:-1])
    assert ids(last) == [created[0]] and not last.has_next
    assert ids(services.search_questions(admin, per_page=2, page=9)) == []


# Duplication, retirement, deletion --------------------------------------------------------------

def test_duplicate_copies_everything_but_the_identity(admin, skill):
    original = services.create_question(admin, question(
        skill, type="MCA", cefr_level="B2", marks=3, negative_marks=-1, explanation="<p>Why</p>",
        options=[{"html": "a", "correct": True}, {"html": "b", "correct": True}, {"html": "c"}]), source="English Test")
    services.retire_question(admin, original.id)
    copy = services.duplicate_question(admin, original.id)
    assert copy.id != original.id and copy.status == QuestionStatus.ACTIVE
    for column in ("type", "skill_id", "difficulty", "cefr_level", "stem", "options", "marks", "negative_marks",
                   "explanation", "source"):
        assert getattr(copy, column) == getattr(original, column), column
    assert original.status == QuestionStatus.RETIRED


def test_duplicate_copies_the_matching_options(admin, skill):
    short = services.create_question(admin, question(skill, type="SHORT_ANSWER", accepted_answers=["8.40"],
                                                     matching={"tolerance": "0.1", "exact_quotes": True}))
    fitb = services.create_question(admin, question(skill, type="FITB", stem="<p>[[1]]</p>", options=[],
                                                    blanks=[{"accepted": ["went"], "exact_unicode": True}]))
    short_copy, fitb_copy = (services.duplicate_question(admin, original.id) for original in (short, fitb))
    assert (short_copy.matching, short_copy.answer_keys) == (short.matching, short.answer_keys)
    assert fitb_copy.blanks == fitb.blanks


def test_retire_and_reactivate(admin, skill):
    stored = services.create_question(admin, question(skill))
    services.retire_question(admin, stored.id)
    assert stored.status == QuestionStatus.RETIRED
    assert services.matching_questions(admin.institute_id, skill_id=skill.id) == []
    assert services.list_skills(admin) == [(skill, 0)]
    services.reactivate_question(admin, stored.id)
    assert stored.status == QuestionStatus.ACTIVE
    assert services.matching_questions(admin.institute_id, skill_id=skill.id) == [stored.id]


def test_an_unused_question_can_be_deleted(admin, skill):
    stored = services.create_question(admin, question(skill))
    services.delete_question(admin, stored.id)
    db.session.commit()
    assert db.session.get(Question, stored.id) is None


def test_a_question_in_use_is_not_deleted(admin, skill):
    stored = services.create_question(admin, question(skill))
    create_assessment(admin, AssessmentInput(name="Grammar check", duration=20,
                                             sections=[SectionInput(name="Part 1", question_ids=[stored.id])]))
    db.session.commit()
    with pytest.raises(Conflict) as caught:
        services.delete_question(admin, stored.id)
    assert caught.value.message == "The question is used by Grammar check; retire it instead of deleting it."
    db.session.rollback()
    assert db.session.get(Question, stored.id) is not None


# Skills -----------------------------------------------------------------------------------------

def test_skills_are_listed_with_their_active_question_counts(admin, skill):
    empty = services.create_skill(admin, "algebra")
    services.create_question(admin, question(skill))
    services.retire_question(admin, services.create_question(admin, question(skill, stem="<p>Old</p>")).id)
    assert services.list_skills(admin) == [(empty, 0), (skill, 1)]


def test_skill_names_are_required_and_unique_in_the_institute(admin, factory, skill):
    with pytest.raises(ValidationError) as caught:
        services.create_skill(admin, "   ")
    assert caught.value.field == "name"
    with pytest.raises(Conflict) as caught:
        services.create_skill(admin, " GRAMMAR ")
    assert caught.value.field == "name"
    _, other_admin = factory.institute("Elsewhere")
    assert services.create_skill(other_admin, "Grammar").name == "Grammar"


def test_a_skill_can_be_renamed_even_to_its_own_name_in_other_case(admin, skill):
    services.create_skill(admin, "Vocabulary")
    services.update_skill(admin, skill.id, "GRAMMAR", "Rules")
    assert (skill.name, skill.description) == ("GRAMMAR", "Rules")
    with pytest.raises(Conflict):
        services.update_skill(admin, skill.id, "vocabulary")


# Permissions ------------------------------------------------------------------------------------

EDITS = [
    lambda actor, q, s: services.create_question(actor, question(s)),
    lambda actor, q, s: services.update_question(actor, q.id, question(s, stem="<p>Changed</p>")),
    lambda actor, q, s: services.duplicate_question(actor, q.id),
    lambda actor, q, s: services.retire_question(actor, q.id),
    lambda actor, q, s: services.reactivate_question(actor, q.id),
    lambda actor, q, s: services.delete_question(actor, q.id),
    lambda actor, q, s: services.create_skill(actor, "New skill"),
    lambda actor, q, s: services.update_skill(actor, s.id, "Renamed"),
]
VIEWS = [
    lambda actor, q, s: services.list_skills(actor),
    lambda actor, q, s: services.get_skill(actor, s.id),
    lambda actor, q, s: services.get_question(actor, q.id),
    lambda actor, q, s: services.search_questions(actor),
]


@pytest.fixture
def stored(admin, skill):
    stored = services.create_question(admin, question(skill))
    db.session.commit()
    return stored


@pytest.mark.parametrize("role", ["admin", "examiner"])
@pytest.mark.parametrize("action", EDITS + VIEWS)
def test_admins_and_examiners_edit_the_bank(factory, admin, skill, stored, role, action):
    actor = admin if role == "admin" else factory.staff(admin.institute, role)
    action(actor, stored, skill)


@pytest.mark.parametrize("action", VIEWS)
def test_support_views_the_bank(factory, admin, skill, stored, action):
    action(factory.staff(admin.institute, "support"), stored, skill)


@pytest.mark.parametrize("action", EDITS)
def test_support_cannot_edit_the_bank(factory, admin, skill, stored, action):
    with pytest.raises(PermissionDenied):
        action(factory.staff(admin.institute, "support"), stored, skill)


@pytest.mark.parametrize("action", EDITS + VIEWS)
def test_proctors_cannot_see_the_bank(factory, admin, skill, stored, action):
    with pytest.raises(PermissionDenied):
        action(factory.staff(admin.institute, "proctor"), stored, skill)


# Tenancy ----------------------------------------------------------------------------------------

TOUCHES = [
    lambda actor, q, s: services.get_question(actor, q.id),
    lambda actor, q, s: services.update_question(actor, q.id, question(services.create_skill(actor, "Mine"))),
    lambda actor, q, s: services.duplicate_question(actor, q.id),
    lambda actor, q, s: services.retire_question(actor, q.id),
    lambda actor, q, s: services.reactivate_question(actor, q.id),
    lambda actor, q, s: services.delete_question(actor, q.id),
    lambda actor, q, s: services.get_skill(actor, s.id),
    lambda actor, q, s: services.update_skill(actor, s.id, "Taken over"),
    lambda actor, q, s: services.create_question(actor, question(s)),  # another institute's skill
]


@pytest.mark.parametrize("action", TOUCHES)
def test_another_institutes_records_are_not_found(factory, skill, stored, action):
    _, stranger = factory.institute("Elsewhere")
    with pytest.raises(NotFound):
        action(stranger, stored, skill)
    db.session.rollback()
    assert stored.status == QuestionStatus.ACTIVE and skill.name == "Grammar"
    assert db.session.query(Question).count() == 1


def test_another_institutes_questions_are_never_listed(factory, skill, stored):
    _, stranger = factory.institute("Elsewhere")
    assert services.search_questions(stranger).total == 0
    assert services.search_questions(stranger, skill_id=skill.id).total == 0
    assert services.list_skills(stranger) == []
