"""The question bank reads in the staff member's language: German and Arabic pages show their own words
for the page and for the stored values (types, difficulties, statuses), Arabic reads right to left, and a
rule the service enforces comes back beside its field in Spanish."""
import pytest
from bs4 import BeautifulSoup

from webapp.bank import services
from webapp.bank.services import QuestionInput
from webapp.core.extensions import db


def html(response) -> BeautifulSoup:
    assert response.status_code == 200, response.status_code
    return BeautifulSoup(response.get_data(as_text=True), "html.parser")


def text(element) -> str:
    return " ".join(element.get_text(" ", strip=True).split())


@pytest.fixture
def question(admin):
    skill = services.create_skill(admin, "Grammar")
    created = services.create_question(admin, QuestionInput(
        type="FITB", skill_id=skill.id, difficulty="EASY", cefr_level="A2", stem="<p>We [[1]] home.</p>",
        blanks=[{"accepted": ["went", "walked"]}]))
    db.session.commit()
    return created


def test_the_question_list_in_german(admin_client, question):
    page = html(admin_client.get("/bank/questions?lang=de"))
    assert (page.html["lang"], page.html["dir"]) == ("de", "ltr")
    assert text(page.select_one("main h1")) == "Fragenbank"
    assert [text(th) for th in page.select(".question-table thead th")] == [
        "#", "Frage", "Typ", "Kompetenz", "Schwierigkeit", "Niveau", "Punkte", "Status"]
    row = [text(td) for td in page.select(".question-table tbody td")]
    assert row[2:6] == ["Lückentext", "Grammar", "Leicht", "A2"] and row[7] == "Aktiv"
    assert [text(option) for option in page.select("#type option")][:2] == ["Alle Typen",
                                                                            "Multiple Choice (eine Antwort)"]
    assert page.select_one("form.filters button[type=submit]").get_text(strip=True) == "Suchen"


def test_the_question_page_in_arabic_reads_right_to_left(admin_client, question):
    page = html(admin_client.get(f"/bank/questions/{question.id}?lang=ar"))
    assert (page.html["lang"], page.html["dir"]) == ("ar", "rtl")
    assert text(page.select_one("main h1")).startswith(f"السؤال {question.id}")
    facts = dict(zip([text(dt) for dt in page.select(".question-facts dt")],
                     [text(dd) for dd in page.select(".question-facts dd")]))
    assert facts["النوع"] == "املأ الفراغات" and facts["الصعوبة"] == "سهل"
    assert facts["المصدر"] == "سؤال خاص"
    assert "مفتاح الإجابة" in [text(h2) for h2 in page.select("main h2")]
    assert page.select_one(".question-preview input.blank")["aria-label"] == "الفراغ 1"
    # The matching options in words, joined the Arabic way.
    assert text(page.select_one(".answer-key .matching")).startswith("يتجاهل الأحرف الكبيرة، المسافات الزائدة")


def test_a_rule_broken_on_the_question_form_is_explained_in_spanish(admin_client, question):
    response = admin_client.post("/bank/questions/new?lang=es", data={
        "type": "MCQ", "skill_id": str(question.skill_id), "difficulty": "EASY", "cefr_level": "",
        "stem": "<p>She ___ here.</p>", "marks": "0", "negative_marks": "0",
        "options-0-html": "is", "options-0-correct": "y", "options-1-html": "are"})
    page = html(response)
    assert page.html["lang"] == "es"
    assert text(page.select_one("#marks-error")) == "Los puntos por una respuesta correcta deben ser mayores que 0."
    assert text(page.select_one("label[for=marks]")).startswith("Puntos por una respuesta correcta")
    assert page.select_one("#difficulty option[selected]").get_text(strip=True) == "Fácil"


def test_a_flash_after_saving_is_in_the_page_language(admin_client, question):
    response = admin_client.post(f"/bank/questions/{question.id}/retire?lang=de", follow_redirects=True)
    page = html(response)
    assert f"Frage {question.id} ist zurückgezogen: Kein neuer Test kann sie verwenden." in \
        [text(flash) for flash in page.select(".flash-success")]
    assert text(page.select_one("main h1 .badge")) == "Zurückgezogen"
