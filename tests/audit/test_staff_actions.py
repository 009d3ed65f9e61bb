"""The staff actions the audit log records besides the admin actions of test_services.py, each done
through its front door (console page, command line; the API's in tests/api/test_audit.py) and read back
on /audit: names, never ids."""
import io
import json

from bs4 import BeautifulSoup
from sqlalchemy import select

from tests.api.conftest import PNG
from tests.conftest import PASSWORD, log_in
from webapp.accounts import services as accounts
from webapp.accounts.models import ApiCredential
from webapp.bank.models import Skill
from webapp.core.extensions import db


def _text(row, selector) -> str:
    """A name the entry's sentence marks up; "" when its sentence has none (the target is the actor)."""
    found = row.select_one(selector)
    return found.text if found else ""


def audit_rows(client, action) -> list:
    """The entries of one action on the page, newest first, as the reader sees them."""
    page = BeautifulSoup(client.get(f"/audit?action={action}").get_data(as_text=True), "html.parser")
    return [{"actor": _text(row, "[data-actor]"), "target": _text(row, "[data-target]"),
             "changes": [line.text for line in row.select("[data-changes] div")]}
            for row in page.select("tr[data-audit-id]")]


def test_the_logo_from_the_console(admin_client, admin):
    admin_client.post("/institute", data={"name": admin.institute.name, "logo": (io.BytesIO(PNG), "logo.png")},
                      content_type="multipart/form-data")
    assert audit_rows(admin_client, "institute.logo") == [{
        "actor": admin.name, "target": f"{admin.institute.name}",
        "changes": [f"Logo: none -> image/png, {len(PNG)} bytes"]}]


def test_a_staff_member_setting_their_password(client, admin):
    user = accounts.invite_staff(admin, email="pat@example.com", name="Pat Proctor", role="proctor")
    db.session.commit()
    link = accounts.set_password_url(user).removeprefix("http://proctora.localhost")
    client.post(link, data={"new_password": "pats-password-1", "confirmation": "pats-password-1"})
    log_in(client, admin)
    assert audit_rows(client, "password.set") == [{"actor": "Pat Proctor", "target": "",
                                             "changes": []}]
    assert "pats-password-1" not in client.get("/audit.csv").get_data(as_text=True)


def test_changing_ones_password(client, admin):
    log_in(client, admin)
    client.post("/account/password", data={"current_password": PASSWORD, "new_password": "a-new-password-2",
                                           "confirmation": "a-new-password-2"})
    assert [row["actor"] for row in audit_rows(client, "password.change")] == [admin.name]


def test_skills_added_and_renamed(admin_client, admin):
    admin_client.post("/bank/skills/new", data={"new-name": "Listening", "new-description": "Audio"})
    skill_id = db.session.scalar(select(Skill.id).where(Skill.name == "Listening"))
    admin_client.post(f"/bank/skills/{skill_id}", data={f"skill-{skill_id}-name": "Listening B1",
                                                         f"skill-{skill_id}-description": "Audio"})
    assert audit_rows(admin_client, "skill.create") == [{"actor": admin.name, "target": "Listening",
                                                    "changes": ["Name: Listening", "Description: Audio"]}]
    assert audit_rows(admin_client, "skill.update") == [{"actor": admin.name, "target": "Listening B1",
                                                    "changes": ["Name: Listening -> Listening B1"]}]


def test_proctors_put_in_and_taken_out_of_an_exams_pool(admin_client, admin, factory):
    exam = factory.exam(admin, name="June finals")
    pat, rita = (factory.staff(admin.institute, "proctor", name=name) for name in ("Pat Proctor", "Rita Watch"))
    for chosen in ([pat, rita], [rita], [rita]):
        admin_client.post(f"/exams/{exam.id}/proctors", data={"proctors": [str(user.id) for user in chosen]})
    assert audit_rows(admin_client, "exam.proctor_pool") == [
        {"actor": admin.name, "target": "June finals",
         "changes": ["Proctors: Pat Proctor, Rita Watch -> Rita Watch"]},
        {"actor": admin.name, "target": "June finals", "changes": ["Proctors: none -> Pat Proctor, Rita Watch"]}]


def test_api_credentials_from_the_command_line(app, admin_client, admin):
    runner = app.test_cli_runner()
    created = runner.invoke(args=["api-credentials", "create", "--institute", admin.institute.name,
                                  "--role", "support", "--name", "CRM"])
    access_key = json.loads(created.output)["ak"]
    runner.invoke(args=["api-credentials", "revoke", access_key])
    runner.invoke(args=["api-credentials", "revoke", access_key])      # already revoked: nothing more
    assert audit_rows(admin_client, "api_credential.issue") == [{
        "actor": "Command line", "target": f"CRM ({access_key})",
        "changes": ["Name: CRM", "Role: support"]}]
    assert audit_rows(admin_client, "api_credential.revoke") == [{
        "actor": "Command line", "target": f"CRM ({access_key})", "changes": ["Revoked: no -> yes"]}]
    assert db.session.query(ApiCredential).count() == 1
