"""The console's question form for the typed item types: a number with tolerance and units, a cloze whose
blanks are typed or chosen from a list with partial credit, and a file as the answer; each created through the
form, shown on its page, and edited back unchanged."""
import pytest

from tests.bank.helpers import FORGIVING
from tests.bank.test_views import form_data, html, questions, skill  # noqa: F401 (a fixture)
from tests.sittings.test_typed_items import typed_paper  # noqa: F401 (a fixture)

CREATED = {
    "NUMERIC": (
        {"stem": "<p>Acceleration of gravity?</p>", "accepted_answers": "9,81", "tolerance": "0.05",
         "units": "m/s2\r\ncm/s2 = 0,01", "unit_required": "y"},
        {"accepted_answers": ["9,81"], "units": [{"unit": "m/s2", "factor": 1}, {"unit": "cm/s2", "factor": 0.01}],
         "matching": {"tolerance": "0.05", "tolerance_percent": False, "unit_required": True}},
        ["Accepted: 9.81 m/s2, within ±0.05; units: m/s2 (× 1), cm/s2 (× 0.01); a unit is required"],
    ),
    "FITB": (
        {"stem": "<p>I [[1]] home and [[2]] tea.</p>", "blanks-0-accepted": "went",
         "blanks-0-choices": "go, went, gone", "blanks-1-accepted": "drank", "partial_credit": "y"},
        {"blanks": [{"accepted": ["went"], **FORGIVING, "choices": ["go", "went", "gone"]},
                    {"accepted": ["drank"], **FORGIVING}], "partial_credit": True},
        ["Partial credit: marks in proportion to the blanks right."],
    ),
    "FU": (
        {"stem": "<p>Send your essay.</p>", "answer_file": ["pdf", "document"], "answer_file_max_mb": "5"},
        {"answer_file": {"kinds": ["pdf", "document"], "max_mb": 5}},
        ["A file: PDF, office document (Word, Excel, PowerPoint, OpenDocument), at most 5 MB. Graded by hand."],
    ),
}


@pytest.mark.parametrize("qtype", list(CREATED))
def test_each_typed_type_is_created_shown_and_edited_back(admin_client, skill, qtype):  # noqa: F811
    posted, expected, shown = CREATED[qtype]
    response = admin_client.post("/bank/questions/new", data=form_data(skill, type=qtype, **posted))
    [question] = questions()
    assert response.headers["Location"] == f"/bank/questions/{question.id}"
    for column, value in expected.items():
        assert getattr(question, column) == value, column
    page = html(admin_client.get(response.headers["Location"]))
    key = page.select_one(".answer-key").get_text(" ", strip=True)
    assert all(text in key for text in shown), key

    # The edit form holds the stored question; posting it back as it is changes nothing.
    edit = html(admin_client.get(f"/bank/questions/{question.id}/edit"))
    form = edit.select_one("#type-fields").find_parent("form")
    data = {}
    for field in form.select("input[name], textarea[name], select[name]"):
        name = field["name"]
        if field.name == "textarea":
            data[name] = field.text
        elif field.name == "select":
            chosen = field.select_one("option[selected]") or field.select_one("option")
            data[name] = chosen["value"] if chosen else ""
        elif field.get("type") == "checkbox":
            if field.has_attr("checked"):
                data.setdefault(name, []).append(field.get("value", "y"))
        else:
            data[name] = field.get("value", "")
    response = admin_client.post(f"/bank/questions/{question.id}/edit", data=data)
    assert response.status_code == 302, html(response).select(".field-error")
    [saved] = questions()
    for column, value in expected.items():
        assert getattr(saved, column) == value, column


def test_the_cloze_preview_shows_the_list_to_choose_from(admin_client, skill):  # noqa: F811
    posted, __, __ = CREATED["FITB"]
    response = admin_client.post("/bank/questions/new", data=form_data(skill, type="FITB", **posted))
    page = html(admin_client.get(response.headers["Location"]))
    listed = page.select_one(".question-preview select[aria-label='Blank 1']")
    assert [option.text for option in listed.select("option")] == ["(choose)", "go", "went", "gone"]
    assert page.select_one(".question-preview input[aria-label='Blank 2']") is not None


def test_the_preview_shows_the_typed_types_and_their_keys(admin_client, typed_paper):
    assessment_id = typed_paper.assessment_id
    numeric, cloze, upload = html(admin_client.get(f"/assessments/{assessment_id}/preview")).select(
        "article.paper-question")
    assert numeric.select_one("input[type=text]").has_attr("disabled")
    assert [option.text for option in cloze.select("select.blank option")] == ["(choose)", "go", "went", "gone"]
    assert cloze.select_one("input.blank") is not None
    assert upload.get_text(" ", strip=True).endswith("A file: PDF, image, office document (Word, Excel, PowerPoint, "
                                                     "OpenDocument), at most 1 MB.")
    numeric, cloze, upload = html(admin_client.get(f"/assessments/{assessment_id}/preview?key=1")).select(
        "article.paper-question")
    assert numeric.select_one(".answer-key p").get_text(" ", strip=True) == (
        "Key: 9.81 m/s2, within ±0.05; units: m/s2 (× 1), cm/s2 (× 0.01); without a unit, the first one")
    assert upload.select_one(".answer-key p").get_text(" ", strip=True) == "Key: graded by hand"
