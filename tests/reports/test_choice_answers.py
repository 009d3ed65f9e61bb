"""A matching and an ordering item's answer in the console's result page and in staff's PDF: each premise
with the chosen match and the key's, the options in the candidate's order with their right places."""
from __future__ import annotations

import pytest
from bs4 import BeautifulSoup

from webapp.assessments.services import AssessmentInput, SectionInput, create_assessment
from webapp.bank.services import QuestionInput, create_question, create_skill
from webapp.core.extensions import db


@pytest.fixture
def sitting(admin, factory):
    skill = create_skill(admin, "Mixed")
    ids = [create_question(admin, QuestionInput(
        type="MATCHING", skill_id=skill.id, difficulty="EASY", stem="<p>Capitals</p>", marks=2, partial_credit=True,
        options=[{"html": "France", "match": 0}, {"html": "Spain", "match": 1}],
        targets=[{"html": "Paris"}, {"html": "Madrid"}, {"html": "Lyon"}])).id,
        create_question(admin, QuestionInput(
            type="ORDERING", skill_id=skill.id, difficulty="EASY", stem="<p>Smallest first</p>", marks=3,
            options=[{"html": "one"}, {"html": "two"}, {"html": "three"}])).id]
    assessment = create_assessment(admin, AssessmentInput(name="Choices", duration=10, sections=[
        SectionInput(name="All", question_ids=ids)]))
    db.session.commit()
    exam = factory.exam(admin, assessment=assessment)

    def answer(item):
        if item.question_type == "MATCHING":
            targets = {target["html"]: target["id"] for target in item.targets}
            premises = {premise["html"]: premise["id"] for premise in item.premises}
            return {"pairs": {premises["France"]: targets["Paris"], premises["Spain"]: targets["Lyon"]}}
        order = item.key["order"]
        return {"order": [order[1], order[0], order[2]]}
    return factory.finished_sitting(admin, exam, answer=answer)


def test_the_result_page_and_the_pdf_show_pairs_and_places(admin_client, sitting, pdf_text):
    page = BeautifulSoup(admin_client.get(f"/sittings/{sitting.id}/result").get_data(as_text=True), "html.parser")
    matching, ordering = page.select("article.answered-item")
    assert matching.select_one("[data-marks]").get_text(strip=True) == "1 of 2 marks"      # one pair of two
    assert [[cell.get_text(strip=True) for cell in row.select("td")] for row in matching.select("[data-pair]")] == \
        [["France", "Paris", "Paris"], ["Spain", "Lyon", "Madrid"]]
    assert len(matching.select("[data-pair][data-right]")) == 1
    assert ordering.select_one("[data-marks]").get_text(strip=True) == "0 of 3 marks"      # all or nothing
    assert [li.get_text(" ", strip=True) for li in ordering.select("[data-order] li")] == \
        ["two belongs in place 2", "one belongs in place 1", "three"]
    assert [li.get_text(strip=True) for li in ordering.select("[data-key-order] li")] == ["one", "two", "three"]

    text = " ".join(pdf_text(admin_client.get(f"/sittings/{sitting.id}/report.pdf").data).split())
    assert "Spain Lyon Madrid" in text and "two belongs in place 2" in text and "The right order:" in text
