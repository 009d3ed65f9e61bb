"""The candidate's pages speak the candidate's language: the exam's, else its institute's, unless the
candidate chose another on the page (then remembered on the candidate, for their later pages and e-mails).
Arabic pages read right to left; the scripts get their texts from the page, in its language."""
import json
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select

from tests.candidate.helpers import page, register, start
from webapp.assessments.services import FieldInput, set_registration_fields
from webapp.candidates.models import Candidate
from webapp.core.extensions import db


def _link(sitting) -> str:
    return f"/s/{sitting.access_token}"


def _language_of(soup) -> tuple[str, str]:
    return soup.html["lang"], soup.html["dir"]


def test_the_exams_language_wins_over_the_institutes_and_the_browsers(client, sitting):
    sitting.exam.language = "de"
    sitting.exam.institute.language = "es"
    db.session.commit()
    soup = page(client.get(_link(sitting), headers={"Accept-Language": "en"}))
    assert _language_of(soup) == ("de", "ltr")
    assert soup.h1.get_text() == "Vor dem Test: eine kurze Überprüfung"
    assert soup.select_one("[data-continue]").get_text() == "Weiter"


def test_without_an_exam_language_the_institutes(client, sitting):
    sitting.exam.institute.language = "es"
    db.session.commit()
    soup = page(client.get(_link(sitting), headers={"Accept-Language": "de"}))
    assert _language_of(soup) == ("es", "ltr")
    assert soup.h1.get_text() == "Antes de la prueba: una comprobación rápida"


def test_a_language_chosen_on_the_page_is_kept_on_the_candidate(app, client, sitting):
    sitting.exam.language = "de"
    db.session.commit()
    soup = page(client.get(f"{_link(sitting)}?lang=ar"))
    assert _language_of(soup) == ("ar", "rtl")
    assert soup.h1.get_text() == "قبل الاختبار: فحص سريع"
    db.session.refresh(sitting.candidate)
    assert sitting.candidate.language == "ar"
    # Another browser (no session) still finds the candidate's choice; an unknown code changes nothing.
    with app.test_client() as elsewhere:
        assert _language_of(page(elsewhere.get(_link(sitting)))) == ("ar", "rtl")
        page(elsewhere.get(f"{_link(sitting)}?lang=xx"))
    db.session.refresh(sitting.candidate)
    assert sitting.candidate.language == "ar"


def test_every_candidate_page_offers_the_four_languages(client, sitting):
    sitting.exam.language = "es"
    db.session.commit()
    switcher = page(client.get(_link(sitting))).select_one("nav[data-languages]")
    links = {link["hreflang"]: link for link in switcher.select("a")}
    assert {code: link.get_text() for code, link in links.items()} == \
        {"en": "English", "de": "Deutsch", "es": "Español", "ar": "العربية"}
    assert all(link["lang"] == code and link["href"] == f"{_link(sitting)}?lang={code}" for code, link in links.items())
    assert [code for code, link in links.items() if link.has_attr("aria-current")] == ["es"]
    assert switcher["aria-label"] == "Idioma"


def test_the_exam_page_hands_its_scripts_their_texts_in_its_language(client, sitting):
    sitting.exam.language = "ar"
    db.session.commit()
    start(sitting)
    soup = page(client.get(_link(sitting)))
    assert _language_of(soup) == ("ar", "rtl")
    messages = json.loads(soup.select_one("[data-exam]")["data-messages"])
    assert messages["allSaved"] == "تم حفظ جميع الإجابات"
    # Arabic's plural categories, named as the browser's Intl.PluralRules names them.
    assert set(messages["minutesLeft"]) == {"zero", "one", "two", "few", "many", "other"}
    assert messages["minutesLeft"]["few"] == "تبقّت %(num)d دقائق."
    # Question content keeps its own direction; the calculator's digits read left to right.
    assert all(stem["dir"] == "auto" for stem in soup.select(".question .stem"))
    assert soup.select_one(".question h2").get_text(" ", strip=True).startswith("السؤال 1")


def test_the_scripts_texts_in_english_have_the_english_plurals(client, sitting):
    start(sitting)
    messages = json.loads(page(client.get(_link(sitting))).select_one("[data-exam]")["data-messages"])
    assert messages["minutesLeft"] == {"one": "%(num)d minute left.", "other": "%(num)d minutes left."}
    assert messages["notSaved"] == "Not saved: %(reason)s"


def test_a_problem_page_reads_in_the_exams_language(client, admin, make_exam):
    exam = make_exam(access_type="ByInvitation")
    exam.language = "de"
    db.session.commit()
    soup = page(client.get(f"/t/{exam.access_key}"))
    assert soup.h1.get_text() == "Bitte verwenden Sie Ihren persönlichen Link"
    assert soup.title.get_text().startswith("Nur auf Einladung")


@pytest.fixture
def open_exam(admin, make_exam):
    exam = make_exam(access_type="OpenForAll")
    set_registration_fields(admin, exam.assessment_id, [
        FieldInput("Email Address", required=True), FieldInput("First Name", required=True),
        FieldInput("Country", required=True)])
    exam.language = "de"
    db.session.commit()
    return exam


def test_a_refused_registration_reads_in_plain_words_of_the_candidates_language(client, open_exam):
    soup = page(client.get(f"/t/{open_exam.access_key}"))
    labels = [" ".join(label.get_text().split()) for label in soup.select("form label")]
    assert labels == ["E-Mail-Adresse *", "Vorname *", "Country *"]   # the institute's own field keeps its name
    names = [field["name"] for field in soup.select("form input[name^=one-field]")]
    response = client.post(f"/t/{open_exam.access_key}", data={names[0]: "", names[1]: "Zoe", names[2]: "France"})
    error = page(response).select_one(".field-error")
    assert error.get_text() == "Bitte füllen Sie „E-Mail-Adresse“ aus."
    assert "Mandatory parameter" not in response.get_data(as_text=True)


def test_a_language_chosen_while_registering_goes_with_the_new_candidate(client, open_exam):
    soup = page(client.get(f"/t/{open_exam.access_key}?lang=es"))
    assert soup.h1 is not None and _language_of(soup) == ("es", "ltr")
    names = [field["name"] for field in soup.select("form input[name^=one-field]")]
    response = client.post(f"/t/{open_exam.access_key}",
                           data={names[0]: "zoe@example.com", names[1]: "Zoe", names[2]: "France"})
    soup = page(client.get(urlsplit(response.headers["Location"]).path))
    assert _language_of(soup) == ("es", "ltr")
    candidate = db.session.scalar(select(Candidate).where(Candidate.email == "zoe@example.com"))
    assert candidate.language == "es"


def test_the_exam_pages_requests_are_answered_in_the_language_the_page_asks_for(client, sitting):
    """The page's scripts send Accept-Language: the page's language (request.js); JSON endpoints load no exam."""
    start(sitting)
    response = client.post(f"/s/{sitting.access_token}/answers", json={"item_id": 1, "answer": None, "version": 1},
                           headers={"Origin": "https://attacker.example", "Accept": "application/json",
                                    "Accept-Language": "de"})
    assert response.status_code == 403
    assert response.json["error"] == {
        "code": "E403", "message": "Diese Anfrage kam nicht von der Seite des Tests und wurde deshalb abgelehnt."}
