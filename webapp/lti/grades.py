"""Grades back to the learning platform (Assignment and Grade Services 2.0): a sitting launched from a course's
link has its result sent to the link's line item through the outbox, in the transaction that released,
corrected or withheld it (`follow_result`, subscribed to `events.result_changed` in webapp.wiring).

What the gradebook is sent follows what the candidate is shown (`release.result_state`):
- "shown": the marks (scoreGiven of scoreMaximum), activityProgress Completed, gradingProgress FullyGraded;
  a correction after the release sends the new marks (the later timestamp supersedes the earlier score);
- "withheld" (a proctor's review found a violation): Completed and PendingManual without marks, which
  clears a score sent before, as AGS 2.0 says of a score without scoreGiven;
- "pending" (not graded or not released yet): nothing.
Nothing is sent twice for an unchanged result (`LtiSittingLink.grade_sent`).

A link whose launch named no line item but the line items service (with the lineitem scope) gets one,
asked once through the outbox; its scores go when the platform has answered (`on_line_item_created`)."""
from __future__ import annotations

from sqlalchemy import select

from webapp.core.clock import utcnow
from webapp.core.extensions import db
from webapp.lti import advantage
from webapp.lti.models import LtiResourceLink, LtiSittingLink
from webapp.notifications.services import queue_platform_call
from webapp.results.release import result_state
from webapp.sittings.models import Sitting

SCORE_TOPIC = "lti_score"
LINE_ITEM_TOPIC = "lti_line_item"
LINE_ITEM_CREATED = "lti_line_item_created"


def link_sitting(sitting: Sitting, link: LtiResourceLink, platform_user_id: str) -> None:
    """The sitting was launched (or its learner imported) from `link`: its grades go to that link's line
    item. A result already released is sent now (the learner came from the course after the release)."""
    row = db.session.get(LtiSittingLink, sitting.id)
    if row is None:
        row = LtiSittingLink(sitting_id=sitting.id)
        db.session.add(row)
    elif row.resource_link_id != link.id:
        row.grade_sent = None     # another link's gradebook column has not had it
    row.resource_link_id, row.platform_user_id = link.id, platform_user_id
    db.session.flush()
    follow_result(sitting)


def grade_of(sitting: Sitting) -> dict | None:
    """What the platform's gradebook should hold for the sitting now, or None (nothing to send)."""
    state = result_state(sitting)
    if state == "withheld":
        return {"withheld": True}
    if state == "shown" and sitting.max_marks:
        return {"given": max(sitting.total_marks or 0, 0), "max": sitting.max_marks}
    return None


def follow_result(sitting: Sitting, **_details) -> None:
    """The sitting's result may have changed: queue its grade for the platform if it differs from the last."""
    row = db.session.get(LtiSittingLink, sitting.id)
    if row is None:
        return
    grade = grade_of(sitting)
    if grade is None or grade == row.grade_sent:
        return
    link = row.resource_link
    if advantage.SCOPE_SCORE not in link.ags_scopes:
        return
    if link.line_item_url:
        _queue_score(row, sitting, grade)
    elif link.line_items_url and advantage.SCOPE_LINEITEM in link.ags_scopes and link.line_item_requested_at is None:
        _ask_for_line_item(link, sitting)


def _queue_score(row: LtiSittingLink, sitting: Sitting, grade: dict) -> None:
    link = row.resource_link
    if grade.get("withheld"):
        score = advantage.build_score(user_id=row.platform_user_id, score_given=None, score_maximum=None,
                                      activity_progress="Completed", grading_progress="PendingManual")
    else:
        score = advantage.build_score(user_id=row.platform_user_id, score_given=grade["given"],
                                      score_maximum=grade["max"], activity_progress="Completed",
                                      grading_progress="FullyGraded")
    queue_platform_call(platform_id=link.platform_id, url=advantage.scores_url(link.line_item_url), body=score,
                        content_type=advantage.SCORE_TYPE, scopes=[advantage.SCOPE_SCORE], topic=SCORE_TOPIC,
                        institute_id=link.institute_id, exam_id=sitting.exam_id)
    row.grade_sent = grade


def _ask_for_line_item(link: LtiResourceLink, sitting: Sitting) -> None:
    """A gradebook column for the link, named by its title, out of the sitting's maximum marks."""
    body = {"label": link.title or sitting.exam.name, "scoreMaximum": sitting.max_marks,
            "resourceLinkId": link.resource_link_id}
    queue_platform_call(platform_id=link.platform_id, url=link.line_items_url, body=body,
                        content_type=advantage.LINEITEM_TYPE, scopes=[advantage.SCOPE_LINEITEM],
                        topic=LINE_ITEM_TOPIC, institute_id=link.institute_id, exam_id=sitting.exam_id,
                        on_delivered={"handler": LINE_ITEM_CREATED, "link_id": link.id})
    link.line_item_requested_at = utcnow()


def on_line_item_created(message, *, link_id: int, answer=None) -> None:
    """The platform created the link's line item: keep its URL and send the grades that waited for it."""
    link = db.session.get(LtiResourceLink, link_id)
    url = answer.get("id") if isinstance(answer, dict) else None
    if link is None or link.institute_id != message.institute_id:
        return
    if not isinstance(url, str) or not url.startswith(("https://", "http://")) or len(url) > 1000:
        raise advantage.LtiServiceRefused("The platform answered no line item URL")
    link.line_item_url = url
    db.session.flush()
    for sitting in db.session.scalars(select(Sitting).join(LtiSittingLink, LtiSittingLink.sitting_id == Sitting.id)
                                      .where(LtiSittingLink.resource_link_id == link.id).order_by(Sitting.id)):
        follow_result(sitting)
