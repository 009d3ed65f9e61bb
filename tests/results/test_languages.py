"""The results, a sitting's result and the grading queue read in German and Arabic: headings, states,
finish modes and dates in the reader's language, the export's headings too."""
from __future__ import annotations

import csv
import io

from bs4 import BeautifulSoup

from tests.conftest import log_in
from tests.http_receiver import receiver  # noqa: F401
from tests.results.test_grading import _finished, essay_exam  # noqa: F401
from tests.results.test_results_services import standard, take
from webapp.core.extensions import db


def html(response) -> BeautifulSoup:
    return BeautifulSoup(response.get_data(as_text=True), "html.parser")


def test_the_results_page_in_german(admin_client, admin, factory):
    exam = factory.exam(admin, standard(admin), name="Frühjahr")
    sitting = take(admin, exam, "cy@example.com", first_name="Cy", right=3, minutes=25)
    soup = html(admin_client.get(f"/exams/{exam.id}/results?lang=de"))
    assert soup.html["lang"] == "de"
    assert soup.select_one("h1").get_text(strip=True) == "Ergebnisse von Frühjahr"
    headings = [th.get_text(" ", strip=True) for th in soup.select("table.result-table thead th")]
    assert headings[:4] == ["Kandidat/in", "Bewertung", "Freigegeben", "Beendet"]
    row = soup.select_one(f"tr[data-sitting-id='{sitting.id}']")
    assert row.select_one("[data-field=grading]").get_text(strip=True) == "bewertet"
    assert row.select_one("[data-field=time]").get_text(strip=True) == "25 Min. 0 Sek."
    assert row.select_one("[data-field=finished]").get_text(strip=True).endswith("UTC")
    assert [th.get_text(strip=True) for th in soup.select(".distribution-table thead th")] == ["Prozent", "Teilnahmen"]


def test_a_sitting_result_in_arabic_names_how_the_test_ended(client, admin, factory):
    exam = factory.exam(admin, standard(admin), name="Spring")
    sitting = take(admin, exam, "cy@example.com", first_name="Cy", right=2)
    log_in(client, admin)
    soup = html(client.get(f"/sittings/{sitting.id}/result?lang=ar"))
    assert (soup.html["lang"], soup.html["dir"]) == ("ar", "rtl")
    terms = [dt.get_text(strip=True) for dt in soup.select("section.result-facts dt")]
    assert terms[:3] == ["المرشح", "الامتحان", "الحالة"]
    taken = soup.select_one("[data-field=taken]").get_text(" ", strip=True)
    assert taken.endswith("(سلَّمه المرشح)") and "NormalSubmission" not in soup.get_text()
    assert soup.select_one("[data-field=marks]").get_text(strip=True) == "2 من 4"
    assert soup.select_one("#answers h2").get_text(strip=True) == "الإجابات"


def test_the_grading_queue_in_german(client, admin, factory, essay_exam):  # noqa: F811
    _finished(factory, admin, essay_exam, first_name="Abe", last_name="Early")
    log_in(client, admin)
    soup = html(client.get("/grading?lang=de"))
    assert soup.select_one("h1").get_text(strip=True) == "Bewertung"
    assert soup.select_one(".grading-head p").get_text(" ", strip=True) == "2 Antworten warten auf eine Bewertung."
    assert [th.get_text(strip=True) for th in soup.select("table.grading-queue th")][:3] == [
        "Prüfung", "Kandidat/in", "Fragetyp"]
    assert soup.select_one("[data-start]").get_text(strip=True) == "Bewertung beginnen"


def test_the_csv_export_in_german(client, admin, factory):
    exam = factory.exam(admin, standard(admin), name="Spring")
    take(admin, exam, "cy@example.com", right=1)
    log_in(client, admin)
    admin.language = "de"
    db.session.commit()
    data = client.get(f"/exams/{exam.id}/results.csv").get_data().decode("utf-8-sig")
    header, row = list(csv.reader(io.StringIO(data)))
    assert header[:5] == ["Name", "E-Mail", "Benutzername", "Status", "Wie die Prüfung endete"]
    assert row[3:5] == ["bewertet", "Von der Kandidatin / dem Kandidaten abgegeben"]


def test_a_corrections_list_reads_in_the_language_of_the_e_mail_it_goes_into():
    from flask_babel import force_locale

    from webapp.assessments.models import AssessmentKind
    from webapp.results.release import changes

    said = changes({"marks": 60, "max": 100, "passed": False, "certificate": None, "withheld": True},
                   {"marks": 65, "max": 100, "passed": True, "certificate": "ABCD", "level": None,
                    "withheld": False}, AssessmentKind.CERTIFICATION)
    with force_locale("de"):
        german = [str(line) for line in said]
    with force_locale("en"):
        english = [str(line) for line in said]
    assert german[0] == "Ergebnis: nicht mehr zurückgehalten" and "Ergebnis: nicht bestanden -> bestanden" in german
    assert english[0] == "Result: no longer withheld" and "Certificate issued: ABCD" in english
