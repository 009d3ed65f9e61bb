"""API credentials: issued (secrets shown once) and revoked on the CLI and in the console, which also
shows when each was last used; only administrators manage them."""
import json

import pytest
from bs4 import BeautifulSoup
from sqlalchemy import select

from tests.api.conftest import Credential, MettlClient, make_credential
from tests.conftest import log_in
from webapp.accounts.credentials import create_credential, issue_credential, list_credentials, revoke_credential
from webapp.accounts.models import ApiCredential
from webapp.core.errors import NotFound, PermissionDenied, ValidationError
from webapp.core.extensions import db
from webapp.core.permissions import Role
from webapp.core.secrets_box import decrypt


def test_the_secrets_are_kept_encrypted_or_hashed(admin):
    credential, issued = create_credential(admin, role="support", name="Help desk")
    db.session.commit()
    assert credential.role == Role.SUPPORT and credential.access_key == issued.access_key
    assert issued.private_key not in credential.private_key_encrypted
    assert decrypt(credential.private_key_encrypted) == issued.private_key
    assert issued.euro_token not in credential.euro_token_hash and len(credential.euro_token_hash) == 64
    assert list_credentials(admin) == [credential]


def test_only_admin_and_support_credentials_are_issued_and_only_by_admins(admin, factory):
    with pytest.raises(ValidationError):
        issue_credential(admin.institute_id, role="examiner")
    examiner = factory.staff(admin.institute, "examiner")
    with pytest.raises(PermissionDenied):
        create_credential(examiner, role="admin")
    rival_admin = factory.institute("Rival Academy")[1]
    credential, _ = issue_credential(admin.institute_id)
    db.session.commit()
    with pytest.raises(NotFound):
        revoke_credential(rival_admin, credential.id)


def test_the_cli_creates_lists_and_revokes(app, admin):
    runner = app.test_cli_runner()
    created = runner.invoke(args=["api-credentials", "create", "--institute", "acme languages", "--role", "support",
                                  "--name", "Reports"])
    assert created.exit_code == 0, created.output
    secrets = json.loads(created.output)
    assert set(secrets) == {"institute_id", "ak", "private_key", "euro_token"}
    assert secrets["institute_id"] == admin.institute_id
    listed = json.loads(runner.invoke(args=["api-credentials", "list", "--institute", "Acme Languages"]).output)
    assert [(item["ak"], item["role"], item["name"], item["revoked_at"]) for item in listed] == [
        (secrets["ak"], "support", "Reports", None)]
    assert "private_key" not in listed[0]
    revoked = runner.invoke(args=["api-credentials", "revoke", secrets["ak"]])
    assert revoked.exit_code == 0 and json.loads(revoked.output)["revoked_at"]
    unknown = runner.invoke(args=["api-credentials", "create", "--institute", "Nobody"])
    assert unknown.exit_code == 1 and "not found" in unknown.output
    assert runner.invoke(args=["api-credentials", "revoke", "no-such-ak"]).exit_code == 1


def test_the_console_issues_a_credential_showing_its_secrets_once(admin_client, admin, client, mettl_checker):
    page = admin_client.get("/settings/api")
    assert page.status_code == 200 and "No credentials yet" in page.get_data(as_text=True)
    nav = BeautifulSoup(admin_client.get("/").get_data(as_text=True), "html.parser")
    assert nav.find("a", href="/settings/api").get_text() == "API"
    issued = BeautifulSoup(admin_client.post("/settings/api", data={"name": "Portal", "role": "admin"}).data,
                           "html.parser")
    shown = [code.get_text() for code in issued.select(".issued-secrets dd code")]
    credential = db.session.scalar(select(ApiCredential))
    assert shown[0] == credential.access_key and decrypt(credential.private_key_encrypted) == shown[1]
    assert credential.name == "Portal" and credential.created_by_id == admin.id
    again = admin_client.get("/settings/api").get_data(as_text=True)
    assert shown[1] not in again and shown[2] not in again and "never" in again
    assert MettlClient(client, Credential(admin.institute_id, *shown), mettl_checker).get("/v1/pbts").status_code == 200
    used = BeautifulSoup(admin_client.get("/settings/api").data, "html.parser")
    assert "never" not in used.select_one("tbody tr").get_text()


def test_the_console_revokes_a_credential(admin_client, admin, client, mettl_checker):
    credential = make_credential(admin.institute_id)
    record = db.session.scalar(select(ApiCredential))
    response = admin_client.post(f"/settings/api/{record.id}/revoke")
    assert response.status_code == 302
    page = BeautifulSoup(admin_client.get("/settings/api").data, "html.parser")
    assert "revoked" in page.select_one("tbody tr").get_text()
    assert MettlClient(client, credential, mettl_checker).get("/v1/pbts").status_code == 401


def test_other_staff_and_institutes_cannot_manage_credentials(client, admin, factory):
    credential, _ = issue_credential(admin.institute_id)
    db.session.commit()
    log_in(client, factory.staff(admin.institute, "examiner"))
    assert client.get("/settings/api").status_code == 403
    assert client.post("/settings/api", data={"name": "x", "role": "admin"}).status_code == 403
    client.post("/logout")
    log_in(client, factory.institute("Rival Academy")[1])
    assert client.post(f"/settings/api/{credential.id}/revoke").status_code == 404
    db.session.expire_all()
    assert db.session.get(ApiCredential, credential.id).revoked_at is None


def test_the_api_documentation_page_lists_both_dialects(admin_client):
    page = BeautifulSoup(admin_client.get("/settings/api/docs").data, "html.parser")
    titles = [heading.get_text() for heading in page.select("section.api-dialect h2")]
    assert titles == ["Proctora: Mettl API v1", "Proctora: EURO PRUEFSTER API v1"]
    summaries = [summary.get_text() for summary in page.select("details.api-operation summary")]
    assert any("POST /v1/schedules/{access_key}/candidates" in summary for summary in summaries)
    assert any("GET /api/v1/student_sessions" in summary for summary in summaries)
