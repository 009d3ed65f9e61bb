"""A call to a learning platform's service through the outbox (webapp/lti/calls.py), delivered by the worker
to the test platform over real HTTP: the token asked with the tool's own key, the answer handed to the
message's handler, a rejected token dropped and asked again."""
from __future__ import annotations

from datetime import datetime

import pytest

from tests.lti.platform import PlatformUser
from webapp.core.extensions import db
from webapp.lti import advantage
from webapp.notifications.models import MessageStatus, OutboxMessage
from webapp.notifications.services import queue_platform_call, register_delivery_handler
from webapp.notifications.worker import deliver_due

ANN = PlatformUser(sub="user-ann")
ANSWERS: list = []


def _remember_answer(message, answer=None):
    ANSWERS.append((message.id, answer))


register_delivery_handler("test_platform_answer", _remember_answer)


@pytest.fixture(autouse=True)
def no_answers_yet():
    ANSWERS.clear()


def _score_call(admin, platform, registration, item, *, when: str, given: float):
    score = advantage.build_score(user_id=ANN.sub, score_given=given, score_maximum=10, timestamp=datetime.fromisoformat(when),
                                  activity_progress="Completed", grading_progress="FullyGraded")
    message = queue_platform_call(
        platform_id=registration.id, url=advantage.scores_url(item["id"]), body=score,
        content_type=advantage.SCORE_TYPE, scopes=[advantage.SCOPE_SCORE], topic="lti_score",
        institute_id=admin.institute_id, on_delivered={"handler": "test_platform_answer"})
    db.session.commit()
    return message


def test_a_platform_call_is_sent_with_a_token_got_by_the_tools_key(admin, platform, registered):
    platform.enrol("course-1", ANN)
    item = platform.add_line_item("course-1", label="Final test", score_maximum=10)
    message = _score_call(admin, platform, registered, item, when="2026-03-01T09:00:00+00:00", given=7)

    assert deliver_due()["sent"] == 1
    db.session.expire_all()
    assert db.session.get(OutboxMessage, message.id).status == MessageStatus.SENT
    assert [score.score["scoreGiven"] for score in platform.scores] == [7]
    assert ANSWERS == [(message.id, None)]   # 204: no answer to hand on
    assert platform.requests.count("POST /token") == 1


def test_a_rejected_token_is_dropped_and_the_retry_asks_for_a_new_one(admin, platform, registered):
    platform.enrol("course-1", ANN)
    item = platform.add_line_item("course-1", label="Final test", score_maximum=10)
    _score_call(admin, platform, registered, item, when="2026-03-01T09:00:00+00:00", given=7)
    assert deliver_due()["sent"] == 1
    platform.revoke_tokens()
    second = _score_call(admin, platform, registered, item, when="2026-03-01T09:05:00+00:00", given=8)

    assert deliver_due()["retried"] == 1
    db.session.expire_all()
    assert "HTTP 401" in db.session.get(OutboxMessage, second.id).last_error
    db.session.get(OutboxMessage, second.id).next_attempt_at = db.session.get(OutboxMessage, second.id).created_at
    db.session.commit()
    assert deliver_due()["sent"] == 1
    assert [score.score["scoreGiven"] for score in platform.scores] == [7, 8]
    assert platform.requests.count("POST /token") == 2


def test_a_platform_no_longer_registered_fails_the_call_for_good(admin, platform, registered):
    item = platform.add_line_item("course-1", label="Final test", score_maximum=10)
    message = _score_call(admin, platform, registered, item, when="2026-03-01T09:00:00+00:00", given=7)
    message.payload = {**message.payload, "platform_id": registered.id + 1000}
    db.session.commit()

    assert deliver_due()["dead"] == 1
    db.session.expire_all()
    assert "no longer registered" in db.session.get(OutboxMessage, message.id).last_error
    assert platform.scores == []
