"""QTI drafts are questions the bank accepts, and the bank's own questions go out and come back the same."""
from __future__ import annotations

from pathlib import Path

from webapp.bank import services
from webapp.bank.formats import qti, qti_export
from webapp.bank.sanitize import plain_text
from webapp.bank.services import QuestionInput
from webapp.core.extensions import db

FIXTURES = Path(__file__).parents[2] / "fixtures" / "qti"
# The types the bank held before issue 16; the newer ones are checked by their own helpers' services.
SETTLED_TYPES = {"MCQ", "MCA", "SHORT_ANSWER", "LONG_ANSWER"}


def _drafts():
    bank = qti.parse("WebDeveloperTest1.zip", (FIXTURES / "WebDeveloperTest1.zip").read_bytes())
    for name in ("choice.xml", "choice_multiple.xml", "extended_text.xml", "text_entry.xml", "feedback.xml"):
        bank.items += qti.parse(name, (FIXTURES / "ims" / name).read_bytes()).items
    # Pictures wait for the import pipeline, which stores them and rewrites their src.
    return [draft for draft in bank.items if draft.fields.get("type") in SETTLED_TYPES | {"FITB"}
            and "<img" not in draft.fields["stem"] and not any(blank.get("choices") for blank in draft.fields.get("blanks", []))]


def test_drafts_are_valid_questions_and_come_back_from_an_export_the_same(admin):
    skill = services.create_skill(admin, "Web")
    drafts = _drafts()
    assert len(drafts) >= 9
    stored = [services.add_question(admin.institute_id, QuestionInput(skill_id=skill.id, **draft.fields))
              for draft in drafts]
    db.session.commit()
    data, _extension = qti_export.write(stored, lambda url: None, "Web test")
    again = qti.parse("export.zip", data)
    assert again.problems == []

    def shape(type_, stem, options, blanks, accepted, marks, partial):
        return (type_, plain_text(stem), [(option["html"], bool(option.get("correct"))) for option in options],
                [blank["accepted"] for blank in blanks], accepted, marks, partial)

    assert [shape(question.type.value, question.stem, question.options, question.blanks, question.accepted_answers,
                  question.marks, question.partial_credit) for question in stored] == [
        shape(draft.fields["type"], draft.fields["stem"], draft.fields.get("options", []),
              draft.fields.get("blanks", []), draft.fields.get("accepted_answers", []), draft.fields["marks"],
              draft.fields.get("partial_credit", False)) for draft in again.items]
    assert [section for section, _refs in again.tests[0].sections] == ["Web"]
