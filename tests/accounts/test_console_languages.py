"""The console in other languages: its frame, the staff member's own language, the institute's language
and time zone, the refusal of a role and the audit log, read in German, Spanish and Arabic."""
from datetime import datetime, timezone

import pytest
from bs4 import BeautifulSoup

from tests.conftest import log_in
from webapp.accounts import services
from webapp.audit import services as audit
from webapp.audit.models import AuditEntry
from webapp.core.errors import ValidationError
from webapp.core.extensions import db
from webapp.core.permissions import Role


def _soup(response) -> BeautifulSoup:
    return BeautifulSoup(response.get_data(as_text=True), "html.parser")


def _nav_words(soup) -> list[str]:
    return [link.get_text(strip=True) for link in soup.select("header.topbar nav details.nav-menu > ul > li > a")]


def test_the_console_frame_reads_in_german(admin_client):
    soup = _soup(admin_client.get("/?lang=de"))
    assert soup.html["lang"] == "de" and soup.html["dir"] == "ltr"
    words = _nav_words(soup)
    assert {"Fragenbank", "Tests", "Prüfungen", "Protokoll", "Mitarbeitende", "Institut"} <= set(words)
    assert "Question bank" not in words
    menu = soup.select_one("details.user-menu")
    assert menu.select_one("summary small").get_text() == "(Administrator/in)"
    assert [link.get_text(strip=True) for link in menu.select("ul > li > a")[:2]] == ["Einstellungen", "Passwort ändern"]
    assert menu.select_one("button").get_text(strip=True) == "Abmelden"
    assert soup.select_one("h1").get_text(strip=True).startswith("Willkommen, ")


def test_arabic_mirrors_the_console_and_the_menu_needs_no_direction_of_its_own(admin_client):
    soup = _soup(admin_client.get("/staff?lang=ar"))
    assert soup.html["lang"] == "ar" and soup.html["dir"] == "rtl"
    assert "الموظفون" in _nav_words(soup) and soup.select_one("h1").get_text(strip=True) == "الموظفون"
    assert soup.select_one("details.user-menu ul").get("dir") is None
    assert [th.get_text(strip=True) for th in soup.select("table.striped thead th")][:4] == \
        ["الاسم", "البريد الإلكتروني", "الدور", "الحالة"]
    assert soup.select_one("td[data-role=admin]").get_text(strip=True) == "المسؤول"


def test_the_user_menu_switches_the_language_with_links(admin_client):
    switcher = _soup(admin_client.get("/")).select("details.user-menu a[data-language]")
    assert {link["href"]: link.get_text() for link in switcher} == {
        "?lang=en": "English", "?lang=de": "Deutsch", "?lang=es": "Español", "?lang=ar": "العربية"}
    assert _soup(admin_client.get("/?lang=es")).select_one("a[data-language=es]")["aria-current"] == "true"


def test_a_staff_members_own_language_is_stored_and_outranks_a_page_choice(admin_client, admin):
    admin_client.get("/?lang=ar")
    page = _soup(admin_client.get("/account/preferences"))
    assert [option["value"] for option in page.select("select#language option")] == ["", "en", "de", "es", "ar"]
    admin_client.post("/account/preferences", data={"language": "de"})
    assert db.session.get(type(admin), admin.id).language == "de"
    after = _soup(admin_client.get("/"))
    assert after.html["lang"] == "de"
    assert after.select_one(".flash-success") is None or "gespeichert" in after.select_one(".flash-success").text
    admin_client.post("/account/preferences", data={"language": ""})
    assert db.session.get(type(admin), admin.id).language == ""


def test_an_unknown_language_is_refused_by_the_service(admin):
    with pytest.raises(ValidationError) as refused:
        services.set_own_language(admin, "fr")
    assert refused.value.field == "language"


def test_the_institutes_language_and_zone_are_stored_and_applied(admin_client, admin):
    page = _soup(admin_client.get("/institute"))
    zone_input = page.select_one("input#time_zone")
    options = {option["value"] for option in page.select(f"datalist#{zone_input['list']} option")}
    assert {"Europe/Berlin", "America/Mexico_City", "Asia/Riyadh", "UTC"} <= options
    admin_client.post("/institute", data={"name": admin.institute.name, "language": "es",
                                          "time_zone": "America/Mexico_City"})
    institute = db.session.get(type(admin.institute), admin.institute_id)
    assert (institute.language, institute.time_zone) == ("es", "America/Mexico_City")
    assert _soup(admin_client.get("/staff")).html["lang"] == "es"

    # Times on the console's pages are read in the institute's zone: 18:30 UTC is 12:30 in Mexico City.
    db.session.add(AuditEntry(institute_id=admin.institute_id, actor_id=admin.id, actor_name=admin.name,
                              action="exam.create", target_type="exam", target_id=1, target_label="Junio",
                              created_at=datetime(2026, 6, 10, 18, 30, tzinfo=timezone.utc)))
    db.session.commit()
    times = [cell.get_text(strip=True) for cell in _soup(admin_client.get("/audit")).select("tr[data-audit-id] time")]
    assert any("12:30" in text and "jun" in text for text in times)


def test_an_unknown_time_zone_is_refused_with_a_sentence(admin_client, admin):
    page = _soup(admin_client.post("/institute?lang=de", data={"name": admin.institute.name,
                                                                "time_zone": "Mars/Olympus"}))
    assert "Unbekannte Zeitzone „Mars/Olympus“" in page.select_one(".field-error").get_text()
    assert db.session.get(type(admin.institute), admin.institute_id).time_zone == "UTC"


def test_a_refused_role_reads_the_permission_in_a_sentence(client, factory, admin):
    support = factory.staff(admin.institute, Role.SUPPORT)
    log_in(client, support)
    english = _soup(client.get("/messages"))
    assert english.select_one(".error-message").get_text() == \
        "Your role does not allow this: it needs the permission “Manage the institute”."
    german = _soup(client.get("/messages?lang=de"))
    assert german.select_one("h1").get_text() == "Nicht erlaubt"
    assert german.select_one(".error-message").get_text() == \
        "Ihre Rolle erlaubt dies nicht: Dafür ist die Berechtigung „Das Institut verwalten“ nötig."


def test_a_record_not_found_reads_as_a_sentence_in_the_pages_language(admin_client):
    page = _soup(admin_client.get("/staff/999999?lang=es"))
    assert page.select_one(".error-message").get_text() == "Miembro del personal no encontrado."
    assert _soup(admin_client.get("/no-such-page?lang=ar")).select_one(".error-message").get_text() == \
        "الصفحة غير موجودة."


def test_the_audit_log_reads_as_sentences_with_names(admin_client, admin, factory):
    colleague = factory.staff(admin.institute, Role.PROCTOR)
    services.update_staff(admin, colleague.id, name=colleague.name, role="examiner", active=True)
    db.session.commit()
    rows = _soup(admin_client.get("/audit?action=staff.update")).select("tr[data-audit-id] [data-sentence]")
    assert rows[0].get_text() == (f"{admin.name} changed “Role” of {colleague.name} ({colleague.email}) "
                                  "from proctor to examiner.")
    german = _soup(admin_client.get("/audit?action=staff.update&lang=de")).select_one("[data-sentence]")
    assert german.get_text() == (f"{admin.name} hat bei {colleague.name} ({colleague.email}) „Rolle“ "
                                 "von proctor in examiner geändert.")
    assert german.select_one("[data-actor]").get_text() == admin.name
    options = {option["value"]: option.get_text() for option in
               _soup(admin_client.get("/audit?lang=de")).select("select#action option")}
    assert options["staff.update"] == "… hat das Konto von … geändert."


def test_an_action_sentence_names_who_and_what(admin):
    entry = AuditEntry(institute_id=admin.institute_id, actor_name="Ana Ruiz", action="exam.update",
                       target_type="exam", target_id=1, target_label="Placement B2",
                       before={"pass_mark": 60}, after={"pass_mark": 65})
    assert audit.sentence(entry) == "Ana Ruiz changed “Pass mark” of Placement B2 from 60 to 65."
    entry.before, entry.after = {"pass_mark": 60, "name": "B2"}, {"pass_mark": 65, "name": "Placement B2"}
    assert audit.sentence(entry) == "Ana Ruiz changed the exam Placement B2."
    marked = audit.sentence(AuditEntry(actor_name="<b>Eve</b>", action="exam.delete", target_label="X"), marked=True)
    assert str(marked) == '<bdi data-actor>&lt;b&gt;Eve&lt;/b&gt;</bdi> deleted the exam <bdi data-target>X</bdi>.'
