"""The question bank console, driven through the test client: forms posted as a browser posts them,
answers read as parsed HTML and database rows."""
import pytest
from bs4 import BeautifulSoup
from sqlalchemy import select

from tests.bank.helpers import FORGIVING
from tests.conftest import log_in
from webapp.assessments.services import AssessmentInput, SectionInput, create_assessment
from webapp.audit.models import AuditEntry
from webapp.bank import services
from webapp.bank.models import Question, QuestionStatus, Skill
from webapp.bank.services import QuestionInput
from webapp.core.extensions import db


def html(response) -> BeautifulSoup:
    return BeautifulSoup(response.get_data(as_text=True), "html.parser")


def flashes(soup: BeautifulSoup, category: str) -> list[str]:
    return [p.get_text(" ", strip=True) for p in soup.select(f".flash-{category}")]


def questions() -> list[Question]:
    db.session.expire_all()
    return list(db.session.scalars(select(Question).order_by(Question.id)))


@pytest.fixture
def skill(admin):
    skill = services.create_skill(admin, "Grammar")
    db.session.commit()
    return skill


def make(actor, skill, **changes) -> Question:
    values = dict(type="MCQ", skill_id=skill.id, difficulty="EASY", stem="<p>She ___ from Spain.</p>",
                  options=[{"html": "is", "correct": True}, {"html": "are"}, {"html": "be"}])
    values.update(changes)
    question = services.create_question(actor, QuestionInput(**values))
    db.session.commit()
    return question


def form_data(skill, **fields) -> dict:
    return {"skill_id": str(skill.id), "difficulty": "MEDIUM", "cefr_level": "", "marks": "1",
            "negative_marks": "0", "explanation": "", **fields}


# Creating each type ----------------------------------------------------------------------------

CREATED = {
    "MCQ": (
        {"stem": "<p>The capital of France?</p>", "cefr_level": "A2", "marks": "2", "negative_marks": "-0.5",
         "options-0-html": "Paris", "options-0-correct": "y", "options-1-html": "Lyon", "options-2-html": "",
         "options-3-html": "Nice"},
        {"options": [{"html": "Paris", "correct": True, "id": "a"}, {"html": "Lyon", "correct": False, "id": "b"},
                     {"html": "Nice", "correct": False, "id": "c"}], "marks": 2.0, "negative_marks": -0.5},
    ),
    "MCA": (
        # Rows 1 and 3 were removed in the browser: the indices that remain have gaps.
        {"stem": "<p>Which are prime?</p>", "options-0-html": "2", "options-0-correct": "y", "options-2-html": "9",
         "options-4-html": "11", "options-4-correct": "y"},
        {"options": [{"html": "2", "correct": True, "id": "a"}, {"html": "9", "correct": False, "id": "b"},
                     {"html": "11", "correct": True, "id": "c"}]},
    ),
    "FITB": (
        {"stem": "<p>Last summer we [[1]] to Italy and [[2]] pasta.</p>", "blanks-0-accepted": "went",
         "blanks-1-accepted": "ate | had\nEnjoyed", "blanks-1-case_sensitive": "y", "blanks-2-accepted": "  "},
        {"blanks": [{"accepted": ["went"], **FORGIVING},
                    {"accepted": ["ate", "had", "Enjoyed"], **FORGIVING, "case_sensitive": True}]},
    ),
    "SHORT_ANSWER": (
        {"stem": "<p>Write twelve in digits.</p>", "accepted_answers": "12\r\n\r\n 12.0 ", "case_sensitive": "y"},
        {"accepted_answers": ["12", "12.0"], "case_sensitive": True},
    ),
    "LONG_ANSWER": (
        {"stem": "<p>Describe your town.</p>", "marks": "10", "explanation": "<p>Look for <em>linkers</em>.</p>"},
        {"marks": 10.0, "explanation": "<p>Look for <em>linkers</em>.</p>", "options": [], "blanks": []},
    ),
}


@pytest.mark.parametrize("qtype", list(CREATED))
def test_each_type_is_created_through_the_form(admin_client, skill, qtype):
    posted, expected = CREATED[qtype]
    response = admin_client.post("/bank/questions/new", data=form_data(skill, type=qtype, **posted))
    [question] = questions()
    assert response.headers["Location"] == f"/bank/questions/{question.id}"
    assert (question.type.value, question.skill_id, question.difficulty.value) == (qtype, skill.id, "MEDIUM")
    assert question.stem == posted["stem"]
    for column, value in expected.items():
        assert getattr(question, column) == value, column
    page = html(admin_client.get(response.headers["Location"]))
    assert flashes(page, "success") == [f"Question {question.id} is saved."]


def test_the_new_form_offers_four_option_rows_and_a_row_template(admin_client, skill):
    page = html(admin_client.get("/bank/questions/new"))
    assert page.select_one("#type option[selected]")["value"] == "MCQ"
    assert [row.select_one("textarea")["name"] for row in page.select("#option-rows [data-row]")] == [
        f"options-{n}-html" for n in range(4)]
    template = page.select_one("template#option-row-template")
    assert {tag["name"] for tag in template.select("input, textarea")} == {"options-__index__-html", "options-__index__-correct"}
    assert page.select_one("[data-add-row=option-row-template]")["data-target"] == "option-rows"
    assert page.select_one("#blank-rows") is None and page.select_one("#accepted_answers") is None


@pytest.mark.parametrize("qtype, present, absent", [
    ("MCA", "#option-rows", "#blank-rows"),
    ("FITB", "#blank-rows", "#option-rows"),
    ("SHORT_ANSWER", "textarea#accepted_answers", "#option-rows"),
    ("LONG_ANSWER", "p.muted", "#option-rows"),
])
def test_the_type_in_the_query_preselects_its_fields(admin_client, skill, qtype, present, absent):
    page = html(admin_client.get(f"/bank/questions/new?type={qtype}"))
    assert page.select_one("#type option[selected]")["value"] == qtype
    assert page.select_one(f"#type-fields {present}") is not None
    assert page.select_one(absent) is None


def test_fill_in_the_blanks_explains_the_placeholders(admin_client, skill):
    page = html(admin_client.get("/bank/questions/new?type=FITB"))
    help_text = page.select_one("#type-fields .help").get_text(" ", strip=True)
    assert "[[1]], [[2]]" in help_text and "|" in help_text
    assert [tag["name"] for tag in page.select("#blank-rows textarea")] == ["blanks-0-accepted"]
    assert page.select_one("#blank-rows input[type=checkbox]")["name"] == "blanks-0-case_sensitive"


def test_the_type_select_fetches_the_fields_of_the_new_type_keeping_the_rows(admin_client, skill):
    select_box = html(admin_client.get("/bank/questions/new")).select_one("select#type")
    assert select_box["hx-get"] == "/bank/questions/new" and select_box["hx-target"] == "#type-fields"
    assert select_box["hx-include"] == "#type-fields"

    response = admin_client.get("/bank/questions/new?type=MCA&options-0-html=Paris&options-0-correct=y"
                                "&options-1-html=Lyon", headers={"HX-Request": "true"})
    fragment = html(response)
    assert fragment.find("html") is None and fragment.find("form") is None
    assert fragment.select_one("div#type-fields") is not None
    assert "Tick every correct option." in fragment.get_text()
    rows = fragment.select("#option-rows [data-row]")
    assert [row.select_one("textarea").get_text().strip() for row in rows] == ["Paris", "Lyon", "", ""]
    assert [row.select_one("input[type=checkbox]").has_attr("checked") for row in rows] == [True, False, False, False]

    short = html(admin_client.get("/bank/questions/new?type=SHORT_ANSWER", headers={"HX-Request": "true"}))
    assert short.select_one("div#type-fields textarea#accepted_answers") is not None


# Failed submits --------------------------------------------------------------------------------

def test_a_failed_submit_keeps_everything_typed_and_shows_the_error_beside_the_options(admin_client, skill):
    response = admin_client.post("/bank/questions/new", data=form_data(
        skill, type="MCQ", cefr_level="B1", stem="<p>Pick <b>one</b></p>", marks="3", negative_marks="-1",
        explanation="Because.", **{"options-0-html": "yes", "options-0-correct": "y", "options-1-html": "no",
                                   "options-1-correct": "y", "options-2-html": "maybe", "options-3-html": "",
                                   "options-4-html": "never"}))
    page = html(response)
    assert questions() == []
    options = page.select_one("#type-fields fieldset")
    assert [e.get_text() for e in options.select(".field-error")] == ["Mark exactly one option as correct."]
    rows = options.select("#option-rows [data-row]")
    assert [row.select_one("textarea").get_text().strip() for row in rows] == ["yes", "no", "maybe", "", "never"]
    assert [row.select_one("input[type=checkbox]").has_attr("checked") for row in rows] == [
        True, True, False, False, False]
    assert page.select_one("#stem").get_text().strip() == "<p>Pick <b>one</b></p>"
    assert page.select_one("#skill_id option[selected]")["value"] == str(skill.id)
    assert page.select_one("#difficulty option[selected]")["value"] == "MEDIUM"
    assert page.select_one("#cefr_level option[selected]")["value"] == "B1"
    assert (page.select_one("#marks")["value"], page.select_one("#negative_marks")["value"]) == ("3", "-1")
    assert page.select_one("#explanation").get_text().strip() == "Because."


@pytest.mark.parametrize("fields, field, message", [
    ({"stem": "<p>  </p>"}, "stem", "The question needs a text."),
    ({"marks": "lots"}, "marks", "The marks for a correct answer must be a number."),
    ({"marks": "0"}, "marks", "The marks for a correct answer must be greater than 0."),
    ({"negative_marks": "2"}, "negative_marks", "The marks for a wrong answer must be 0 or less."),
    ({"skill_id": ""}, "skill_id", "Choose the question's skill."),
    ({"tolerance": "a little"}, "tolerance", "The tolerance of the answer must be a number, 0 or more."),
])
def test_errors_sit_beside_their_field(admin_client, skill, fields, field, message):
    posted = form_data(skill, **{"type": "SHORT_ANSWER", "stem": "<p>Twelve?</p>", "accepted_answers": "12", **fields})
    page = html(admin_client.post("/bank/questions/new", data=posted))
    assert questions() == []
    control = page.select_one(f"#{field}")
    assert control["aria-invalid"] == "true" and control["aria-describedby"] == f"{field}-error"
    assert page.select_one(f"#{field}-error").get_text() == message
    if control.name == "input":
        assert control["value"] == posted[field]
    assert page.select_one("#accepted_answers").get_text().strip() == "12"


def test_a_blank_count_mismatch_keeps_the_rows(admin_client, skill):
    page = html(admin_client.post("/bank/questions/new", data=form_data(
        skill, type="FITB", stem="<p>We [[1]] and [[2]].</p>",
        **{"blanks-0-accepted": "went | go", "blanks-0-case_sensitive": "y", "blanks-1-accepted": ""})))
    assert questions() == []
    blanks = page.select_one("#type-fields fieldset")
    assert [e.get_text() for e in blanks.select(".field-error")] == [
        "The text has 2 blank(s) but 1 answer list(s) are given."]
    rows = blanks.select("#blank-rows [data-row]")
    assert [row.textarea.get_text().strip() for row in rows] == ["went | go", ""]
    assert rows[0].select_one("input[type=checkbox]").has_attr("checked")


def test_another_institutes_skill_is_not_a_choice(admin_client, factory, skill):
    _, stranger = factory.institute("Elsewhere")
    foreign = services.create_skill(stranger, "Foreign")
    db.session.commit()
    page = html(admin_client.post("/bank/questions/new", data=form_data(
        skill, skill_id=str(foreign.id), type="LONG_ANSWER", stem="<p>Essay</p>")))
    assert questions() == []
    assert page.select_one("#skill_id-error").get_text() == "Not a valid choice."
    assert [o.get_text() for o in page.select("#skill_id option")] == ["Choose a skill", "Grammar"]


# Editing ---------------------------------------------------------------------------------------

def test_the_edit_form_shows_the_stored_question_and_saves_changes(admin_client, admin, skill):
    question = make(admin, skill, cefr_level="A1", marks=2, options=[
        {"html": "is", "correct": True}, {"html": "<em>are</em>"}])
    page = html(admin_client.get(f"/bank/questions/{question.id}/edit"))
    assert page.select_one("#type option[selected]")["value"] == "MCQ"
    assert page.select_one("#cefr_level option[selected]")["value"] == "A1"
    assert page.select_one("#marks")["value"] == "2"
    rows = page.select("#option-rows [data-row]")
    assert [row.select_one("textarea").get_text().strip() for row in rows] == ["is", "<em>are</em>", "", ""]
    assert [row.select_one("input[type=checkbox]").has_attr("checked") for row in rows] == [True, False, False, False]
    assert page.select_one("select#type")["hx-get"] == f"/bank/questions/{question.id}/edit"

    response = admin_client.post(f"/bank/questions/{question.id}/edit", data=form_data(
        skill, type="FITB", stem="<p>She [[1]] from Spain.</p>", **{"blanks-0-accepted": "is|'s"}))
    assert response.headers["Location"] == f"/bank/questions/{question.id}"
    [saved] = questions()
    assert (saved.type.value, saved.blanks, saved.options) == ("FITB", [{"accepted": ["is", "'s"], **FORGIVING}], [])


def test_a_failed_edit_changes_nothing(admin_client, admin, skill):
    question = make(admin, skill)
    page = html(admin_client.post(f"/bank/questions/{question.id}/edit", data=form_data(
        skill, type="MCQ", stem="<p>Changed</p>", **{"options-0-html": "only one", "options-0-correct": "y"})))
    assert page.select_one("#options-error").get_text() == "Give at least two options."
    assert page.select_one("#stem").get_text().strip() == "<p>Changed</p>"
    assert questions()[0].stem == "<p>She ___ from Spain.</p>"


# The list --------------------------------------------------------------------------------------

@pytest.fixture
def listed(admin, skill):
    vocabulary = services.create_skill(admin, "Vocabulary")
    made = {
        "mcq": make(admin, skill, cefr_level="A1", stem="<p>Tom &amp; Jerry <b>are</b> friends; which verb?</p>"),
        "fitb": make(admin, skill, type="FITB", difficulty="MEDIUM", stem="<p>We [[1]] home.</p>",
                     blanks=[{"accepted": ["went"]}], options=[]),
        "short": make(admin, vocabulary, type="SHORT_ANSWER", difficulty="DIFFICULT", cefr_level="B1",
                      stem="<p>A young dog?</p>", options=[]),
        "retired": make(admin, vocabulary, type="LONG_ANSWER", stem="<p>Describe a dog.</p>", marks=5, options=[]),
    }
    services.retire_question(admin, made["retired"].id)
    db.session.commit()
    return made


def rows(soup) -> list[dict]:
    table = soup.select_one("table.question-table")
    if table is None:
        return []
    heads = [th.get_text(strip=True) for th in table.select("thead th")]
    return [dict(zip(heads, [td.get_text(" ", strip=True) for td in tr.select("td")]))
            for tr in table.select("tbody tr")]


def listed_ids(client, query: str = "", **headers) -> list[int]:
    return [int(row["#"]) for row in rows(html(client.get(f"/bank/questions{query}", headers=headers)))]


def test_the_list_shows_the_active_questions_with_their_columns(admin_client, listed):
    page = html(admin_client.get("/bank/questions"))
    assert rows(page)[-1] == {"#": str(listed["mcq"].id), "Question": "Tom & Jerry are friends; which verb?",
                              "Type": "Multiple choice (one answer)", "Skill": "Grammar", "Difficulty": "Easy", "Level": "A1", "Marks": "1",
                              "Status": "Active"}
    assert [int(row["#"]) for row in rows(page)] == [listed["short"].id, listed["fitb"].id, listed["mcq"].id]
    assert page.select_one("form.filters")["method"] == "get"


def test_the_list_filters(admin_client, skill, listed):
    assert listed_ids(admin_client, "?text=DOG") == [listed["short"].id]
    assert listed_ids(admin_client, "?text=tom+%26+jerry") == [listed["mcq"].id]
    assert listed_ids(admin_client, f"?skill_id={skill.id}") == [listed["fitb"].id, listed["mcq"].id]
    assert listed_ids(admin_client, "?type=FITB") == [listed["fitb"].id]
    assert listed_ids(admin_client, "?difficulty=DIFFICULT") == [listed["short"].id]
    assert listed_ids(admin_client, "?level=A1") == [listed["mcq"].id]
    assert listed_ids(admin_client, "?status=retired") == [listed["retired"].id]
    assert listed_ids(admin_client, "?status=&text=dog") == [listed["retired"].id, listed["short"].id]
    page = html(admin_client.get(f"/bank/questions?status=&skill_id={skill.id}&type=MCQ"))
    assert page.select_one("#status option[selected]").get_text() == "All"
    assert page.select_one("#skill_id option[selected]").get_text() == "Grammar"
    assert page.select_one("#type option[selected]")["value"] == "MCQ"


def test_a_long_stem_is_shortened_to_plain_text(admin_client, admin, skill):
    make(admin, skill, stem="<p>" + "<strong>word</strong> " * 40 + "</p>")
    [row] = rows(html(admin_client.get("/bank/questions")))
    assert row["Question"].startswith("word word") and row["Question"].endswith("...")
    assert len(row["Question"]) <= 90 and "<" not in row["Question"]


def test_a_hand_made_filter_value_is_ignored_with_a_note(admin_client, listed):
    page = html(admin_client.get("/bank/questions?type=ESSAY&skill_id=abc&status=gone"))
    assert page.select_one("#type-error").get_text() == "Not a valid choice."
    assert page.select_one("#status-error").get_text() == "Not a valid choice."
    assert len(rows(page)) == 3


def test_htmx_gets_only_the_rows(admin_client, listed):
    form = html(admin_client.get("/bank/questions")).select_one("form.filters")
    assert (form["hx-get"], form["hx-target"], form["hx-push-url"]) == ("/bank/questions", "#question-rows", "true")
    response = admin_client.get("/bank/questions?type=FITB", headers={"HX-Request": "true"})
    fragment = html(response)
    assert fragment.find("html") is None and fragment.select_one("form.filters") is None
    assert [int(row["#"]) for row in rows(fragment)] == [listed["fitb"].id]
    assert "HX-Request" in response.headers["Vary"]
    nothing = html(admin_client.get("/bank/questions?text=zebra", headers={"HX-Request": "true"}))
    assert nothing.select_one(".empty").get_text() == "No question matches these filters."


def test_the_list_pages_keep_the_filters(admin_client, admin, skill):
    created = [make(admin, skill, stem=f"<p>Question {n}</p>").id for n in range(27)]
    make(admin, skill, type="LONG_ANSWER", stem="<p>Essay</p>", options=[])
    first = html(admin_client.get("/bank/questions?type=MCQ"))
    assert len(rows(first)) == 25
    assert first.select_one(".pagination span").get_text() == "Page 1 of 2 (27 in all)"
    next_link = first.select_one(".pagination a[rel=next]")["href"]
    assert "type=MCQ" in next_link and "page=2" in next_link
    assert listed_ids(admin_client, next_link.removeprefix("/bank/questions")) == created[1::-1]
    assert listed_ids(admin_client, "?type=MCQ&page=2", **{"HX-Request": "true"}) == created[1::-1]


# Skills ----------------------------------------------------------------------------------------

def skill_rows(soup) -> list[tuple[str, str]]:
    return [(tr.select("td")[0].get_text(strip=True), tr.select("td")[2].get_text(strip=True))
            for tr in soup.select("table.skill-table tbody tr")]


def test_skills_list_their_active_questions_and_link_to_them(admin_client, admin, skill, listed):
    page = html(admin_client.get("/bank/skills"))
    assert skill_rows(page) == [("Grammar", "2"), ("Vocabulary", "1")]
    link = page.select_one(f"#skill-{skill.id} a")["href"]
    assert link == f"/bank/questions?skill_id={skill.id}"
    assert listed_ids(admin_client, link.removeprefix("/bank/questions")) == [listed["fitb"].id, listed["mcq"].id]


def test_a_skill_is_added_and_renamed_from_the_list(admin_client, skill):
    response = admin_client.post("/bank/skills/new", data={"new-name": " Listening ", "new-description": "Audio"})
    assert response.headers["Location"] == "/bank/skills"
    page = html(admin_client.get("/bank/skills"))
    assert flashes(page, "success") == ["The skill Listening is added."]
    assert skill_rows(page) == [("Grammar", "0"), ("Listening", "0")]

    response = admin_client.post(f"/bank/skills/{skill.id}",
                                 data={f"skill-{skill.id}-name": "Grammar B1", f"skill-{skill.id}-description": "x"})
    assert response.headers["Location"] == "/bank/skills"
    db.session.expire_all()
    assert (db.session.get(Skill, skill.id).name, db.session.get(Skill, skill.id).description) == ("Grammar B1", "x")


def test_a_taken_skill_name_is_refused_beside_the_field(admin_client, admin, skill):
    page = html(admin_client.post("/bank/skills/new", data={"new-name": "grammar", "new-description": "again"}))
    assert page.select_one("#new-name-error").get_text() == "There is already a skill named 'Grammar'."
    assert page.select_one("#new-name")["value"] == "grammar"
    assert page.select_one("#new-description")["value"] == "again"

    other = services.create_skill(admin, "Vocabulary")
    db.session.commit()
    page = html(admin_client.post(f"/bank/skills/{other.id}", data={f"skill-{other.id}-name": "GRAMMAR"}))
    row = page.select_one(f"#skill-{other.id}")
    assert row.select_one("details").has_attr("open")
    assert row.select_one(f"#skill-{other.id}-name-error").get_text() == "There is already a skill named 'Grammar'."
    assert row.select_one(f"#skill-{other.id}-name")["value"] == "GRAMMAR"
    assert not page.select_one(f"#skill-{skill.id} details").has_attr("open")
    assert [s.name for s in db.session.scalars(select(Skill).order_by(Skill.id))] == ["Grammar", "Vocabulary"]


# Matching options of typed answers ---------------------------------------------------------------

OPTION_NAMES = ["case_sensitive", "exact_spaces", "exact_quotes", "exact_unicode", "exact_end_punctuation",
                "exact_numbers"]


def ticked(fields) -> dict:
    """The matching options of a blank row or of the answer key as the page shows them."""
    boxes = fields.select(".matching input[type=checkbox]")
    return {"ticked": [box["name"].rsplit("-", 1)[-1] for box in boxes if box.has_attr("checked")],
            "tolerance": fields.select_one(".matching input[name$=tolerance]")["value"],
            "options": [box["name"].rsplit("-", 1)[-1] for box in boxes]}


def test_a_new_typed_answer_starts_forgiving_whichever_way_the_form_is_reached(admin_client, skill):
    forgiving = {"ticked": [], "tolerance": "0", "options": OPTION_NAMES}
    fitb = html(admin_client.get("/bank/questions/new?type=FITB"))
    assert ticked(fitb.select_one("#blank-rows [data-row]")) == forgiving
    assert ticked(fitb.select_one("template#blank-row-template")) == forgiving
    assert "8,40 is 8.40" in fitb.select_one("#type-fields").get_text()
    # The type <select> asks for the other type's fields, sending the rows typed so far.
    short = html(admin_client.get("/bank/questions/new?type=SHORT_ANSWER&options-0-html=Paris",
                                  headers={"HX-Request": "true"}))
    assert ticked(short.select_one("#type-fields")) == forgiving
    assert [label.get_text(" ", strip=True) for label in short.select(".matching label")] == [
        "Case-sensitive", "Extra spaces count", "Curly and straight quotes differ",
        "Look-alike characters differ (no Unicode NFKC)", "Punctuation at the end counts",
        "Numbers are compared as text", "Numbers may differ by (±)"]


def test_a_fill_in_is_edited_with_its_matching_options(admin_client, admin, skill):
    question = make(admin, skill, type="FITB", options=[], stem="<p>It costs [[1]] and is [[2]].</p>",
                    blanks=[{"accepted": ["8.40"]}, {"accepted": ["late"]}])
    page = html(admin_client.get(f"/bank/questions/{question.id}/edit"))
    assert [ticked(row)["ticked"] for row in page.select("#blank-rows [data-row]")] == [[], []]

    response = admin_client.post(f"/bank/questions/{question.id}/edit", data=form_data(
        skill, type="FITB", stem="<p>It costs [[1]] and is [[2]].</p>", **{
            "blanks-0-accepted": "8.40", "blanks-0-tolerance": "0,05",
            "blanks-1-accepted": "late | delayed", "blanks-1-case_sensitive": "y",
            "blanks-1-exact_end_punctuation": "y", "blanks-1-tolerance": ""}))
    assert response.headers["Location"] == f"/bank/questions/{question.id}"
    [saved] = questions()
    assert saved.blanks == [{"accepted": ["8.40"], **FORGIVING, "tolerance": 0.05},
                            {"accepted": ["late", "delayed"], **FORGIVING, "case_sensitive": True,
                             "exact_end_punctuation": True}]
    first, second = saved.answer_keys
    assert first.accepts("8,45") and not first.accepts("8,46")
    assert second.accepts("delayed") and not second.accepts("Late") and not second.accepts("late.")

    page = html(admin_client.get(f"/bank/questions/{question.id}/edit"))
    assert [ticked(row) for row in page.select("#blank-rows [data-row]")] == [
        {"ticked": [], "tolerance": "0.05", "options": OPTION_NAMES},
        {"ticked": ["case_sensitive", "exact_end_punctuation"], "tolerance": "0", "options": OPTION_NAMES}]
    detail = html(admin_client.get(f"/bank/questions/{question.id}"))
    assert [note.get_text() for note in detail.select(".answer-key li .matching")] == [
        "Ignores capitals, extra spaces, curly or straight quotes, look-alike characters and punctuation at the end;"
        " reads numbers as numbers (8,40 is 8.40), within ±0.05.",
        "Ignores extra spaces, curly or straight quotes and look-alike characters; reads numbers as numbers"
        " (8,40 is 8.40)."]
    [entry] = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "question.update")).all()
    assert entry.after["blanks"][0]["tolerance"] == 0.05


def test_a_tolerance_without_a_number_is_refused_above_the_blanks_keeping_the_rows(admin_client, skill):
    page = html(admin_client.post("/bank/questions/new", data=form_data(
        skill, type="FITB", stem="<p>We [[1]] and [[2]].</p>", **{
            "blanks-0-accepted": "went", "blanks-1-accepted": "ate | had", "blanks-1-tolerance": "1",
            "blanks-1-exact_quotes": "y"})))
    assert questions() == []
    blanks = page.select_one("#type-fields fieldset")
    assert [e.get_text() for e in blanks.select(".field-error")] == [
        "Give blank 2 an accepted answer that is a number, or no tolerance."]
    rows = blanks.select("#blank-rows [data-row]")
    assert [row.textarea.get_text().strip() for row in rows] == ["went", "ate | had"]
    assert ticked(rows[1]) == {"ticked": ["exact_quotes"], "tolerance": "1", "options": OPTION_NAMES}


def test_a_short_answer_is_edited_with_its_matching_options(admin_client, admin, skill):
    question = make(admin, skill, type="SHORT_ANSWER", options=[], stem="<p>Seven pens at $1.20?</p>",
                    accepted_answers=["8.40"])
    response = admin_client.post(f"/bank/questions/{question.id}/edit", data=form_data(
        skill, type="SHORT_ANSWER", stem="<p>Seven pens at $1.20?</p>", accepted_answers="8.40 | $8.40\nEight forty",
        case_sensitive="y", exact_unicode="y", tolerance="0.01"))
    assert response.headers["Location"] == f"/bank/questions/{question.id}"
    [saved] = questions()
    assert (saved.accepted_answers, saved.case_sensitive) == (["8.40", "$8.40", "Eight forty"], True)
    assert saved.matching == {name: value for name, value in FORGIVING.items() if name != "case_sensitive"} | {
        "exact_unicode": True, "tolerance": 0.01}
    page = html(admin_client.get(f"/bank/questions/{question.id}/edit"))
    assert page.select_one("#accepted_answers").get_text().strip() == "8.40\n$8.40\nEight forty"
    assert ticked(page.select_one("#type-fields")) == {
        "ticked": ["case_sensitive", "exact_unicode"], "tolerance": "0.01", "options": OPTION_NAMES}
    detail = html(admin_client.get(f"/bank/questions/{question.id}"))
    assert detail.select_one(".answer-key p").get_text(" ", strip=True) == (
        "Accepted: 8.40 | $8.40 | Eight forty Ignores extra spaces, curly or straight quotes and punctuation at the"
        " end; reads numbers as numbers (8,40 is 8.40), within ±0.01.")


# The question page -----------------------------------------------------------------------------

def test_the_question_page_previews_the_sanitised_question_with_its_key(admin_client, skill):
    admin_client.post("/bank/questions/new", data=form_data(
        skill, type="MCQ", stem='<p>Pick the <strong>verb</strong></p><script>alert(1)</script>'
                                '<span onerror="alert(2)">!</span>',
        explanation='<a href="javascript:alert(3)">why</a>',
        **{"options-0-html": "<em>run</em>", "options-0-correct": "y", "options-1-html": "table"}))
    [question] = questions()
    page = html(admin_client.get(f"/bank/questions/{question.id}"))
    preview = page.select_one(".question-preview")
    assert preview.select_one(".question-stem strong").get_text() == "verb"
    assert page.find("script", src=False) is None
    assert "onerror" not in str(page) and "javascript:" not in str(page)
    assert [li.get_text(" ", strip=True) for li in preview.select(".preview-options li")] == ["run", "table"]
    assert [i["type"] for i in preview.select(".preview-options input")] == ["radio", "radio"]
    key = page.select(".answer-key li")
    assert key[0]["class"] == ["correct"] and key[0].em.get_text() == "run"
    assert not key[1].has_attr("class")


def test_fill_in_the_blanks_preview_shows_boxes(admin_client, admin, skill):
    question = make(admin, skill, type="FITB", options=[], stem="<p>We [[1]] home and [[2]].</p>",
                    blanks=[{"accepted": ["went"]}, {"accepted": ["slept", "rested"], "case_sensitive": True}])
    page = html(admin_client.get(f"/bank/questions/{question.id}"))
    boxes = page.select(".question-stem input.blank")
    assert [box["aria-label"] for box in boxes] == ["Blank 1", "Blank 2"]
    assert "[[" not in page.select_one(".question-stem").get_text()
    assert [li.contents[0].strip() for li in page.select(".answer-key li")] == ["[[1]]: went", "[[2]]: slept | rested"]
    assert [note.get_text() for note in page.select(".answer-key li .matching")] == [
        "Ignores capitals, extra spaces, curly or straight quotes, look-alike characters and punctuation at the end;"
        " reads numbers as numbers (8,40 is 8.40).",
        "Ignores extra spaces, curly or straight quotes, look-alike characters and punctuation at the end;"
        " reads numbers as numbers (8,40 is 8.40)."]


def test_duplicate_leads_to_the_copys_edit_page(admin_client, admin, skill):
    question = make(admin, skill)
    response = admin_client.post(f"/bank/questions/{question.id}/duplicate")
    original, copy = questions()
    assert response.headers["Location"] == f"/bank/questions/{copy.id}/edit"
    assert (copy.stem, copy.options) == (original.stem, original.options)
    page = html(admin_client.get(response.headers["Location"]))
    assert flashes(page, "success") == [
        f"Question {copy.id} is a copy of question {original.id}; change what you need."]


def test_retire_and_reactivate(admin_client, admin, skill):
    question = make(admin, skill)
    admin_client.post(f"/bank/questions/{question.id}/retire")
    page = html(admin_client.get(f"/bank/questions/{question.id}"))
    assert questions()[0].status == QuestionStatus.RETIRED
    assert page.select_one("h1 .badge").get_text() == "Retired"
    assert [b.get_text() for b in page.select(".actions button")] == ["Duplicate", "Reactivate", "Delete"]
    admin_client.post(f"/bank/questions/{question.id}/reactivate")
    assert questions()[0].status == QuestionStatus.ACTIVE


def test_delete_asks_first_and_removes_an_unused_question(admin_client, admin, skill):
    question = make(admin, skill)
    button = html(admin_client.get(f"/bank/questions/{question.id}")).find("button", string="Delete")
    assert button["data-confirm"] == f"Delete question {question.id} for good?"
    response = admin_client.post(f"/bank/questions/{question.id}/delete")
    assert response.headers["Location"] == "/bank/questions"
    assert questions() == []


def test_a_question_in_use_is_not_deleted(admin_client, admin, skill):
    question = make(admin, skill)
    create_assessment(admin, AssessmentInput(name="Grammar check", duration=20,
                                             sections=[SectionInput(name="Part 1", question_ids=[question.id])]))
    db.session.commit()
    response = admin_client.post(f"/bank/questions/{question.id}/delete", follow_redirects=True)
    assert flashes(html(response), "error") == [
        "The question is used by Grammar check; retire it instead of deleting it."]
    assert [q.id for q in questions()] == [question.id]


# Roles and institutes --------------------------------------------------------------------------

def test_support_sees_the_bank_read_only(client, factory, admin, skill):
    question = make(admin, skill)
    log_in(client, factory.staff(admin.institute, "support"))
    listing = html(client.get("/bank/questions"))
    assert [int(row["#"]) for row in rows(listing)] == [question.id]
    assert listing.find("a", string="New question") is None
    detail = html(client.get(f"/bank/questions/{question.id}"))
    assert detail.select_one(".answer-key li.correct") is not None
    assert detail.select(".page-head .actions") == [] and detail.select("main form") == []
    skills = html(client.get("/bank/skills"))
    assert skill_rows(skills) == [("Grammar", "1")] and skills.select("main form") == []


@pytest.mark.parametrize("method, url", [
    ("GET", "/bank/questions/new"), ("POST", "/bank/questions/new"), ("GET", "/bank/questions/{id}/edit"),
    ("POST", "/bank/questions/{id}/edit"), ("POST", "/bank/questions/{id}/duplicate"),
    ("POST", "/bank/questions/{id}/retire"), ("POST", "/bank/questions/{id}/delete"),
    ("POST", "/bank/skills/new"), ("POST", "/bank/skills/{skill}"),
])
def test_support_cannot_change_the_bank(client, factory, admin, skill, method, url):
    question = make(admin, skill)
    log_in(client, factory.staff(admin.institute, "support"))
    data = form_data(skill, type="LONG_ANSWER", stem="<p>x</p>", **{"new-name": "New", f"skill-{skill.id}-name": "New"})
    response = client.open(url.format(id=question.id, skill=skill.id), method=method, data=data)
    assert response.status_code == 403
    assert html(response).select_one(".error-message").get_text().startswith("Your role does not allow this")
    assert [(q.id, q.stem, q.status) for q in questions()] == [(question.id, question.stem, QuestionStatus.ACTIVE)]
    assert [s.name for s in db.session.scalars(select(Skill))] == ["Grammar"]


@pytest.mark.parametrize("url", ["/bank/questions", "/bank/skills", "/bank/questions/{id}", "/bank/questions/new"])
def test_proctors_may_not_open_the_bank(client, factory, admin, skill, url):
    question = make(admin, skill)
    log_in(client, factory.staff(admin.institute, "proctor"))
    response = client.get(url.format(id=question.id))
    page = html(response)
    assert response.status_code == 403 and page.h1.get_text() == "Not allowed"
    assert "She ___ from Spain." not in str(page)


def test_examiners_edit_the_bank(client, factory, admin, skill):
    log_in(client, factory.staff(admin.institute, "examiner"))
    client.post("/bank/questions/new", data=form_data(skill, type="LONG_ANSWER", stem="<p>Essay</p>"))
    [question] = questions()
    page = html(client.get(f"/bank/questions/{question.id}"))
    assert [b.get_text() for b in page.select(".actions a, .actions button")] == [
        "Edit", "Duplicate", "Retire", "Delete"]


@pytest.mark.parametrize("method, url", [
    ("GET", "/bank/questions/{id}"), ("GET", "/bank/questions/{id}/edit"), ("POST", "/bank/questions/{id}/edit"),
    ("POST", "/bank/questions/{id}/duplicate"), ("POST", "/bank/questions/{id}/retire"),
    ("POST", "/bank/questions/{id}/reactivate"), ("POST", "/bank/questions/{id}/delete"),
    ("POST", "/bank/skills/{skill}"),
])
def test_another_institutes_records_are_not_found(admin_client, factory, method, url):
    _, stranger = factory.institute("Elsewhere")
    foreign_skill = services.create_skill(stranger, "Foreign")
    foreign = make(stranger, foreign_skill)
    response = admin_client.open(url.format(id=foreign.id, skill=foreign_skill.id), method=method,
                                 data={f"skill-{foreign_skill.id}-name": "Taken"})
    assert response.status_code == 404 and html(response).h1.get_text() == "Not found"
    assert [(q.id, q.status) for q in questions()] == [(foreign.id, QuestionStatus.ACTIVE)]
    assert db.session.get(Skill, foreign_skill.id).name == "Foreign"
    assert listed_ids(admin_client, f"?skill_id={foreign_skill.id}&status=") == []
