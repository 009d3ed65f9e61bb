"""Registering learning platforms: the console's Settings page and the command line, the tool's keys and
JWKS, and the frame-ancestors of the LTI pages."""
from __future__ import annotations

import json
from datetime import timedelta

import jwt
from bs4 import BeautifulSoup
from sqlalchemy import select

from tests.conftest import log_in
from webapp.audit.models import AuditEntry
from webapp.core import clock
from webapp.core.extensions import db
from webapp.lti import keys, services
from webapp.lti.models import LtiPlatform, LtiToolKey, LtiUsedNonce
from webapp.lti.platforms import PlatformInput, add_platform
from webapp.notifications.worker import run_worker

FORM = {"name": "Campus Moodle", "issuer": "https://moodle.example.edu", "client_id": "abc123",
        "deployment_ids": "1\n2\n1", "auth_login_url": "https://moodle.example.edu/mod/lti/auth.php",
        "jwks_url": "https://moodle.example.edu/mod/lti/certs.php",
        "token_url": "https://moodle.example.edu/mod/lti/token.php"}


def test_an_admin_registers_a_platform_and_reads_the_urls_to_enter(admin_client, admin):
    page = BeautifulSoup(admin_client.get("/settings/lti").get_data(as_text=True), "html.parser")
    urls = {code["data-url"]: code.get_text() for code in page.select("[data-tool-urls] code")}
    assert urls == {"login_initiation_url": "http://proctora.localhost/lti/login",
                    "redirect_url": "http://proctora.localhost/lti/launch",
                    "jwks_url": "http://proctora.localhost/lti/jwks",
                    "deep_linking_url": "http://proctora.localhost/lti/launch"}

    response = admin_client.post("/settings/lti", data=FORM)
    assert response.status_code == 302
    platform = db.session.scalar(select(LtiPlatform))
    assert (platform.institute_id, platform.issuer, platform.client_id, platform.deployment_ids) == (
        admin.institute_id, "https://moodle.example.edu", "abc123", ["1", "2"])
    listed = BeautifulSoup(admin_client.get("/settings/lti").get_data(as_text=True), "html.parser")
    assert "Campus Moodle" in listed.select_one(f"[data-platform='{platform.id}']").get_text()

    again = admin_client.post("/settings/lti", data=FORM)
    assert again.status_code == 422
    assert "registered already" in again.get_data(as_text=True)

    assert admin_client.post(f"/settings/lti/{platform.id}/remove").status_code == 302
    assert db.session.scalar(select(LtiPlatform)) is None
    actions = list(db.session.scalars(select(AuditEntry.action).where(AuditEntry.target_type == "lti_platform")))
    assert actions == ["lti_platform.add", "lti_platform.remove"]


def test_registration_refuses_what_is_missing_or_not_an_address(admin_client):
    response = admin_client.post("/settings/lti", data={**FORM, "jwks_url": "ftp://x", "deployment_ids": ""})
    page = BeautifulSoup(response.get_data(as_text=True), "html.parser")
    assert response.status_code == 422 and "deployment ID" in page.get_text()
    assert db.session.scalar(select(LtiPlatform)) is None


def test_only_an_admin_manages_platforms(client, admin, factory):
    examiner = factory.staff(admin.institute, "examiner")
    log_in(client, examiner)
    assert client.get("/settings/lti").status_code == 403


def test_another_institutes_platform_is_not_found(admin_client, factory):
    _, rival = factory.institute("Rival")
    theirs = add_platform(rival, PlatformInput(name="Theirs", issuer="https://lms.rival.example", client_id="r",
                                               auth_login_url="https://lms.rival.example/auth",
                                               jwks_url="https://lms.rival.example/jwks", deployment_ids=("1",)))
    db.session.commit()
    assert admin_client.post(f"/settings/lti/{theirs.id}/remove").status_code == 404
    assert db.session.get(LtiPlatform, theirs.id) is not None
    assert "Theirs" not in admin_client.get("/settings/lti").get_data(as_text=True)


def test_the_command_line_adds_lists_and_removes_platforms(app, admin):
    runner = app.test_cli_runner()
    added = runner.invoke(args=[
        "lti-platforms", "add", "--institute", "Acme Languages", "--name", "Canvas", "--issuer",
        "https://canvas.instructure.com", "--client-id", "10000000000001", "--deployment-id", "7:abc",
        "--auth-login-url", "https://sso.canvaslms.com/api/lti/authorize_redirect",
        "--jwks-url", "https://sso.canvaslms.com/api/lti/security/jwks",
        "--token-url", "https://sso.canvaslms.com/login/oauth2/token"])
    assert added.exit_code == 0, added.output
    platform = json.loads(added.output)
    assert platform["deployment_ids"] == ["7:abc"] and platform["client_id"] == "10000000000001"
    assert platform["tool"]["jwks_url"] == "http://proctora.localhost/lti/jwks"

    listed = json.loads(runner.invoke(args=["lti-platforms", "list", "--institute", "Acme Languages"]).output)
    assert [entry["name"] for entry in listed] == ["Canvas"]

    taken = runner.invoke(args=[
        "lti-platforms", "add", "--institute", "Acme Languages", "--issuer", "https://canvas.instructure.com",
        "--client-id", "10000000000001", "--deployment-id", "1", "--auth-login-url", "https://a.example/x",
        "--jwks-url", "https://a.example/j"])
    assert taken.exit_code == 1 and "registered already" in taken.output

    removed = runner.invoke(args=["lti-platforms", "remove", "--institute", "Acme Languages", str(platform["id"])])
    assert removed.exit_code == 0 and json.loads(removed.output)["id"] == platform["id"]
    assert json.loads(runner.invoke(args=["lti-platforms", "list", "--institute", "Acme Languages"]).output) == []
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "lti_platform.remove"))
    assert entry.actor_name == "command line"


def test_keys_are_made_once_rotated_by_command_and_retired_ones_stay_published(app, client):
    first = client.get("/lti/jwks").get_json()["keys"]
    assert len(first) == 1 and first[0]["kty"] == "RSA" and first[0]["alg"] == "RS256" and "d" not in first[0]
    assert client.get("/lti/jwks").get_json()["keys"] == first
    stored = db.session.scalar(select(LtiToolKey))
    assert "PRIVATE KEY" not in stored.private_key_encrypted        # encrypted at rest

    rotated = app.test_cli_runner().invoke(args=["lti-keys", "rotate"])
    assert rotated.exit_code == 0, rotated.output
    answer = json.loads(rotated.output)
    assert answer["retired"] == [first[0]["kid"]]
    published = client.get("/lti/jwks").get_json()["keys"]
    assert [key["kid"] for key in published] == [answer["kid"], first[0]["kid"]]

    # What the tool signs now verifies with the published key of its kid.
    token = keys.sign({"hello": "platform"})
    assert jwt.get_unverified_header(token)["kid"] == answer["kid"]
    key = jwt.PyJWK(published[0]).key
    assert jwt.decode(token, key, algorithms=["RS256"]) == {"hello": "platform"}


def test_only_lti_pages_may_be_framed_and_only_by_registered_platforms(client, admin_client):
    admin_client.post("/settings/lti", data=FORM)
    refused = client.get("/lti/login", query_string={"iss": "https://unknown.example"})
    assert "frame-ancestors https://moodle.example.edu" in refused.headers["Content-Security-Policy"]
    assert "X-Frame-Options" not in refused.headers
    console = admin_client.get("/settings/lti")
    assert "frame-ancestors 'none'" in console.headers["Content-Security-Policy"]
    assert console.headers["X-Frame-Options"] == "DENY"


def test_the_worker_forgets_used_nonces_after_an_hour(app):
    now = clock.utcnow()
    db.session.add_all([LtiUsedNonce(nonce="old", used_at=now - timedelta(hours=1, seconds=1)),
                        LtiUsedNonce(nonce="recent", used_at=now - timedelta(minutes=59))])
    db.session.commit()
    services._last_purged = None
    run_worker(once=True)
    assert list(db.session.scalars(select(LtiUsedNonce.nonce))) == ["recent"]
