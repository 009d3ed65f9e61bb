"""Mettl's request authentication (spec section 10): each accepted form of a signed request, and each
way a request is refused (E401, E403, E405, E422, E504, E509)."""
import json
import time
from datetime import timedelta
from urllib.parse import quote, urlencode

import pytest
from sqlalchemy import func, select

from tests.api.conftest import (MettlClient, error_code, finish, image_upload, make_credential, mettl_signature,
                               register, start)
from webapp import create_app
from webapp.accounts.credentials import prune_used_signatures
from webapp.accounts.models import ApiCredential, UsedSignature
from webapp.assessments.models import Assessment
from webapp.core.clock import utcnow
from webapp.core.extensions import db
from webapp.sittings.models import Sitting


def _assessment_names(mettl, **options) -> list[str]:
    response = mettl.get("/v1/assessments", {"limit": "5"}, **options)
    assert response.status_code == 200, response.get_json()
    return [item["name"] for item in response.get_json()["assessments"]]


def test_a_signed_request_is_answered_and_the_credential_marked_as_used(mettl, factory, admin):
    factory.assessment(admin, name="Grammar")
    assert _assessment_names(mettl) == ["Grammar"]
    credential = db.session.scalar(select(ApiCredential).where(ApiCredential.access_key == mettl.credential.ak))
    assert credential.last_used_at is not None and utcnow() - credential.last_used_at < timedelta(minutes=1)


@pytest.mark.parametrize("options", [
    {"auth_in_body": True},                                          # ak, ts, asgn in the form body
    {"scheme": "https"},                                             # signed as the client saw it behind a proxy
    {"encode_asgn_twice": True},                                     # asgn arrives still URL-encoded once
    {"ts": f"{time.time():.3f}"},                                    # a timestamp with a fraction
], ids=["form-body", "https", "asgn-encoded-twice", "fractional-ts"])
def test_the_accepted_forms_of_a_signed_post(mettl, options):
    response = mettl.post("/v1/pbts/add", {"pbts": "[1]"}, **options)
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["pbts"][0]["added"] is True


@pytest.mark.parametrize("sent, signed", [("/v1/assessments/", "/v1/assessments"),
                                          ("/v1/assessments", "/v1/assessments/")])
def test_a_collection_url_may_be_signed_and_sent_with_or_without_its_trailing_slash(mettl, factory, admin, sent, signed):
    factory.assessment(admin, name="Grammar")
    response = mettl.get(sent, {"limit": "5"}, signed_path=signed)
    assert response.status_code == 200
    assert [item["name"] for item in response.get_json()["assessments"]] == ["Grammar"]


def test_a_signature_sent_without_url_encoding_is_read_with_its_plus_signs(client, credential, mettl_checker):
    """A client that puts the base64 signature into the URL as it is: its `+` arrive as spaces."""
    for offset in range(200):
        ts = str(int(time.time()) - offset)
        signature = mettl_signature(credential.private_key, "GET", "http://localhost/v1/pbts",
                                    {"ak": credential.ak, "ts": ts})
        if "+" in signature:
            break
    response = client.get(f"/v1/pbts?ak={credential.ak}&ts={ts}&asgn={signature}")
    assert response.status_code == 200, response.get_json()


def test_post_parameters_as_raw_json_in_the_query_and_an_unencoded_e_mail_in_the_path(client, credential,
                                                                                    admin, factory):
    """Clients others wrote: `rd` as raw JSON in the query string of a POST, and the e-mail written into
    the path as it is (its + and @ unencoded); each parameter is still signed."""
    exam = factory.exam(admin)
    rd = '{"registrationDetails":[{"Email Address":"al.tag@example.com","First Name":"Al","Last Name":"Li"}]}'
    ts = f"{time.time():.6f}"
    path = f"/v1/schedules/{exam.access_key}/candidates"
    signature = mettl_signature(credential.private_key, "POST", f"http://localhost{path}",
                                {"rd": rd, "ak": credential.ak, "ts": ts})
    response = client.post(f"{path}?rd={rd}&ak={credential.ak}&ts={ts}&asgn={quote(signature, safe='')}")
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["registrationStatus"][0]["status"] == "ToBeTaken"
    ts = f"{time.time():.6f}"
    register(admin, exam, "al+tag@example.com")
    path = f"/v1/schedules/{exam.access_key}/candidates/al+tag@example.com"
    signature = mettl_signature(credential.private_key, "GET", f"http://localhost{path}",
                                {"ak": credential.ak, "ts": ts})
    response = client.get(f"{path}?ak={credential.ak}&ts={ts}&asgn={quote(signature, safe='')}")
    assert response.status_code == 200 and response.get_json()["candidate"]["email"] == "al+tag@example.com"


def test_json_parameters_are_verified_as_the_raw_strings_sent(mettl, client, credential):
    raw = '[ 1 ]'
    ts = str(int(time.time()))
    signed = mettl_signature(credential.private_key, "POST", "http://localhost/v1/pbts/add",
                             {"pbts": json.dumps(json.loads(raw)), "ak": credential.ak, "ts": ts})
    # Signed over the JSON re-serialised ("[1]"), sent as written ("[ 1 ]"): not the same request.
    response = client.post("/v1/pbts/add", data={"pbts": raw, "ak": credential.ak, "ts": ts, "asgn": signed})
    assert response.status_code == 401 and error_code(response) == "E401"
    assert mettl.post("/v1/pbts/add", {"pbts": raw}).status_code == 200


@pytest.mark.parametrize("ts", [lambda: int(time.time()) - 86400 - 60, lambda: int(time.time()) + 86400 + 60,
                                lambda: "yesterday", lambda: "nan"], ids=["day-old", "day-ahead", "text", "nan"])
def test_a_timestamp_more_than_a_day_off_is_e504(mettl, ts):
    response = mettl.get("/v1/pbts", ts=ts())
    assert response.status_code == 401 and error_code(response) == "E504"


@pytest.mark.parametrize("options", [
    {"private_key": "not-the-key"},
    {"asgn": "bm90IGEgc2lnbmF0dXJl"},
    {"signed_path": "/v1/schedules"},
    {"ak": "0" * 32},
], ids=["wrong-key", "made-up", "other-url", "unknown-ak"])
def test_a_wrong_signature_or_unknown_access_key_is_e401(mettl, options):
    response = mettl.get("/v1/pbts", **options)
    assert response.status_code == 401 and error_code(response) == "E401"


def test_a_parameter_changed_after_signing_is_e401(client, credential):
    ts = str(int(time.time()))
    signature = mettl_signature(credential.private_key, "GET", "http://localhost/v1/assessments",
                                {"ak": credential.ak, "ts": ts, "limit": "5"})
    response = client.get("/v1/assessments?" + urlencode({"ak": credential.ak, "ts": ts, "limit": "6",
                                                          "asgn": signature}))
    assert response.status_code == 401 and error_code(response) == "E401"


@pytest.mark.parametrize("missing", ["ak", "ts", "asgn"])
def test_a_request_without_its_authentication_parameters_is_e401(client, credential, missing):
    params = {"ak": credential.ak, "ts": str(int(time.time())), "asgn": "x"}
    del params[missing]
    response = client.get("/v1/pbts?" + urlencode(params))
    assert response.status_code == 401 and error_code(response) == "E401"


def test_a_revoked_credential_is_e401(mettl):
    assert mettl.get("/v1/pbts").status_code == 200
    runner = mettl.client.application.test_cli_runner()
    assert runner.invoke(args=["api-credentials", "revoke", mettl.credential.ak]).exit_code == 0
    response = mettl.get("/v1/pbts")
    assert response.status_code == 401 and error_code(response) == "E401"


def test_a_signature_used_before_is_e422_for_every_worker_that_shares_the_database(mettl):
    ts = str(int(time.time()))
    first = mettl.get("/v1/pbts", ts=ts)
    assert first.status_code == 200
    again = mettl.get("/v1/pbts", ts=ts)
    assert again.status_code == 401 and error_code(again) == "E422"
    assert db.session.scalar(select(func.count()).select_from(UsedSignature)) == 1


def test_a_signature_is_spent_by_a_request_that_fails_too(mettl):
    """10.c: a valid signature used by any previous request is E422, even when that request failed;
    what the failing request changed is rolled back, but its signature stays spent."""
    ts = str(int(time.time()))
    assert error_code(mettl.get("/v1/assessments", {"limit": "500"}, ts=ts)) == "E400"
    again = mettl.get("/v1/assessments", {"limit": "500"}, ts=ts)
    assert again.status_code == 401 and error_code(again) == "E422"
    assert db.session.scalar(select(func.count()).select_from(UsedSignature)) == 1


def test_used_signatures_older_than_two_days_are_pruned(mettl):
    mettl.get("/v1/pbts")
    mettl.get("/v1/assessments")
    assert prune_used_signatures(now=utcnow() + timedelta(days=1)) == 0
    assert prune_used_signatures(now=utcnow() + timedelta(days=2, minutes=1)) == 2
    assert db.session.scalar(select(func.count()).select_from(UsedSignature)) == 0


def test_a_read_only_credential_reads_but_every_write_is_e403(client, admin, factory, support_credential,
                                                              mettl_checker):
    exam = factory.exam(admin)
    finish(start(register(admin, exam, "ann@example.com")))
    support = MettlClient(client, support_credential, mettl_checker)
    assert support.get("/v1/schedules").status_code == 200
    assert support.get(f"/v1/schedules/{exam.access_key}/candidates").status_code == 200
    writes = [
        ("/v1/account/upload-logo", {}, {"logo": image_upload()}),
        ("/v1/account/update-white-labeling", {"wl": '{"buttonColor": "ff0000"}'}, None),
        ("/v1/pbts/add", {"pbts": "[1]"}, None),
        ("/v1/assessments", {"assessments": json.dumps({"name": "New", "duration": 10, "sections": [
            {"name": "A", "skills": []}]})}, None),
        (f"/v1/assessments/{exam.assessment_id}/settings/edit", {"as": '{"allowCopyPaste": true}'}, None),
        (f"/v1/assessments/{exam.assessment_id}/schedules", {"sc": '{"name": "Another", "sourceApp": "LMS"}'}, None),
        (f"/v1/schedules/{exam.access_key}/edit", {"sc": '{"name": "Renamed"}'}, None),
        (f"/v1/schedules/{exam.access_key}/candidates",
         {"rd": '{"registrationDetails": [{"Email Address": "a@example.com", "First Name": "A", "Last Name": "B"}]}'},
         None),
    ]
    for path, form, files in writes:
        response = support.post(path, form, files=files)
        assert response.status_code == 403 and error_code(response) == "E403", path
    response = support.delete(f"/v1/schedules/{exam.access_key}/candidates/ann@example.com")
    assert response.status_code == 403 and error_code(response) == "E403"
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(Assessment)) == 1
    assert db.session.scalar(select(func.count()).select_from(Sitting)) == 1
    assert exam.name != "Renamed" and not exam.institute.logo


def test_a_method_the_endpoint_does_not_have_is_e405_and_an_unknown_one_e404(client, mettl):
    response = client.put("/v1/account")
    assert response.status_code == 405 and error_code(response) == "E405"
    # As HTTP wants it: the methods the URL does take.
    assert set(response.headers["Allow"].split(", ")) == {"GET", "HEAD", "OPTIONS"}
    response = mettl.get("/v1/no-such-thing")
    assert response.status_code == 404 and error_code(response) == "E404"


def test_signed_requests_need_no_csrf_token(app, mettl, monkeypatch):
    """The console's forms carry CSRF tokens; the API is signed instead, and exempt."""
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    assert mettl.post("/v1/pbts/add", {"pbts": "[1]"}).status_code == 200


def test_the_openapi_document_needs_no_signature(client):
    response = client.get("/v1/openapi.json")
    assert response.status_code == 200 and response.get_json()["openapi"].startswith("3.1")


def test_too_many_requests_per_access_key_are_e509(rate_limited_app, admin, mettl_checker):
    first, second = make_credential(admin.institute_id), make_credential(admin.institute_id)
    client = rate_limited_app.test_client()
    busy, other = MettlClient(client, first, mettl_checker), MettlClient(client, second, mettl_checker)
    answers = [busy.get("/v1/pbts", ts=f"{time.time():.6f}").status_code for _ in range(4)]
    assert answers == [200, 200, 200, 429]
    assert error_code(busy.get("/v1/pbts", ts=f"{time.time():.6f}")) == "E509"
    assert other.get("/v1/pbts").status_code == 200


PROXY_HEADERS = {"X-Forwarded-Proto": "https", "X-Forwarded-Host": "api.example.org",
                 "X-Forwarded-For": "203.0.113.9"}


def _signed_for_the_public_url(credential) -> dict:
    """A request signed, as the client sees the service, for https://api.example.org/v1/pbts."""
    parameters = {"ak": credential.ak, "ts": f"{time.time():.6f}"}
    return {**parameters, "asgn": mettl_signature(credential.private_key, "GET", "https://api.example.org/v1/pbts",
                                                  parameters)}


def test_behind_a_trusted_proxy_the_signature_is_checked_against_the_url_the_client_used(app, app_config,
                                                                                        credential):
    proxied = create_app({**app_config, "TRUSTED_PROXIES": 1})
    response = proxied.test_client().get("/v1/pbts", query_string=_signed_for_the_public_url(credential),
                                         headers=PROXY_HEADERS)
    assert response.status_code == 200 and response.get_json()["status"] == "SUCCESS"
    # Without the operator's word the forwarded headers are anyone's: ignored, so the URL differs.
    response = app.test_client().get("/v1/pbts", query_string=_signed_for_the_public_url(credential),
                                     headers=PROXY_HEADERS)
    assert response.status_code == 401 and error_code(response) == "E401"
