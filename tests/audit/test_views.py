"""The audit log's page and CSV, read with BeautifulSoup: names instead of ids, changes in words,
filters from what is recorded, the old proctoring URL, and a fixed number of statements."""
import codecs

from bs4 import BeautifulSoup

from tests.conftest import PASSWORD, log_in
from tests.proctoring.conftest import started
from webapp.accounts import services as accounts
from webapp.core.extensions import db
from webapp.core.permissions import Role
from webapp.proctoring import services


def _soup(response):
    return BeautifulSoup(response.get_data(as_text=True), "html.parser")


def test_audit_page_and_csv(client, admin, exam, pool_proctor):
    sitting = started(admin, exam)
    services.extend(pool_proctor, sitting.id, 5)
    services.send_message(pool_proctor, sitting.id, "hi")
    db.session.commit()
    log_in(client, admin)
    soup = _soup(client.get("/audit?action=sitting.extend"))
    assert [row["data-action"] for row in soup.select("tr[data-audit-id]")] == ["sitting.extend"]
    response = client.get(f"/audit.csv?actor_id={pool_proctor.id}")
    assert response.mimetype == "text/csv" and response.get_data().startswith(codecs.BOM_UTF8)
    assert len(response.get_data().decode("utf-8-sig").strip().splitlines()) == 3


def test_the_old_proctoring_urls_lead_to_the_audit_log(client, admin):
    log_in(client, admin)
    page = client.get("/proctoring/audit?action=sitting.extend")
    assert page.status_code == 301 and page.headers["Location"] == "/audit?action=sitting.extend"
    assert client.get("/proctoring/audit.csv").headers["Location"] == "/audit.csv"


def test_the_page_shows_names_and_changes_in_words(client, admin, exam, pool_proctor):
    sitting = started(admin, exam)
    services.extend(pool_proctor, sitting.id, 5)
    accounts.update_staff(admin, pool_proctor.id, name="Pat Pool", role="examiner", active=True)
    db.session.commit()
    log_in(client, admin)
    rows = {row["data-action"]: row for row in _soup(client.get("/audit")).select("tr[data-audit-id]")}
    extend, role = rows["sitting.extend"], rows["staff.update"]
    assert extend.select_one("[data-actor]").text == "Pat Pool"
    assert extend.select_one("[data-target]").text == f"{sitting.candidate.name} in {exam.name}"
    assert extend.select_one("[data-sentence]").text == f"Pat Pool gave {sitting.candidate.name} in {exam.name} extra time."
    assert "Extra minutes: 0 -> 5" in [line.text for line in extend.select("[data-changes] div")]
    assert role.select_one("[data-actor]").text == admin.name
    assert role.select_one("[data-target]").text == "Pat Pool (" + pool_proctor.email + ")"
    assert role.select_one("[data-sentence]").text == f"{admin.name} changed “Role” of Pat Pool ({pool_proctor.email}) from proctor to examiner."
    assert [line.text for line in role.select("[data-changes] div")] == ["Role: proctor -> examiner"]
    assert "{" not in role.text


def test_filters_offer_what_is_recorded(client, admin, exam, pool_proctor):
    services.send_message(pool_proctor, started(admin, exam).id, "hi")
    db.session.commit()
    log_in(client, admin)
    soup = _soup(client.get("/audit"))
    assert [o.text for o in soup.select("#actor_id option")] == ["Anyone", admin.name, "Pat Pool"]
    assert "sitting.message" in [o["value"] for o in soup.select("#action option")]
    assert {"sitting", "exam", "assessment", "question"} <= {o["value"] for o in soup.select("#target_type option")}
    assert [row["data-action"] for row in _soup(client.get(f"/audit?actor_id={pool_proctor.id}"))
            .select("tr[data-audit-id]")] == ["sitting.message"]
    assert "Give the date as YYYY-MM-DD." in client.get("/audit?since=tomorrow", follow_redirects=True).get_data(
        as_text=True)


def test_who_sees_the_page(client, factory, admin, exam, pool_proctor):
    services.send_message(pool_proctor, started(admin, exam).id, "hi")
    db.session.commit()
    for role, actions in ((Role.EXAMINER, None), (Role.PROCTOR, ["login.success"]), (Role.SUPPORT, [])):
        client.post("/logout")
        log_in(client, factory.staff(admin.institute, role))
        response = client.get("/audit")
        found = [row["data-action"] for row in _soup(response).select("tr[data-audit-id]")]
        if actions is None:       # an examiner reads everyone's entries
            assert "sitting.message" in found and "exam.create" in found
        else:                     # a proctor only their own; support is refused
            assert found == actions and (response.status_code == 403) == (role == Role.SUPPORT)
    client.post("/logout")
    log_in(client, pool_proctor)
    assert [row["data-action"] for row in _soup(client.get("/audit")).select("tr[data-audit-id]")] == [
        "login.success", "sitting.message"]


def test_the_page_costs_the_same_statements_for_few_or_many_entries(client, admin, exam, pool_proctor, statements):
    sitting = started(admin, exam)

    def page_after(messages):
        for number in range(messages):
            services.send_message(pool_proctor, sitting.id, f"message {number}")
        accounts.authenticate(admin.email, PASSWORD + "typo")
        db.session.commit()
        statements.clear()
        rows = _soup(client.get("/audit")).select("tr[data-audit-id]")
        assert rows
        return len(statements)

    log_in(client, admin)
    assert page_after(1) == page_after(20)
