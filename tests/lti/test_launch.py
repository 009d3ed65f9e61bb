"""The login initiation and the launch: every check of the standard, each refusal a clear page with an
audit entry; a learner's launch opening their sitting, an instructor's signing them in."""
from __future__ import annotations

from datetime import timedelta

import pytest
import jwt
from bs4 import BeautifulSoup
from cryptography.hazmat.primitives.asymmetric import rsa
from sqlalchemy import select

from tests.lti.conftest import launch, log_in_from
from tests.lti.key_server import INSTRUCTOR, LEARNER
from webapp.accounts.models import User
from webapp.audit.models import AuditEntry
from webapp.candidates.models import Candidate
from webapp.core import clock
from webapp.core.extensions import db
from webapp.core.permissions import Role
from webapp.lti.models import LtiResourceLink, LtiUsedNonce, LtiUserLink
from webapp.sittings.models import Sitting


@pytest.fixture
def exam(admin, factory):
    return factory.exam(admin, name="French B2 final")


def _refusal(response, status: int, reason: str):
    assert response.status_code == status, response.get_data(as_text=True)
    page = BeautifulSoup(response.get_data(as_text=True), "html.parser")
    assert page.select_one("[data-lti-refused]")["data-lti-refused"] == reason
    return page


def _audited_reasons() -> list[str]:
    return [entry.after["reason"] for entry in db.session.scalars(
        select(AuditEntry).where(AuditEntry.action == "lti.launch_refused").order_by(AuditEntry.id))]


def test_login_initiation_redirects_to_the_platform_with_state_and_nonce_bound_to_a_cookie(client, registration, key_server):
    request = log_in_from(client, key_server)
    assert request["scope"] == "openid" and request["response_type"] == "id_token"
    assert request["response_mode"] == "form_post" and request["prompt"] == "none"
    assert request["client_id"] == key_server.client_id and request["login_hint"] == "hint-1"
    assert request["lti_message_hint"] == "msg-1"
    assert request["redirect_uri"] == "http://proctora.localhost/lti/launch"
    assert request["state"] and request["nonce"] and request["state"] != request["nonce"]
    assert any(cookie.key.startswith("lti_state_") for cookie in client._cookies.values())


def test_login_from_an_unregistered_platform_is_refused(client, registration):
    response = client.get("/lti/login", query_string={"iss": "https://other.example.org", "login_hint": "x",
                                                      "target_link_uri": "http://proctora.localhost/lti/launch"})
    page = _refusal(response, 403, "unknown_platform")
    assert "not registered" in page.get_text()


def test_a_learner_launch_opens_their_sitting_of_the_linked_exam(client, registration, key_server, exam):
    response = launch(client, key_server, custom={"exam": exam.access_key})
    sitting = db.session.scalar(select(Sitting).where(Sitting.exam_id == exam.id))
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/s/{sitting.access_token}")
    candidate = db.session.get(Candidate, sitting.candidate_id)
    assert (candidate.email, candidate.first_name, candidate.last_name) == (
        "learner-1@students.example.edu", "Lea", "Learner")
    assert sitting.registered_by == "lti"
    link = db.session.scalar(select(LtiResourceLink))
    assert (link.resource_link_id, link.context_id, link.exam_id) == ("link-1", "course-1", exam.id)
    assert link.line_item_url == "https://lms.example.edu/api/lti/courses/1/line_items/7"
    assert link.line_items_url == "https://lms.example.edu/api/lti/courses/1/line_items"
    assert link.ags_scopes == ["https://purl.imsglobal.org/spec/lti-ags/scope/score"]
    assert link.memberships_url == "https://lms.example.edu/api/lti/courses/1/names_and_roles"

    # The sitting's page opens without any login, and may be shown inside the platform's page.
    page = client.get(response.headers["Location"])
    assert page.status_code == 200
    # The school's own host, from the launch's signed return URL, besides the issuer's.
    assert ("frame-ancestors https://lms.example.edu https://school.lms-cloud.example"
            in page.headers["Content-Security-Policy"])
    assert "X-Frame-Options" not in page.headers

    # The same learner again: the same candidate and sitting; the link remembers its exam.
    again = launch(client, key_server)
    assert again.headers["Location"] == response.headers["Location"]
    assert db.session.scalar(select(db.func.count(Candidate.id))) == 1


def test_the_exam_may_be_named_by_the_target_link_uri(client, registration, key_server, exam):
    response = launch(client, key_server, **{
        "https://purl.imsglobal.org/spec/lti/claim/target_link_uri":
            f"http://proctora.localhost/lti/launch?exam={exam.access_key}"})
    assert response.status_code == 302 and "/s/" in response.headers["Location"]


def test_a_learner_launch_without_an_exam_says_so(client, registration, key_server):
    _refusal(launch(client, key_server), 404, "no_exam")


def test_an_exam_of_another_institute_is_not_found(client, registration, key_server, factory):
    _, other_admin = factory.institute("Elsewhere")
    other_exam = factory.exam(other_admin)
    _refusal(launch(client, key_server, custom={"exam": other_exam.access_key}), 404, "unknown_exam")
    assert db.session.scalar(select(Sitting).where(Sitting.exam_id == other_exam.id)) is None


def test_an_instructor_launch_signs_in_a_staff_user_and_opens_the_exam(client, registration, key_server, exam, admin):
    response = launch(client, key_server, sub="teacher-9", roles=[INSTRUCTOR], custom={"exam": exam.access_key},
                      email="prof@example.edu", given_name="Pia", family_name="Prof")
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/exams/{exam.id}")
    user = db.session.scalar(select(User).where(User.email == "prof@example.edu"))
    assert (user.institute_id, user.role, user.name, user.password_hash) == (admin.institute_id, Role.EXAMINER,
                                                                            "Pia Prof", "")
    assert db.session.scalar(select(LtiUserLink)).user_id == user.id
    console = client.get(f"/exams/{exam.id}")
    assert console.status_code == 200 and "French B2 final" in console.get_data(as_text=True)


def test_an_instructor_launch_inside_an_iframe_offers_a_one_time_sign_in_in_a_new_window(client, registration, key_server,
                                                                                        exam):
    request = log_in_from(client, key_server)
    token = key_server.id_token(request["nonce"], sub="teacher-9", roles=[INSTRUCTOR], custom={"exam": exam.access_key})
    response = client.post("/lti/launch", data={"id_token": token, "state": request["state"]},
                           headers={"Sec-Fetch-Dest": "iframe"})
    link = BeautifulSoup(response.get_data(as_text=True), "html.parser").select_one("[data-open-console]")
    assert link["target"] == "_blank"
    assert client.get(f"/exams/{exam.id}").status_code == 302          # not signed in inside the iframe
    assert client.get(link["href"]).headers["Location"].endswith(f"/exams/{exam.id}")
    assert client.get(f"/exams/{exam.id}").status_code == 200
    client.post("/logout")
    _refusal(client.get(link["href"]), 403, "sign_in_expired")       # once only


@pytest.mark.parametrize("lti_role, role", [
    ("http://purl.imsglobal.org/vocab/lis/v2/institution/person#Administrator", Role.ADMIN),
    ("http://purl.imsglobal.org/vocab/lis/v2/membership/Instructor#TeachingAssistant", Role.PROCTOR),
])
def test_staff_roles_follow_the_lti_roles(client, registration, key_server, exam, lti_role, role):
    launch(client, key_server, sub="staff-1", roles=[lti_role, LEARNER], custom={"exam": exam.access_key})
    assert db.session.scalar(select(User).where(User.email == "staff-1@students.example.edu")).role == role


def test_an_instructor_with_the_e_mail_of_another_institutes_staff_is_refused(client, registration, key_server, exam,
                                                                               factory):
    _, other_admin = factory.institute("Elsewhere")
    _refusal(launch(client, key_server, sub="t", roles=[INSTRUCTOR], email=other_admin.email), 403,
             "email_of_another_institute")


# The standard's negative cases ------------------------------------------------------------------------

def test_a_bad_signature_is_refused_and_audited(client, registration, key_server, exam, admin):
    forged = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    request = log_in_from(client, key_server)
    token = key_server.id_token(request["nonce"], key=forged, kid=key_server.keys[-1][0],
                                custom={"exam": exam.access_key})
    _refusal(client.post("/lti/launch", data={"id_token": token, "state": request["state"]}), 403, "bad_signature")
    assert _audited_reasons() == ["bad_signature"]
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "lti.launch_refused"))
    assert (entry.institute_id, entry.target_label) == (admin.institute_id, "Campus Moodle")
    assert db.session.scalar(select(Sitting)) is None


def test_an_unknown_kid_reads_the_key_set_again_once(client, registration, key_server, exam):
    launch(client, key_server, custom={"exam": exam.access_key})
    assert key_server.jwks_requests == 1
    key_server.rotate()                                  # the platform rotated: the cached set lacks the new kid
    response = launch(client, key_server, sub="learner-2")
    assert response.status_code == 302 and key_server.jwks_requests == 2
    launch(client, key_server, sub="learner-3")
    assert key_server.jwks_requests == 2                 # cached again


def test_a_kid_the_platform_does_not_publish_is_refused(client, registration, key_server, exam):
    kid = key_server.rotate(publish=False)
    _refusal(launch(client, key_server, kid=kid), 400, "unknown_key")
    assert key_server.jwks_requests == 1


def test_a_replayed_nonce_is_refused(client, registration, key_server, exam):
    request = log_in_from(client, key_server)
    state_cookie = next(cookie for cookie in client._cookies.values() if cookie.key.startswith("lti_state_"))
    token = key_server.id_token(request["nonce"], custom={"exam": exam.access_key})
    assert client.post("/lti/launch", data={"id_token": token, "state": request["state"]}).status_code == 302
    # The launch spent its state cookie; whoever kept a copy of both and sends them again is refused.
    assert client.get_cookie(state_cookie.key, path="/lti/") is None
    client.set_cookie(state_cookie.key, state_cookie.value, path="/lti/")
    _refusal(client.post("/lti/launch", data={"id_token": token, "state": request["state"]}), 403, "replayed_nonce")
    assert db.session.get(LtiUsedNonce, request["nonce"]) is not None
    assert db.session.scalar(select(db.func.count(Sitting.id))) == 1


def test_the_audience_must_be_proctoras_client_id(client, registration, key_server):
    _refusal(launch(client, key_server, aud="another-tool"), 403, "wrong_audience")


def test_several_audiences_need_proctora_as_the_authorised_party(client, registration, key_server, exam):
    _refusal(launch(client, key_server, aud=[key_server.client_id, "another-tool"]), 403, "wrong_azp")
    response = launch(client, key_server, aud=[key_server.client_id, "another-tool"], azp=key_server.client_id,
                      custom={"exam": exam.access_key})
    assert response.status_code == 302


def test_an_expired_token_is_refused_on_the_one_clock(client, registration, key_server, exam):
    request = log_in_from(client, key_server)
    token = key_server.id_token(request["nonce"], custom={"exam": exam.access_key})
    clock.move(timedelta(minutes=6, seconds=1))          # exp is 5 minutes after iat, with a minute's leeway
    _refusal(client.post("/lti/launch", data={"id_token": token, "state": request["state"]}), 400, "expired")


def test_a_token_issued_in_the_future_is_refused(client, registration, key_server):
    request = log_in_from(client, key_server)
    clock.move(timedelta(minutes=5))
    token = key_server.id_token(request["nonce"])
    clock.move(timedelta(minutes=-5))
    _refusal(client.post("/lti/launch", data={"id_token": token, "state": request["state"]}), 400, "issued_in_future")


def test_a_wrong_issuer_is_refused(client, registration, key_server):
    _refusal(launch(client, key_server, iss="https://evil.example.org"), 403, "wrong_issuer")


def test_an_unknown_deployment_is_refused(client, registration, key_server):
    _refusal(launch(client, key_server, deployment_id="deployment-9"), 403, "unknown_deployment")


def test_an_unknown_deployment_is_refused_at_login(client, registration, key_server):
    response = client.get("/lti/login", query_string={
        "iss": key_server.issuer, "login_hint": "x", "target_link_uri": "http://proctora.localhost/lti/launch",
        "client_id": key_server.client_id, "lti_deployment_id": "deployment-9"})
    _refusal(response, 403, "unknown_deployment")


def test_another_message_type_is_refused(client, registration, key_server):
    page = _refusal(launch(client, key_server, message_type="LtiSubmissionReviewRequest"), 400,
                    "unsupported_message")
    assert "LtiSubmissionReviewRequest" in page.get_text()


def test_another_version_is_refused(client, registration, key_server):
    _refusal(launch(client, key_server, version="1.1"), 400, "wrong_version")


def test_a_launch_without_the_state_cookie_is_refused(client, registration, key_server, app):
    request = log_in_from(client, key_server)
    token = key_server.id_token(request["nonce"])
    other_browser = app.test_client()
    _refusal(other_browser.post("/lti/launch", data={"id_token": token, "state": request["state"]}), 403,
             "state_cookie_missing")


def test_a_nonce_other_than_the_logins_is_refused(client, registration, key_server):
    request = log_in_from(client, key_server)
    token = key_server.id_token("another-nonce")
    _refusal(client.post("/lti/launch", data={"id_token": token, "state": request["state"]}), 403, "nonce_mismatch")


def test_a_launch_with_no_token_is_refused_not_a_500(client, registration):
    _refusal(client.post("/lti/launch", data={}), 400, "no_token")
    _refusal(client.post("/lti/launch", data={"id_token": "not.a.jwt", "state": "s"}), 403, "state_cookie_missing")


def test_a_malformed_token_is_refused(client, registration, key_server):
    request = log_in_from(client, key_server)
    _refusal(client.post("/lti/launch", data={"id_token": "not-a-jwt", "state": request["state"]}), 400,
             "malformed_token")


# Inside the platform's iframe, and deep linking -------------------------------------------------------

def test_a_login_inside_an_iframe_checks_first_that_cookies_are_kept(client, registration, key_server):
    params = {"iss": key_server.issuer, "login_hint": "x", "target_link_uri": "http://proctora.localhost/lti/launch",
              "client_id": key_server.client_id}
    response = client.get("/lti/login", query_string=params, headers={"Sec-Fetch-Dest": "iframe"})
    assert response.status_code == 200
    card = BeautifulSoup(response.get_data(as_text=True), "html.parser").select_one("[data-lti-cookie-check]")
    assert "cookies_checked=1" in card["data-go-on"]
    new_window = card.select_one("a[target=_blank]")["href"]
    assert "cookies_checked" not in new_window and "login_hint=x" in new_window
    assert not any(cookie.key.startswith("lti_state_") for cookie in client._cookies.values())
    assert "frame-ancestors https://lms.example.edu" in response.headers["Content-Security-Policy"]
    # Once the page found cookies kept, the login goes on.
    going_on = client.get(card["data-go-on"], headers={"Sec-Fetch-Dest": "iframe"})
    assert going_on.status_code == 302 and going_on.headers["Location"].startswith("https://lms.example.edu/")


DEEP_LINKING_SETTINGS = {"https://purl.imsglobal.org/spec/lti-dl/claim/deep_linking_settings": {
    "deep_link_return_url": "https://lms.example.edu/deep_link_return", "data": "opaque-1",
    "accept_types": ["ltiResourceLink"]}}


def test_a_learner_cannot_deep_link(client, registration, key_server):
    _refusal(launch(client, key_server, message_type="LtiDeepLinkingRequest", **DEEP_LINKING_SETTINGS), 403,
             "not_instructor")


def test_deep_linking_answers_with_a_signed_resource_link_and_line_item(client, registration, key_server, exam):
    response = launch(client, key_server, sub="teacher-1", roles=[INSTRUCTOR], resource_link=None,
                      message_type="LtiDeepLinkingRequest", **DEEP_LINKING_SETTINGS)
    page = BeautifulSoup(response.get_data(as_text=True), "html.parser")
    button = page.select_one(f"[data-link-exam='{exam.access_key}']")
    form = button.find_parent("form")
    fields = {field["name"]: field["value"] for field in form.select("input[type=hidden]")}
    answer = client.post("/lti/deep-linking", data=fields)
    assert "form-action 'self' https://lms.example.edu" in answer.headers["Content-Security-Policy"]
    back = BeautifulSoup(answer.get_data(as_text=True), "html.parser").select_one("form[data-lti-post]")
    assert back["action"] == "https://lms.example.edu/deep_link_return"
    token = back.select_one("input[name=JWT]")["value"]
    key = jwt.PyJWK(client.get("/lti/jwks").get_json()["keys"][0]).key
    claims = jwt.decode(token, key, algorithms=["RS256"], audience=key_server.issuer)
    assert claims["iss"] == key_server.client_id
    assert claims["https://purl.imsglobal.org/spec/lti/claim/message_type"] == "LtiDeepLinkingResponse"
    assert claims["https://purl.imsglobal.org/spec/lti-dl/claim/data"] == "opaque-1"
    item, = claims["https://purl.imsglobal.org/spec/lti-dl/claim/content_items"]
    assert item["custom"] == {"exam": exam.access_key} and item["lineItem"]["scoreMaximum"] == 3

    # A forged or stale choice is refused.
    _refusal(client.post("/lti/deep-linking", data={**fields, "token": "forged"}), 403, "deep_linking_expired")
