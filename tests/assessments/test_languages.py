"""The assessment builder reads in the staff member's language: the page's words, the stored values in plain
words (kind, difficulty, question type), plural forms, and Arabic right to left."""
import pytest
from bs4 import BeautifulSoup

from tests.assessments.conftest import definition, rule, section
from webapp.assessments import services
from webapp.core.extensions import db


def page(response) -> BeautifulSoup:
    assert response.status_code == 200, response.status_code
    return BeautifulSoup(response.get_data(as_text=True), "html.parser")


def text(element) -> str:
    return " ".join(element.get_text(" ", strip=True).split())


def summary(soup) -> dict[str, str]:
    return dict(zip([text(dt) for dt in soup.select("#assessment-summary dt")],
                    [text(dd) for dd in soup.select("#assessment-summary dd")]))


@pytest.fixture
def placement(admin, questions):
    created = services.create_assessment(admin, definition(section("Part 1", rule("Grammar", "EASY", 2)),
                                                           kind="placement"))
    db.session.commit()
    return created


def test_the_builder_in_german(admin_client, placement):
    soup = page(admin_client.get(f"/assessments/{placement.id}?lang=de"))
    assert (soup.html["lang"], soup.html["dir"]) == ("de", "ltr")
    facts = summary(soup)
    assert facts["Art"] == "Einstufungstest"
    assert facts["Fragen"] == "2 in 1 Abschnitt"
    assert facts["Niveaus"].startswith("Pre-A1 ab 60 %, A1 ab 60 %")
    assert "dürfen nicht kopieren und einfügen" in facts["Kandidat/innen"]
    assert [text(th) for th in soup.select("table.rules thead th")][:4] == ["Kompetenz", "Schwierigkeit", "Typ",
                                                                            "Niveau"]
    assert [text(td) for td in soup.select("table.rules tbody td")][:4] == ["Grammar", "Leicht", "Alle Typen",
                                                                            "Beliebiges Niveau"]
    assert text(soup.select_one("[data-thin-bands]")).startswith("Zu wenige Aufgaben für eine verlässliche Einstufung:")
    assert "A1 hat 0 Aufgaben" in text(soup.select_one("[data-thin-bands]"))


def test_the_list_and_the_preview_in_arabic_read_right_to_left(admin_client, placement):
    soup = page(admin_client.get("/assessments?lang=ar"))
    assert (soup.html["lang"], soup.html["dir"]) == ("ar", "rtl")
    assert text(soup.select_one("main h1")) == "الاختبارات"
    assert text(soup.select_one("tbody .badge")) == "اختبار تحديد المستوى"
    # Arabic's dual: two questions are "سؤالان", with no number.
    preview = page(admin_client.get(f"/assessments/{placement.id}/preview?seed=7"))
    assert preview.html["dir"] == "rtl"
    assert "سؤالان." in text(preview.select_one(".paper-section p.muted"))


def test_a_builder_rule_broken_is_explained_in_spanish(admin_client, placement):
    part = placement.sections[0]
    soup = page(admin_client.post(f"/assessments/{placement.id}/sections/{part.id}/rules?lang=es", data={
        f"rule-{part.id}-{name}": value for name, value in {
            "skill": "Grammar", "difficulty": "MEDIUM", "question_type": "", "cefr_level": "",
            "question_count": "0", "correct_grade": "1", "incorrect_grade": "0"}.items()}))
    assert soup.html["lang"] == "es"
    errors = [text(error) for error in soup.select(".field-error")]
    assert "E789: Valor no válido: el número de preguntas de Part 1 Grammar MEDIUM AllType debe ser al menos 1." \
        in errors
