"""LTI Advantage calls of the tool (webapp/lti/advantage.py) against the test platform over real HTTP."""
from __future__ import annotations

import socket
from datetime import datetime, timedelta, timezone

import jwt
import pytest

from tests.lti.platform import INSTRUCTOR, PlatformUser
from webapp.core import clock
from webapp.lti import advantage
from webapp.lti.advantage import LtiServiceFailure, LtiServiceRefused, TokenRejected
from webapp.notifications.worker import DeliveryFailure, PermanentFailure

ANN = PlatformUser(sub="user-ann")
AGS = (advantage.SCOPE_LINEITEM, advantage.SCOPE_SCORE)


def token_for(platform, tool_keys, scopes=AGS):
    return advantage.request_access_token(token_url=platform.token_url, client_id="proctora-tool",
                                          private_key_pem=tool_keys.private_key_pem, kid=tool_keys.kid,
                                          scopes=scopes)


def test_the_client_assertion_is_signed_by_the_tool_for_the_token_endpoint(tool_keys):
    clock.freeze(datetime(2026, 3, 1, 9, 0, tzinfo=timezone.utc))
    first = advantage.client_assertion(client_id="tool", token_url="https://lms.example/token",
                                       private_key_pem=tool_keys.private_key_pem, kid=tool_keys.kid)
    second = advantage.client_assertion(client_id="tool", token_url="https://lms.example/token",
                                        private_key_pem=tool_keys.private_key_pem, kid=tool_keys.kid)
    key = jwt.PyJWKClient(tool_keys.jwks_url).get_signing_key_from_jwt(first).key
    claims = jwt.decode(first, key, algorithms=["RS256"], audience="https://lms.example/token",
                        options={"verify_exp": False, "verify_iat": False})
    assert jwt.get_unverified_header(first)["kid"] == tool_keys.kid
    assert claims["iss"] == claims["sub"] == "tool"
    assert claims["iat"] == int(clock.utcnow().timestamp()) and claims["exp"] - claims["iat"] == 300
    assert claims["jti"] != jwt.decode(second, options={"verify_signature": False})["jti"]


def test_a_token_is_granted_for_the_scopes_the_platform_allows_and_cached_by_key(platform, tool_keys):
    token = token_for(platform, tool_keys, scopes=[advantage.SCOPE_SCORE, "http://not/granted"])
    assert token.scopes == {advantage.SCOPE_SCORE}
    assert platform.tokens[token.value][0] == {advantage.SCOPE_SCORE}
    assert token.usable({advantage.SCOPE_SCORE}) and not token.usable({advantage.SCOPE_MEMBERSHIPS})
    assert not token.usable({advantage.SCOPE_SCORE}, at=token.expires_at - timedelta(seconds=10))

    key = advantage.token_cache_key(platform.token_url, "proctora-tool", [advantage.SCOPE_SCORE, advantage.SCOPE_LINEITEM])
    assert key == advantage.token_cache_key(platform.token_url, "proctora-tool",
                                            (advantage.SCOPE_LINEITEM, advantage.SCOPE_SCORE, advantage.SCOPE_SCORE))
    assert key != advantage.token_cache_key(platform.token_url, "another-client", AGS)
    assert key != advantage.token_cache_key(platform.token_url, "proctora-tool", [advantage.SCOPE_SCORE])


def test_the_token_cache_asks_once_while_the_token_is_usable(platform, tool_keys):
    cache = advantage.TokenCache()
    ask = dict(token_url=platform.token_url, client_id="proctora-tool", private_key_pem=tool_keys.private_key_pem,
               kid=tool_keys.kid)
    first = cache.token(**ask, scopes=AGS)
    assert cache.token(**ask, scopes=list(reversed(AGS))) is first
    other = cache.token(**ask, scopes=[advantage.SCOPE_MEMBERSHIPS])
    assert other.value != first.value
    assert platform.requests.count("POST /token") == 2

    clock.move(timedelta(minutes=59, seconds=45))   # within the margin of its expiry
    later = cache.token(**ask, scopes=AGS)
    assert later.value != first.value and platform.requests.count("POST /token") == 3
    cache.forget(token_url=platform.token_url, client_id="proctora-tool", scopes=AGS)
    assert cache.token(**ask, scopes=AGS).value != later.value


def test_the_token_request_fails_as_the_worker_needs(platform, tool_keys):
    platform.fail_next("token", 503)
    with pytest.raises(LtiServiceFailure, match="HTTP 503") as failure:
        token_for(platform, tool_keys)
    assert isinstance(failure.value, DeliveryFailure) and failure.value.response_code == 503
    assert not isinstance(failure.value, PermanentFailure)
    # A key the platform cannot find in the tool's JWKS.
    with pytest.raises(TokenRejected, match="has no kid"):
        advantage.request_access_token(token_url=platform.token_url, client_id="proctora-tool",
                                       private_key_pem=tool_keys.private_key_pem, kid="not-published",
                                       scopes=AGS)
    with pytest.raises(LtiServiceRefused, match="invalid_scope"):
        token_for(platform, tool_keys, scopes=["http://not/granted"])
    with pytest.raises(LtiServiceRefused, match="Not an http"):
        advantage.request_access_token(token_url="file:///etc/passwd", client_id="proctora-tool",
                                       private_key_pem=tool_keys.private_key_pem, kid=tool_keys.kid, scopes=AGS)


def test_an_unreachable_platform_is_a_failure_to_retry(tool_keys):
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    with pytest.raises(LtiServiceFailure, match="127.0.0.1") as failure:
        advantage.request_access_token(token_url=f"http://127.0.0.1:{port}/token", client_id="proctora-tool",
                                       private_key_pem=tool_keys.private_key_pem, kid=tool_keys.kid, scopes=AGS)
    assert not isinstance(failure.value, PermanentFailure)


def test_build_score_follows_ags():
    moment = datetime(2026, 3, 1, 9, 30, 15, 123456, tzinfo=timezone.utc)
    assert advantage.build_score(user_id="u1", score_given=42.5, score_maximum=50, activity_progress="Completed",
                                 grading_progress="FullyGraded", timestamp=moment, comment="Well done") == {
        "userId": "u1", "scoreGiven": 42.5, "scoreMaximum": 50, "activityProgress": "Completed",
        "gradingProgress": "FullyGraded", "timestamp": "2026-03-01T09:30:15.123+00:00", "comment": "Well done"}
    clock.freeze(moment)
    pending = advantage.build_score(user_id="u1", score_given=None, score_maximum=None,
                                    activity_progress="Submitted", grading_progress="PendingManual")
    assert pending == {"userId": "u1", "activityProgress": "Submitted", "gradingProgress": "PendingManual",
                       "timestamp": "2026-03-01T09:30:15.123+00:00"}
    wrong = [dict(activity_progress="Done"), dict(grading_progress="Graded"), dict(score_maximum=None),
             dict(score_given=-1), dict(score_maximum=0), dict(timestamp=datetime(2026, 3, 1))]
    for change in wrong:
        arguments = {**dict(user_id="u1", score_given=1, score_maximum=2, activity_progress="Completed",
                            grading_progress="FullyGraded", timestamp=moment), **change}
        with pytest.raises(ValueError):
            advantage.build_score(**arguments)


def test_scores_url_keeps_the_line_items_query():
    assert advantage.scores_url("https://lms.example/mod/lti/services.php/2/lineitems/5/lineitem?type_id=1") \
        == "https://lms.example/mod/lti/services.php/2/lineitems/5/lineitem/scores?type_id=1"
    assert advantage.scores_url("https://canvas.example/api/lti/courses/1/line_items/7/") \
        == "https://canvas.example/api/lti/courses/1/line_items/7/scores"


def test_a_score_is_posted_to_the_line_item(platform, tool_keys):
    line_item = platform.add_line_item("course-1", label="Final exam", score_maximum=100)
    platform.enrol("course-1", ANN)
    token = token_for(platform, tool_keys)
    score = advantage.build_score(user_id="user-ann", score_given=87, score_maximum=100,
                                  activity_progress="Completed", grading_progress="FullyGraded")
    assert advantage.post_score(line_item["id"], token, score) == 204
    [received] = platform.scores
    assert received.lineitem_id == line_item["id"] and received.score == score

    # The platform keeps the newest: the same timestamp again is refused for good.
    with pytest.raises(LtiServiceRefused, match="409"):
        advantage.post_score(line_item["id"], token, score)
    # Not a member of the course.
    stranger = advantage.build_score(user_id="user-nobody", score_given=1, score_maximum=100,
                                     activity_progress="Completed", grading_progress="FullyGraded")
    with pytest.raises(LtiServiceRefused, match="404"):
        advantage.post_score(line_item["id"], token, stranger)
    platform.fail_next("scores", 500, 429)
    later = {**score, "timestamp": (clock.utcnow() + timedelta(seconds=1)).isoformat()}
    for status in (500, 429):
        with pytest.raises(LtiServiceFailure, match=f"HTTP {status}") as failure:
            advantage.post_score(line_item["id"], token, later)
        assert not isinstance(failure.value, PermanentFailure)
    assert advantage.post_score(line_item["id"], token, later) == 204
    assert len(platform.scores) == 2


def test_a_token_the_platform_no_longer_honours_is_rejected_for_a_new_one(platform, tool_keys):
    line_item = platform.add_line_item("course-1", label="Final exam", score_maximum=100)
    token = token_for(platform, tool_keys)
    platform.revoke_tokens()
    with pytest.raises(TokenRejected) as failure:
        advantage.get_line_item(line_item["id"], token)
    assert failure.value.response_code == 401
    # Without the score scope a token may read line items but not post scores.
    readonly = token_for(platform, tool_keys, scopes=[advantage.SCOPE_LINEITEM_READONLY])
    assert advantage.get_line_item(line_item["id"], readonly)["label"] == "Final exam"
    score = advantage.build_score(user_id="user-ann", score_given=1, score_maximum=100,
                                  activity_progress="Completed", grading_progress="FullyGraded")
    with pytest.raises(LtiServiceRefused, match="403"):
        advantage.post_score(line_item["id"], readonly, score)


def test_line_items_are_read_created_and_found(platform, tool_keys):
    token = token_for(platform, tool_keys)
    lineitems_url = platform.lineitems_url("course-1")
    created = advantage.create_line_item(lineitems_url, token, label="Final exam", score_maximum=50,
                                         resource_link_id="resource-link-1", tag="proctora")
    assert created["id"].startswith(lineitems_url) and created["scoreMaximum"] == 50
    assert advantage.get_line_item(created["id"], token) == created
    for number in range(3):
        advantage.create_line_item(lineitems_url, token, label=f"Quiz {number}", score_maximum=10,
                                   resource_link_id="resource-link-2")
    assert platform.page_size == 2   # so that the four line items come on two pages
    assert [item["label"] for item in advantage.find_line_items(lineitems_url, token)] == [
        "Final exam", "Quiz 0", "Quiz 1", "Quiz 2"]
    assert advantage.find_line_items(lineitems_url, token, resource_link_id="resource-link-1") == [created]
    assert advantage.find_line_items(lineitems_url, token, tag="proctora") == [created]
    assert advantage.find_line_items(platform.lineitems_url("course-2"), token) == []
    with pytest.raises(LtiServiceRefused, match="400"):
        advantage.create_line_item(lineitems_url, token, label="", score_maximum=10)


def test_every_member_is_fetched_following_the_next_links(platform, tool_keys):
    people = [PlatformUser(sub=f"user-{number}", name=f"Learner {number}", email=f"l{number}@example.edu")
              for number in range(5)]
    teacher = PlatformUser(sub="user-tom", name="Tom Teacher", roles=(INSTRUCTOR,))
    platform.enrol("course-1", *people, teacher)
    token = token_for(platform, tool_keys, scopes=[advantage.SCOPE_MEMBERSHIPS])
    members = advantage.fetch_members(platform.memberships_url("course-1"), token)
    assert [member["user_id"] for member in members] == [f"user-{n}" for n in range(5)] + ["user-tom"]
    assert members[0] == {"status": "Active", "user_id": "user-0", "name": "Learner 0", "given_name": "Ann",
                          "family_name": "Learner", "email": "l0@example.edu",
                          "roles": ["http://purl.imsglobal.org/vocab/lis/v2/membership#Learner"]}
    assert [member["user_id"] for member in advantage.fetch_members(
        platform.memberships_url("course-1"), token, role="Instructor")] == ["user-tom"]
    # Six members on pages of two: three pages for all, and one for the instructor.
    assert [path for path in platform.requests if path.startswith("GET /contexts/course-1/memberships")] == [
        "GET /contexts/course-1/memberships", "GET /contexts/course-1/memberships?limit=2&page=2",
        "GET /contexts/course-1/memberships?limit=2&page=3", "GET /contexts/course-1/memberships?role=Instructor"]
    platform.fail_next("memberships", None, 502)   # the second page fails
    with pytest.raises(LtiServiceFailure, match="502"):
        advantage.fetch_members(platform.memberships_url("course-1"), token)


def test_an_answer_too_large_is_refused(platform, tool_keys, monkeypatch):
    platform.enrol("course-1", ANN)
    token = token_for(platform, tool_keys, scopes=[advantage.SCOPE_MEMBERSHIPS])
    monkeypatch.setattr(advantage, "MAX_ANSWER_BYTES", 100)
    with pytest.raises(LtiServiceRefused, match="over 100 bytes"):
        advantage.fetch_members(platform.memberships_url("course-1"), token)


@pytest.mark.parametrize("header, expected", [
    ('<https://lms.example/m?page=2>; rel="next"', "https://lms.example/m?page=2"),
    ('<https://lms.example/m?page=1>; rel="first", <https://lms.example/m?page=3>; rel=next',
     "https://lms.example/m?page=3"),
    ('<https://lms.example/m?page=9>; rel="last"', None),
    ("", None),
    (None, None),
])
def test_next_page_reads_the_link_header(header, expected):
    assert advantage.next_page(header) == expected
