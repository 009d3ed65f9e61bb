"""A course's roster imported as candidates of the exam its link opens (Names and Role Provisioning Services
2.0). Staff ask for it on the exam's learning platform page (`queue_roster_import`); the worker runs it
(`run_roster_imports`, a periodic job), since it is a call to the platform, page after page, that no
request should wait for; the page shows how it went.

Each active learner with an e-mail is found by the platform's user id (as their launches find them), else
by e-mail, else created, and registered for the exam without an invitation (the course is the invitation,
as for a launch) unless staff asked for the invitation e-mails; their sitting's grades then go back to the
link's line item. Members who are not
active, have no e-mail or are the course's staff are skipped. Importing again adds only who is new."""
from __future__ import annotations

from datetime import timedelta

from flask_babel import gettext as _
from sqlalchemy import and_, or_, select, update

from webapp.accounts.models import User
from webapp.audit.services import audit
from webapp.core.clock import utcnow
from webapp.core.database import get_in_institute
from webapp.core.errors import Conflict, NotFound, ValidationError
from webapp.core.extensions import db
from webapp.core.permissions import Permission, can, require
from webapp.core.validation import normalise_email
from webapp.exams.models import Exam
from webapp.lti import advantage, grades
from webapp.lti.calls import platform_token
from webapp.lti.launch import STAFF_ROLES, person_names, platform_candidate, role_names, user_link
from webapp.lti.models import ACTIVE_ROSTER_IMPORTS, LtiResourceLink, LtiRosterImport, RosterImportStatus
from webapp.notifications.worker import DeliveryFailure
from webapp.sittings import services as sittings
from webapp.sittings.models import Sitting

RECENT_IMPORTS = 10
# Longer than any import takes: every call to the platform has its timeout, a roster has at most MAX_MEMBER_PAGES.
ABANDONED_AFTER = timedelta(hours=1)


def exam_links(actor: User, exam_id) -> tuple[Exam, list[LtiResourceLink], list[LtiRosterImport]]:
    """The exam, the courses' links that open it, and its latest roster imports, newest first."""
    require(actor, Permission.VIEW_EXAMS)
    exam = get_in_institute(Exam, actor.institute_id, exam_id, "Exam")
    links = list(db.session.scalars(select(LtiResourceLink).where(
        LtiResourceLink.exam_id == exam.id, LtiResourceLink.institute_id == exam.institute_id)
        .order_by(LtiResourceLink.id)))
    imports = list(db.session.scalars(select(LtiRosterImport).where(
        LtiRosterImport.exam_id == exam.id, LtiRosterImport.institute_id == exam.institute_id)
        .order_by(LtiRosterImport.id.desc()).limit(RECENT_IMPORTS)))
    return exam, links, imports


def queue_roster_import(actor: User, exam_id, link_id, *, send_invitations: bool = False) -> LtiRosterImport:
    """Ask the worker to import the course's learners of one of the exam's links (and to e-mail the
    candidates it registers their invitation, if `send_invitations`)."""
    require(actor, Permission.EDIT_CANDIDATES)
    exam = get_in_institute(Exam, actor.institute_id, exam_id, "Exam")
    link = get_in_institute(LtiResourceLink, actor.institute_id, link_id, "Link")
    if link.exam_id != exam.id:
        raise NotFound("Link")
    if not link.memberships_url:
        raise Conflict(_("The learning platform did not offer this course's roster (Names and Role Provisioning) "
                         "in its launches: enable the service for Proctora in the platform, then open the link "
                         "in the course once."))
    if db.session.scalar(select(LtiRosterImport.id).where(LtiRosterImport.resource_link_id == link.id,
                                                          LtiRosterImport.status.in_(ACTIVE_ROSTER_IMPORTS))) is not None:
        raise Conflict(_("This course's roster is being imported already."))
    run = LtiRosterImport(institute_id=exam.institute_id, exam_id=exam.id, resource_link_id=link.id,
                          requested_by_id=actor.id, send_invitations=send_invitations)
    db.session.add(run)
    db.session.flush()
    audit(actor, "lti.roster_import", "exam", exam.id, {}, {"link": link.resource_link_id, "course": link.context_id,
                                                            "send_invitations": send_invitations}, label=exam.name)
    return run


def _runnable():
    """Waiting, or left running by a worker that stopped (nothing of its run was kept but its claim: running
    it again is safe)."""
    return or_(LtiRosterImport.status == RosterImportStatus.QUEUED,
               and_(LtiRosterImport.status == RosterImportStatus.RUNNING,
                    LtiRosterImport.started_at < utcnow() - ABANDONED_AFTER))


def run_roster_imports() -> int:
    """The worker's periodic job: run the oldest waiting import, if any (one per poll). Returns how many ran."""
    run = db.session.scalar(select(LtiRosterImport).where(_runnable())
                            .order_by(LtiRosterImport.id).limit(1).with_for_update(skip_locked=True))
    if run is None:
        return 0
    claimed = db.session.execute(update(LtiRosterImport).where(
        LtiRosterImport.id == run.id, LtiRosterImport.status == run.status,
        LtiRosterImport.started_at.is_not_distinct_from(run.started_at))
        .values(status=RosterImportStatus.RUNNING, started_at=utcnow()).execution_options(synchronize_session=False))
    if claimed.rowcount != 1:
        return 0
    db.session.refresh(run)
    try:
        members = _members(run.resource_link)
    except DeliveryFailure as failure:
        run.status, run.error, run.finished_at = RosterImportStatus.FAILED, str(failure)[:2000], utcnow()
        return 1
    _import(run, members)
    run.status, run.finished_at = RosterImportStatus.DONE, utcnow()
    return 1


def _members(link: LtiResourceLink) -> list[dict]:
    """Every member of the link's course, asked with a token; a rejected token is dropped and asked once
    more (the platform may have revoked it)."""
    url, platform = link.memberships_url, link.platform
    token, forget = platform_token(platform, [advantage.SCOPE_MEMBERSHIPS])
    try:
        return advantage.fetch_members(url, token)
    except advantage.TokenRejected:
        forget()
    token, _forget = platform_token(platform, [advantage.SCOPE_MEMBERSHIPS])
    return advantage.fetch_members(url, token)


def _learner(member) -> bool:
    """An active member whose roles are a learner's and no staff role."""
    if not isinstance(member, dict) or not isinstance(member.get("user_id"), str) or not member["user_id"]:
        return False
    names = role_names(member.get("roles"))
    return member.get("status", "Active") == "Active" and "Learner" in names and not names & STAFF_ROLES.keys()


def _email(member: dict) -> str | None:
    try:
        return normalise_email(str(member.get("email") or ""))
    except ValidationError:
        return None


def _import(run: LtiRosterImport, members: list) -> None:
    link = run.resource_link
    exam = db.session.get(Exam, run.exam_id)
    added = []
    for member in members:
        email = _email(member) if _learner(member) else None
        if email is None:
            run.skipped += 1
            continue
        sub = member["user_id"][:255]
        candidate = platform_candidate(link.platform, user_link(link.platform, sub), email, person_names(member))
        known = db.session.scalar(select(Sitting.id).where(Sitting.exam_id == exam.id,
                                                           Sitting.candidate_id == candidate.id).limit(1))
        sitting = sittings.register_for_platform(exam, candidate)
        if known is None:
            added.append(sitting.id)
        else:
            run.existing += 1
        grades.link_sitting(sitting, link, sub)
    run.added = len(added)
    if run.send_invitations and added:
        _invite(run, exam, added)


def _invite(run: LtiRosterImport, exam: Exam, sitting_ids: list[int]) -> None:
    """The invitation e-mails, sent as the staff member who asked for them, if they still may."""
    requester = db.session.get(User, run.requested_by_id) if run.requested_by_id else None
    if can(requester, Permission.EDIT_CANDIDATES):
        sittings.send_invitations(requester, exam.id, sitting_ids)
    else:
        run.error = _("No invitation was sent: the staff member who asked for the import may no longer register "
                      "candidates.")
