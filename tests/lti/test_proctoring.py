"""LTI Proctoring Services 1.0 as the tool speaks it (webapp/lti/proctoring.py), against the test platform:
the LtiStartProctoring claims it issues, the LtiStartAssessment it verifies, its Assessment Control Service."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import jwt
import pytest

from tests.lti import platform as lms
from tests.lti.platform import PlatformUser
from tests.lti.tool_side import fetch, id_token
from webapp.core import clock
from webapp.lti import advantage, proctoring
from webapp.lti.advantage import LtiServiceRefused
from webapp.lti.proctoring import AcsAction, AcsStatus, InvalidProctoringMessage

ANN = PlatformUser(sub="user-ann")
INCIDENT = datetime(2026, 3, 1, 9, 45, tzinfo=timezone.utc)


def launch_claims(platform, launch) -> dict:
    """The launch's id_token as the tool's launch hands it on: verified against the platform's JWKS."""
    token = id_token(platform, launch)
    key = jwt.PyJWKClient(platform.jwks_url, cache_jwk_set=False).get_signing_key_from_jwt(token).key
    return jwt.decode(token, key, algorithms=["RS256"], audience="proctora-tool")


def started(platform, **options):
    launch = platform.launch(ANN, message_type=lms.START_PROCTORING, **options)
    return launch, proctoring.parse_start_proctoring(launch_claims(platform, launch))


def start_assessment(platform, tool_keys, start, **options) -> str:
    return proctoring.start_assessment_message(start, client_id="proctora-tool", platform_issuer=platform.issuer,
                                               private_key_pem=tool_keys.private_key_pem, kid=tool_keys.kid,
                                               **options)


def test_start_proctoring_claims_are_read(platform):
    launch, start = started(platform, attempt_number=3, context_id="course-9")
    assert start.user_id == "user-ann" and start.deployment_id == "deployment-1"
    assert start.resource_link == {"id": "resource-link-1", "title": "Final exam"}
    assert start.resource_link_id == "resource-link-1" and start.context_id == "course-9"
    assert start.attempt_number == 3 and start.session_data == launch.session_data
    assert start.start_assessment_url == platform.start_assessment_url
    assert start.proctoring_settings == {"data": '{"camera": true}'}
    assert start.acs_url == platform.acs_url and start.acs_actions == lms.ACS_ACTIONS
    assert start.offers(AcsAction.TERMINATE)

    _launch, limited = started(platform, acs_actions=("flag",))
    assert limited.offers(AcsAction.FLAG) and not limited.offers(AcsAction.PAUSE)


@pytest.mark.parametrize("change, claim, detail", [
    ({proctoring.CLAIM_MESSAGE_TYPE: "LtiResourceLinkRequest"}, proctoring.CLAIM_MESSAGE_TYPE,
     "Not an LtiStartProctoring message"),
    ({proctoring.CLAIM_VERSION: "1.1"}, proctoring.CLAIM_VERSION, "Not LTI version 1.3.0"),
    ({proctoring.CLAIM_SESSION_DATA: None}, proctoring.CLAIM_SESSION_DATA, "The session_data claim is missing"),
    ({proctoring.CLAIM_START_ASSESSMENT_URL: "javascript:alert(1)"}, proctoring.CLAIM_START_ASSESSMENT_URL,
     "The start_assessment_url claim is not an http(s) URL"),
    ({proctoring.CLAIM_ATTEMPT_NUMBER: 0}, proctoring.CLAIM_ATTEMPT_NUMBER, "attempt_number"),
    ({proctoring.CLAIM_ATTEMPT_NUMBER: True}, proctoring.CLAIM_ATTEMPT_NUMBER, "attempt_number"),
    ({proctoring.CLAIM_ATTEMPT_NUMBER: None}, proctoring.CLAIM_ATTEMPT_NUMBER, "attempt_number"),
    ({proctoring.CLAIM_RESOURCE_LINK: {"title": "no id"}}, proctoring.CLAIM_RESOURCE_LINK,
     "The resource_link claim has no id"),
    ({proctoring.CLAIM_ACS: {"actions": ["pause"]}}, proctoring.CLAIM_ACS, "assessment_control_url"),
    ({proctoring.CLAIM_ACS: {"actions": "pause", "assessment_control_url": "https://lms.example/acs"}},
     proctoring.CLAIM_ACS, "actions"),
    ({proctoring.CLAIM_PROCTORING_SETTINGS: "camera"}, proctoring.CLAIM_PROCTORING_SETTINGS, "not an object"),
    ({proctoring.CLAIM_DEPLOYMENT_ID: ""}, proctoring.CLAIM_DEPLOYMENT_ID, "The deployment_id claim is missing"),
    ({"sub": None}, "sub", "The sub claim is missing"),
])
def test_a_start_proctoring_message_without_what_the_standard_requires_is_refused(platform, change, claim, detail):
    launch = platform.launch(ANN, message_type=lms.START_PROCTORING)
    claims = {**launch_claims(platform, launch), **change}
    claims = {name: value for name, value in claims.items() if value is not None}
    with pytest.raises(InvalidProctoringMessage) as refused:
        proctoring.parse_start_proctoring(claims)
    assert refused.value.claim == claim and refused.value.field == claim and detail in refused.value.detail
    assert refused.value.message.startswith("The learning platform sent a proctoring message")


def test_an_attempt_number_sent_as_digits_is_read_as_a_number(platform):
    launch = platform.launch(ANN, message_type=lms.START_PROCTORING)
    claims = {**launch_claims(platform, launch), proctoring.CLAIM_ATTEMPT_NUMBER: "2"}
    assert proctoring.parse_start_proctoring(claims).attempt_number == 2


def test_the_start_assessment_message_is_accepted_by_the_platform(platform, tool_keys):
    clock.freeze(clock.utcnow())
    launch, start = started(platform, attempt_number=2)
    token = start_assessment(platform, tool_keys, start, verified_user={"name": "Ann Learner", "picture":
                                                                        "http://proctora.localhost/photo/1"},
                             end_assessment_return=True)
    claims = jwt.decode(token, options={"verify_signature": False})
    assert claims["iss"] == "proctora-tool" and claims["aud"] == platform.issuer
    assert claims["exp"] - claims["iat"] == 300 and claims["iat"] == int(clock.utcnow().timestamp())
    assert claims[proctoring.CLAIM_MESSAGE_TYPE] == "LtiStartAssessment"
    assert claims[proctoring.CLAIM_END_ASSESSMENT_RETURN] is True
    assert jwt.get_unverified_header(token)["kid"] == tool_keys.kid

    status, _headers, html = fetch(start.start_assessment_url, {"JWT": token})
    assert status == 200 and "Attempt 2 of Final exam" in html, platform.refusals
    [received] = platform.started_assessments
    assert received.launch is launch
    assert received.claims[proctoring.CLAIM_SESSION_DATA] == launch.session_data
    assert received.claims[proctoring.CLAIM_RESOURCE_LINK] == {"id": "resource-link-1", "title": "Final exam"}
    assert received.claims[proctoring.CLAIM_VERIFIED_USER]["name"] == "Ann Learner"
    assert platform.attempt(launch).status == "running"

    # The same message again (its nonce), and one that echoes other session data, are refused.
    assert fetch(start.start_assessment_url, {"JWT": token})[0] == 400
    forged = proctoring.StartProctoring(**{**start.__dict__, "session_data": "forged"})
    assert fetch(start.start_assessment_url, {"JWT": start_assessment(platform, tool_keys, forged)})[0] == 400
    assert platform.refusals[-1].endswith("session_data echoes no LtiStartProctoring launch")
    with pytest.raises(ValueError, match="sub"):
        start_assessment(platform, tool_keys, start, verified_user={"sub": "user-ann"})


def test_an_end_assessment_message_is_read(platform):
    launch = platform.launch(ANN, message_type=lms.END_ASSESSMENT, attempt_number=2)
    ended = proctoring.parse_end_assessment(launch_claims(platform, launch))
    assert ended == proctoring.EndAssessment(user_id="user-ann", deployment_id="deployment-1",
                                             resource_link_id="resource-link-1", attempt_number=2,
                                             error_message=None, error_log=None)
    with pytest.raises(InvalidProctoringMessage):
        proctoring.parse_end_assessment(launch_claims(platform, platform.launch(ANN)))


def test_acs_requests_follow_the_standard():
    berlin = timezone(timedelta(hours=1))
    assert proctoring.acs_request(AcsAction.FLAG, platform_issuer="https://lms.example", user_id="u1",
                                  resource_link_id="rl", attempt_number=1, incident_time=INCIDENT.astimezone(berlin),
                                  incident_severity=0.7, reason_code="second-face",
                                  reason_msg="A second face in the camera") == {
        "user": {"iss": "https://lms.example", "sub": "u1"}, "resource_link": {"id": "rl"}, "attempt_number": 1,
        "action": "flag", "incident_time": "2026-03-01T09:45:00Z", "incident_severity": 0.7,
        "reason_code": "second-face", "reason_msg": "A second face in the camera"}
    assert proctoring.acs_request(AcsAction.UPDATE, platform_issuer="https://lms.example", user_id="u1",
                                  resource_link_id="rl", attempt_number=1, incident_time=INCIDENT,
                                  incident_severity=0, extra_time=600)["extra_time"] == 600
    wrong = [dict(action=AcsAction.UPDATE), dict(action=AcsAction.UPDATE, extra_time=0),
             dict(action=AcsAction.PAUSE, extra_time=60), dict(action=AcsAction.FLAG, incident_severity=None),
             dict(action=AcsAction.FLAG, incident_severity=1.5), dict(action=AcsAction.FLAG, incident_severity=float("nan")),
             dict(action=AcsAction.PAUSE, incident_time=datetime(2026, 3, 1)), dict(action="skip")]
    for change in wrong:
        arguments = {**dict(platform_issuer="https://lms.example", user_id="u1", resource_link_id="rl",
                            attempt_number=1, incident_time=INCIDENT, incident_severity=0.5), **change}
        with pytest.raises(ValueError):
            proctoring.acs_request(arguments.pop("action"), **arguments)


def test_a_proctors_actions_reach_the_assessment_control_service(platform, tool_keys):
    launch, start = started(platform)
    fetch(start.start_assessment_url, {"JWT": start_assessment(platform, tool_keys, start)})
    token = advantage.request_access_token(token_url=platform.token_url, client_id="proctora-tool",
                                           private_key_pem=tool_keys.private_key_pem, kid=tool_keys.kid,
                                           scopes=[proctoring.SCOPE_CONTROL])

    def send(action, incident_severity=0.0, **details):
        body = proctoring.acs_request(action, platform_issuer=platform.issuer, user_id=start.user_id,
                                      resource_link_id=start.resource_link_id, attempt_number=start.attempt_number,
                                      incident_time=INCIDENT, incident_severity=incident_severity, **details)
        return proctoring.post_acs_request(start.acs_url, token, body)

    assert send(AcsAction.PAUSE, reason_msg="Camera lost") == proctoring.AcsResult(AcsStatus.PAUSED, None)
    assert send(AcsAction.RESUME) == proctoring.AcsResult(AcsStatus.RUNNING, None)
    assert send(AcsAction.UPDATE, extra_time=300) == proctoring.AcsResult(AcsStatus.RUNNING, 300)
    assert send(AcsAction.UPDATE, extra_time=120).extra_time == 420
    assert send(AcsAction.FLAG, incident_severity=0.4, reason_code="noise").status is AcsStatus.RUNNING
    assert send(AcsAction.TERMINATE, reason_msg="Phone in use") == proctoring.AcsResult(AcsStatus.TERMINATED, 420)
    assert send(AcsAction.RESUME).status is AcsStatus.TERMINATED
    assert AcsStatus.TERMINATED.label == "Ended on the learning platform"   # the proctor reads the answer
    assert [received.body["action"] for received in platform.acs_requests] == [
        "pause", "resume", "update", "update", "flag", "terminate", "resume"]
    assert platform.attempt(launch).flags[0]["reason_code"] == "noise"

    # An action the platform did not offer, and another attempt, are refused for good.
    _other, limited = started(platform, resource_link_id="resource-link-2", acs_actions=("flag",))
    fetch(limited.start_assessment_url, {"JWT": start_assessment(platform, tool_keys, limited)})
    with pytest.raises(LtiServiceRefused, match="not offered"):
        proctoring.post_acs_request(limited.acs_url, token, proctoring.acs_request(
            AcsAction.PAUSE, platform_issuer=platform.issuer, user_id="user-ann", resource_link_id="resource-link-2",
            attempt_number=1, incident_time=INCIDENT, incident_severity=0.5))
    unknown = proctoring.acs_request(AcsAction.PAUSE, platform_issuer=platform.issuer, user_id="user-ann",
                                     resource_link_id="resource-link-9", attempt_number=1, incident_time=INCIDENT,
                                     incident_severity=0.5)
    with pytest.raises(LtiServiceRefused, match="404"):
        proctoring.post_acs_request(start.acs_url, token, unknown)
    assert len(platform.acs_requests) == 7
