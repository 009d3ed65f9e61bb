"""The test platform is a counterpart worth testing against: its JWKS, its id_tokens and form posts, its
knobs for the negative cases, its token endpoint and the records of what a tool sent it."""
from __future__ import annotations

import json
import uuid
from datetime import timedelta

import jwt
import pytest

from tests.lti import platform as lms
from tests.lti.platform import PlatformUser, Tampering
from tests.lti.tool_side import authorize, fetch, id_token, login_initiation, read_form
from webapp.core import clock

ANN = PlatformUser(sub="user-ann")
TEACHER = PlatformUser(sub="user-tom", name="Tom Teacher", given_name="Tom", family_name="Teacher",
                       email="tom@example.edu", roles=(lms.INSTRUCTOR,))


def verified(platform, token: str, audience: str = "proctora-tool") -> dict:
    """The id_token checked as a tool checks it: against the platform's JWKS fetched over HTTP."""
    key = jwt.PyJWKClient(platform.jwks_url, cache_jwk_set=False).get_signing_key_from_jwt(token)
    return jwt.decode(token, key.key, algorithms=["RS256"], audience=audience, issuer=platform.issuer)


def tool_jwt(tool_keys, claims: dict, kid: str | None = None) -> str:
    return jwt.encode(claims, tool_keys.private_key_pem, algorithm="RS256", headers={"kid": kid or tool_keys.kid})


def test_jwks_lists_the_signing_key_and_keeps_old_ones_through_a_rotation(platform):
    status, _headers, body = fetch(platform.jwks_url)
    first = platform.kid
    assert status == 200 and [key["kid"] for key in json.loads(body)["keys"]] == [first]
    assert json.loads(body)["keys"][0]["kty"] == "RSA" and json.loads(body)["keys"][0]["alg"] == "RS256"

    second = platform.rotate_key()
    assert [key["kid"] for key in json.loads(fetch(platform.jwks_url)[2])["keys"]] == [first, second]
    third = platform.rotate_key(retire_old=True)
    assert [key["kid"] for key in json.loads(fetch(platform.jwks_url)[2])["keys"]] == [third]
    assert jwt.get_unverified_header(id_token(platform, platform.launch(ANN)))["kid"] == third


@pytest.mark.parametrize("method", ["POST", "GET"])
def test_the_launch_page_sends_the_browser_to_the_tools_login_initiation(platform, method):
    launch = platform.launch(ANN, initiation_method=method)
    url, fields = login_initiation(launch)
    assert url == "http://proctora.localhost/lti/login"
    assert fields == {"iss": platform.issuer, "login_hint": launch.login_hint,
                      "target_link_uri": "http://proctora.localhost/lti/launch", "lti_message_hint": launch.id,
                      "client_id": "proctora-tool", "lti_deployment_id": "deployment-1"}


def test_authorization_answers_a_form_post_of_a_signed_id_token_and_the_state(platform):
    line_item = platform.add_line_item("course-1", label="Final exam", score_maximum=100)
    launch = platform.launch(ANN, custom={"exam": "42"}, lineitem=line_item)
    status, html = authorize(platform, launch, state="state-1", nonce="nonce-1")
    assert status == 200
    action, fields = read_form(html)
    assert action == "http://proctora.localhost/lti/launch" and fields["state"] == "state-1"
    assert "document.getElementById" in html   # it submits itself

    claims = verified(platform, fields["id_token"])
    assert claims["nonce"] == "nonce-1" and claims["sub"] == "user-ann" and claims["azp"] == "proctora-tool"
    assert claims["email"] == "ann@example.edu" and claims["name"] == "Ann Learner"
    assert claims[lms.LTI + "message_type"] == "LtiResourceLinkRequest"
    assert claims[lms.LTI + "version"] == "1.3.0"
    assert claims[lms.LTI + "deployment_id"] == "deployment-1"
    assert claims[lms.LTI + "roles"] == [lms.LEARNER]
    assert claims[lms.LTI + "resource_link"] == {"id": "resource-link-1", "title": "Final exam"}
    assert claims[lms.LTI + "context"]["id"] == "course-1"
    assert claims[lms.LTI + "custom"] == {"exam": "42"}
    assert claims[lms.AGS_CLAIM] == {"scope": list(lms.AGS_SCOPES), "lineitems": platform.lineitems_url("course-1"),
                                     "lineitem": line_item["id"]}
    assert claims[lms.NRPS_CLAIM] == {"context_memberships_url": platform.memberships_url("course-1"),
                                      "service_versions": ["2.0"]}
    assert claims["exp"] - claims["iat"] == 300


@pytest.mark.parametrize("changes, reason", [
    ({"redirect_uri": "http://evil.example/launch"}, "redirect_uri"),
    ({"response_mode": "fragment"}, "response_mode"),
    ({"scope": "profile"}, "scope"),
    ({"prompt": None}, "prompt"),
    ({"client_id": "another-tool"}, "client_id"),
    ({"nonce": None}, "no nonce"),
    ({"state": None}, "no state"),
    ({"login_hint": "someone-else"}, "login_hint"),
    ({"lti_message_hint": "unknown"}, "lti_message_hint"),
])
def test_authorization_refuses_a_request_the_standard_does_not_allow(platform, changes, reason):
    status, body = authorize(platform, platform.launch(ANN), **changes)
    assert status == 400 and "id_token" not in body
    assert reason in platform.refusals[-1]


def test_the_knobs_spoil_the_id_token_as_each_negative_case_needs(platform):
    def token(**knobs):
        return id_token(platform, platform.launch(ANN, tampering=Tampering(**knobs)))

    with pytest.raises(jwt.InvalidSignatureError):
        verified(platform, token(wrong_key=True))
    with pytest.raises(jwt.PyJWKClientError, match="Unable to find a signing key"):
        verified(platform, token(unknown_kid=True))
    with pytest.raises(jwt.InvalidAudienceError):
        verified(platform, token(wrong_audience=True))
    with pytest.raises(jwt.ExpiredSignatureError):
        verified(platform, token(expired=True))

    launch = platform.launch(ANN, tampering=Tampering(deployment_id="deployment-unknown"))
    assert login_initiation(launch)[1]["lti_deployment_id"] == "deployment-unknown"
    assert verified(platform, id_token(platform, launch))[lms.LTI + "deployment_id"] == "deployment-unknown"


def test_the_replay_page_posts_the_same_id_token_and_state_again(platform):
    launch = platform.launch(ANN)
    assert fetch(launch.replay_url)[0] == 404   # nothing to replay before the launch
    status, html = authorize(platform, launch)
    action, fields = read_form(html)
    assert read_form(fetch(launch.replay_url)[2]) == (action, fields)


def test_deep_linking_and_proctoring_launches_carry_their_claims(platform):
    deep = platform.launch(TEACHER, message_type=lms.DEEP_LINKING)
    claims = verified(platform, id_token(platform, deep))
    settings = claims[lms.DL + "deep_linking_settings"]
    assert claims[lms.LTI + "message_type"] == "LtiDeepLinkingRequest"
    assert lms.LTI + "resource_link" not in claims
    assert settings["deep_link_return_url"] == platform.deep_link_return_url
    assert settings["accept_types"] == ["ltiResourceLink"] and settings["data"] == deep.deep_linking_data

    proctored = platform.launch(ANN, message_type=lms.START_PROCTORING, attempt_number=2,
                                acs_actions=("pause", "terminate"))
    claims = verified(platform, id_token(platform, proctored))
    assert claims[lms.LTI + "message_type"] == "LtiStartProctoring"
    assert claims[lms.AP + "attempt_number"] == 2
    assert claims[lms.AP + "start_assessment_url"] == platform.start_assessment_url
    assert claims[lms.AP + "session_data"] == proctored.session_data and len(proctored.session_data) > 16
    assert claims[lms.AP + "acs"] == {"actions": ["pause", "terminate"], "assessment_control_url": platform.acs_url}
    assert json.loads(claims[lms.AP + "proctoring_settings"]["data"]) == {"camera": True}

    ended = platform.launch(ANN, message_type=lms.END_ASSESSMENT, attempt_number=2)
    claims = verified(platform, id_token(platform, ended))
    assert claims[lms.LTI + "message_type"] == "LtiEndAssessment" and claims[lms.AP + "attempt_number"] == 2


def _assertion(platform, tool_keys, **changes) -> str:
    now = clock.utcnow()
    claims = {"iss": "proctora-tool", "sub": "proctora-tool", "aud": platform.token_url,
              "iat": int(now.timestamp()), "exp": int((now + timedelta(minutes=5)).timestamp()),
              "jti": uuid.uuid4().hex}
    claims.update(changes)
    return tool_jwt(tool_keys, claims)


def _token_request(platform, assertion: str, **changes) -> tuple[int, dict]:
    form = {"grant_type": "client_credentials", "client_assertion_type": lms.CLIENT_ASSERTION_TYPE,
            "client_assertion": assertion, "scope": f"{lms.SCOPE_SCORE} {lms.SCOPE_MEMBERSHIPS} http://other/scope"}
    form.update(changes)
    status, _headers, body = fetch(platform.token_url, form)
    return status, json.loads(body)


def test_the_token_endpoint_grants_a_bearer_token_for_a_client_assertion_it_verifies(platform, tool_keys):
    assertion = _assertion(platform, tool_keys)
    status, token = _token_request(platform, assertion)
    assert status == 200 and token["token_type"] == "Bearer" and token["expires_in"] == 3600
    assert token["scope"].split() == sorted([lms.SCOPE_SCORE, lms.SCOPE_MEMBERSHIPS])

    # The same assertion again (its jti) is refused, and so is any other flaw.
    assert _token_request(platform, assertion) == (401, {
        "error": "invalid_client", "error_description": "the assertion's jti is missing or used before"})
    assert _token_request(platform, _assertion(platform, tool_keys, aud="http://elsewhere/token"))[0] == 401
    assert _token_request(platform, _assertion(platform, tool_keys, iss="other", sub="other"))[0] == 401
    expired = int((clock.utcnow() - timedelta(minutes=1)).timestamp())
    assert _token_request(platform, _assertion(platform, tool_keys, exp=expired))[1]["error_description"] \
        == "JWT expired"
    status, answer = _token_request(platform, _assertion(platform, tool_keys), grant_type="password")
    assert (status, answer["error"]) == (400, "unsupported_grant_type")
    status, answer = _token_request(platform, _assertion(platform, tool_keys), scope="http://other/scope")
    assert (status, answer["error"]) == (400, "invalid_scope")


def test_the_token_endpoint_reads_the_tools_keys_afresh(platform, tool_keys):
    old_kid = tool_keys.kid
    tool_keys.rotate()
    assert _token_request(platform, _assertion(platform, tool_keys))[0] == 200
    forged = jwt.encode({"iss": "proctora-tool"}, tool_keys.private_key_pem, algorithm="RS256",
                        headers={"kid": "unknown"})
    assert _token_request(platform, forged)[1]["error_description"] == "the tool's JWKS has no kid 'unknown'"
    assert old_kid != tool_keys.kid


def test_the_tools_keys_may_be_pasted_in_instead_of_a_jwks_url(platform, tool_keys):
    status, _headers, body = fetch(tool_keys.jwks_url)
    platform.register_tool(login_url=platform.tool_login_url, redirect_uris=platform.tool_redirect_uris,
                           jwks=json.loads(body))
    assert _token_request(platform, _assertion(platform, tool_keys))[0] == 200
    tool_keys.rotate()   # a key not pasted in
    assert _token_request(platform, _assertion(platform, tool_keys))[0] == 401
    with pytest.raises(ValueError):
        platform.register_tool(login_url=platform.tool_login_url, redirect_uris=platform.tool_redirect_uris)


def test_services_refuse_a_request_without_a_valid_bearer_token(platform):
    line_item = platform.add_line_item("course-1", label="Exam", score_maximum=10)
    assert fetch(platform.lineitems_url("course-1"))[0] == 401
    assert fetch(platform.memberships_url("course-1"))[0] == 401
    assert fetch(line_item["id"])[0] == 401
    assert fetch(platform.acs_url, {"action": "pause"})[0] == 401
    assert [refusal.split(": ", 1)[1] for refusal in platform.refusals] == ["no valid bearer token"] * 4


def _deep_linking_response(platform, tool_keys, launch, **changes) -> dict:
    now = clock.utcnow()
    claims = {"iss": "proctora-tool", "aud": platform.issuer, "iat": int(now.timestamp()),
              "exp": int((now + timedelta(minutes=5)).timestamp()), "nonce": uuid.uuid4().hex,
              lms.LTI + "message_type": "LtiDeepLinkingResponse", lms.LTI + "version": "1.3.0",
              lms.LTI + "deployment_id": "deployment-1", lms.DL + "data": launch.deep_linking_data,
              lms.DL + "content_items": [{"type": "ltiResourceLink", "title": "Final exam",
                                          "url": "http://proctora.localhost/lti/launch",
                                          "lineItem": {"scoreMaximum": 100, "label": "Final exam"}}]}
    claims.update(changes)
    return claims


def test_the_deep_linking_return_records_a_response_it_verified(platform, tool_keys):
    launch = platform.launch(TEACHER, message_type=lms.DEEP_LINKING)
    claims = _deep_linking_response(platform, tool_keys, launch)
    status, _headers, html = fetch(platform.deep_link_return_url, {"JWT": tool_jwt(tool_keys, claims)})
    assert status == 200 and "Final exam" in html
    [received] = platform.deep_linking_responses
    assert received.launch is launch and received.claims[lms.DL + "content_items"][0]["title"] == "Final exam"

    refused = [
        tool_jwt(tool_keys, claims),                                  # its nonce again
        tool_jwt(tool_keys, _deep_linking_response(platform, tool_keys, launch), kid="unknown"),
        tool_jwt(tool_keys, _deep_linking_response(platform, tool_keys, launch, aud="proctora-tool")),
        tool_jwt(tool_keys, _deep_linking_response(platform, tool_keys, launch, **{lms.DL + "data": "forged"})),
        tool_jwt(tool_keys, _deep_linking_response(
            platform, tool_keys, launch, **{lms.LTI + "deployment_id": "deployment-unknown"})),
    ]
    assert [fetch(platform.deep_link_return_url, {"JWT": token})[0] for token in refused] == [400, 401, 401, 400, 400]
    assert len(platform.deep_linking_responses) == 1
