"""Registration of candidates to exams and their invitations, listing sittings and deleting a result;
what the exam and candidate pages show of sittings. Every change of a sitting's `status` goes through
`state_machine.transition`."""
from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import NamedTuple

from flask_babel import gettext as _
from sqlalchemy import delete, func, insert, or_, select
from sqlalchemy.orm import selectinload

from webapp.accounts.models import User
from webapp.accounts.services import institute_and_descendants
from webapp.assessments.models import FieldType
from webapp.assessments.services import EMAIL_FIELD
from webapp.bank.models import CefrLevel
from webapp.candidates.models import Candidate
from webapp.core import links
from webapp.core.clock import utcnow
from webapp.core.database import Page, direction, get_in_institute, page_of
from webapp.core.errors import Conflict, ValidationError, parse_enum
from webapp.core.extensions import db
from webapp.core.permissions import Permission, can, require
from webapp.core.validation import normalise_email, single_line
from webapp.exams.models import AccessType, Exam
from webapp.exams.services import exam_placeholders, get_exam, language_to_write_in
from webapp.notifications.models import OutboxMessage
from webapp.notifications.services import cancel_pending_emails, queue_emails, writing_in
from webapp.sittings.models import NOT_STARTED, Response, Sitting, SittingItem, SittingStatus
from webapp.sittings.retakes import retake_chance, start_retake
from webapp.sittings.state_machine import transition

S = SittingStatus
LOOKUP_CHUNK = 500
# Registration fields copied into the candidate's record, whose columns limit their length.
NAME_FIELDS = ("First Name", "Last Name")
NAME_LENGTH = Candidate.first_name.type.length
USERNAME_LENGTH = Candidate.username.type.length
# The words of the eTest service's changelog (ET-324) for an open-link registration with a known e-mail.
EMAIL_ALREADY_REGISTERED = "Email already registered, please use another email address."


def personal_links(actor: User, sittings: list[Sitting]) -> dict[int, str] | None:
    """The personal links of these sittings by sitting id for those allowed to see them, None for the
    others: a link lets whoever holds it take the test."""
    if not can(actor, Permission.VIEW_PERSONAL_LINKS):
        return None
    return {sitting.id: links.personal_url(sitting.access_token) for sitting in sittings}


def sitting_by_token(token: str) -> Sitting | None:
    return db.session.scalar(select(Sitting).where(Sitting.access_token == token))


# Registration ---------------------------------------------------------------------------------------

@dataclass
class RegistrationOutcome:
    """What became of one row, in the words of Mettl's registrationStatus."""

    row: int
    email: str
    status: str            # ToBeTaken (newly registered), Completed, InProgress or Error
    message: str
    url: str | None = None
    field: str | None = None
    sitting_id: int | None = None
    existing: bool = False  # registered before: Mettl's CASE 1 answers it as ToBeTaken with its link
    code: str | None = None  # Mettl's code of a row refused for a mandatory field left out (E003) or a bad e-mail (E004)

    @property
    def registered(self) -> bool:
        """Newly registered by this request."""
        return self.status == "ToBeTaken" and not self.existing

    @property
    def already_registered(self) -> bool:
        return self.status == "ToBeTaken" and self.existing

    @property
    def in_progress(self) -> bool:
        return self.status == "InProgress"

    @property
    def completed(self) -> bool:
        return self.status == "Completed"

    @property
    def failed(self) -> bool:
        return self.status == "Error"


def _clean_row(number: int, row: dict, fields, seen, *,
               invitee: bool = False) -> tuple[str, dict] | RegistrationOutcome:
    """A row's e-mail and registration, or why it is refused. A schedule's invitee (`invitee`) comes with an
    e-mail and at most a name, so only the e-mail is required of them."""
    values = {str(key).strip(): ("" if value is None else str(value).strip()) for key, value in row.items()}
    raw_email = values.get(EMAIL_FIELD, "")
    if not raw_email:
        return RegistrationOutcome(number, "", "Error", f"Mandatory parameter ({EMAIL_FIELD}) for registration "
                                   "not supplied", field=EMAIL_FIELD, code="E003")
    try:
        email = normalise_email(raw_email)
    except ValidationError:
        return RegistrationOutcome(number, raw_email, "Error", "Invalid format for parameter email id",
                                   field=EMAIL_FIELD, code="E004")
    if email in seen:
        return RegistrationOutcome(number, email, "Error", "This e-mail is listed twice; only its first row counts.",
                                   field=EMAIL_FIELD)
    registration = {EMAIL_FIELD: email}
    for item in fields:
        if item.name == EMAIL_FIELD:
            continue
        try:
            value = single_line(values.get(item.name), item.name, field=item.name,
                                max_length=NAME_LENGTH if item.name in NAME_FIELDS else None)
        except ValidationError as error:
            return RegistrationOutcome(number, email, "Error", error.message, field=item.name)
        if item.required and not value and not invitee:
            return RegistrationOutcome(number, email, "Error", f"Mandatory parameter ({item.name}) for registration "
                                       "not supplied", field=item.name, code="E003")
        if value and item.field_type == FieldType.SELECT_BOX and value not in item.values:
            return RegistrationOutcome(number, email, "Error", f"{item.name} must be one of: {', '.join(item.values)}.",
                                       field=item.name)
        registration[item.name] = value
    return email, registration


def _existing(model_query, column, keys: list) -> dict:
    """One query per chunk of keys (never one per row), keyed by `column`."""
    found = {}
    for start in range(0, len(keys), LOOKUP_CHUNK):
        for record in db.session.scalars(model_query.where(column.in_(keys[start:start + LOOKUP_CHUNK]))):
            found[getattr(record, column.key)] = record
    return found


def _username(email: str, taken: dict) -> str:
    """A new candidate's username: their e-mail, unless staff gave that username to someone else or it
    is too long for the column; then a shortened e-mail with a random suffix."""
    if email not in taken and len(email) <= USERNAME_LENGTH:
        return email
    return f"{email[:USERNAME_LENGTH - 7]}-{secrets.token_hex(3)}"


@dataclass(frozen=True)
class Invitee:
    """What an invitation needs to know of a sitting, without loading it."""

    sitting_id: int
    email: str
    name: str
    access_token: str


def register_candidates(actor: User, exam_id, rows: list[dict], *, send_email: bool | None = None,
                        context_data: dict[str, str] | None = None, source: str = "staff",
                        strict: bool = False, invitees: bool = False) -> list[RegistrationOutcome]:
    """Register each row (registration field name -> value) to the exam. Every row gets its own
    outcome; a bad row never stops the good ones, unless `strict`: then a row missing a mandatory field
    (E003) or with a malformed e-mail (E004) fails the whole request, as Mettl's 6.1.2 answers it.
    `invitees`: a schedule's invitees, of whom only the e-mail is required. Candidates are found or
    created by e-mail."""
    require(actor, Permission.EDIT_CANDIDATES)
    outcomes = _register(get_exam(actor, exam_id), rows, send_email=send_email, context_data=context_data,
                         source=source, invitees=invitees)
    refused = next((outcome for outcome in outcomes if outcome.code), None) if strict else None
    if refused is not None:
        raise ValidationError(refused.message, code=refused.code, field=refused.field)
    return outcomes


def register_through_open_link(exam: Exam, row: dict) -> RegistrationOutcome:
    """A candidate registers themself through an OpenForAll exam's link (no staff involved). Only an
    e-mail new to the institute leads to a personal link. Whoever types a known e-mail is told it is
    taken (ET-324) and sees no link: the owner's own personal link for this exam is e-mailed to the
    owner instead (registering them in this exam first if they had no sitting in it)."""
    if exam.access_type != AccessType.OPEN_FOR_ALL:
        raise Conflict(_("This test is by invitation only: please use the personal link from your invitation."))
    known = _known_candidate(exam.institute_id, row.get(EMAIL_FIELD))
    outcome, = _register(exam, [row], send_email=False, context_data=None, source="open link")
    if outcome.sitting_id is None or (outcome.registered and not known):
        return outcome
    sitting = db.session.get(Sitting, outcome.sitting_id)
    if sitting.status == S.EXAM_FINISHED:
        # Registering again is how a retake of an open exam begins; its link, too, goes to the owner only.
        chance = retake_chance(sitting)
        if chance is None or not chance.allowed:
            why = f" {chance.reason}" if chance else ""
            return RegistrationOutcome(outcome.row, outcome.email, outcome.status,
                                       _("You have already taken this test.") + why, field=EMAIL_FIELD,
                                       sitting_id=sitting.id)
        sitting = start_retake(sitting)
    _queue_invitations(exam, [Invitee(sitting.id, sitting.candidate.email, sitting.candidate.name,
                                      sitting.access_token)])
    return RegistrationOutcome(outcome.row, outcome.email, "Error", f"{EMAIL_ALREADY_REGISTERED} If this address is "
                               "yours, we have e-mailed your personal link to it.", field=EMAIL_FIELD,
                               sitting_id=sitting.id)


def register_for_platform(exam: Exam, candidate: Candidate, *, new_attempt: bool = False) -> Sitting:
    """The candidate's latest sitting of the exam, registered first if they have none, for a learner whom a
    learning platform sent (LTI): the course is the invitation, so no e-mail goes out, whatever the exam's
    access; the sitting's own pages then say whether the exam is open. `new_attempt`: a new sitting after
    the latest, for each attempt a platform asks Proctora to proctor."""
    latest = db.session.scalar(select(Sitting).where(Sitting.exam_id == exam.id, Sitting.candidate_id == candidate.id)
                               .order_by(Sitting.attempt.desc()).limit(1))
    sitting = latest
    if latest is None or new_attempt:
        sitting = Sitting(institute_id=exam.institute_id, exam_id=exam.id, candidate_id=candidate.id,
                          attempt=latest.attempt + 1 if latest else 1,
                          access_token=secrets.token_urlsafe(24), registered_by="lti",
                          registration={EMAIL_FIELD: candidate.email, "First Name": candidate.first_name,
                                        "Last Name": candidate.last_name})
        db.session.add(sitting)
        db.session.flush()
    return sitting


def _known_candidate(institute_id: int, email) -> bool:
    """Whether a candidate of the institute already has this e-mail (an invalid one is nobody's)."""
    try:
        email = normalise_email(str(email or ""))
    except ValidationError:
        return False
    return db.session.scalar(select(Candidate.id).where(Candidate.institute_id == institute_id,
                                                        Candidate.email == email)) is not None


def _register(exam: Exam, rows: list[dict], *, send_email: bool | None, context_data: dict[str, str] | None,
              source: str, invitees: bool = False) -> list[RegistrationOutcome]:
    """Lookups go in chunks and inserts in batches, so a thousand rows cost a handful of queries."""
    fields = exam.assessment.registration_fields
    outcomes: list[RegistrationOutcome | None] = []
    accepted: dict[str, tuple[int, dict]] = {}
    for number, row in enumerate(rows, start=1):
        cleaned = _clean_row(number, row, fields, accepted, invitee=invitees)
        if isinstance(cleaned, RegistrationOutcome):
            outcomes.append(cleaned)
        else:
            outcomes.append(None)
            accepted[cleaned[0]] = (number, cleaned[1])

    emails = list(accepted)
    candidate_ids = {email: candidate.id for email, candidate in _existing(
        select(Candidate).where(Candidate.institute_id == exam.institute_id), Candidate.email, emails).items()}
    taken = _existing(select(Candidate).where(Candidate.institute_id == exam.institute_id), Candidate.username,
                      [email for email in emails if email not in candidate_ids])
    new_candidates = [
        {"institute_id": exam.institute_id, "email": email, "username": _username(email, taken),
         "first_name": registration.get("First Name", ""), "last_name": registration.get("Last Name", "")}
        for email, (__, registration) in accepted.items() if email not in candidate_ids]
    if new_candidates:
        candidate_ids.update((email, candidate_id) for candidate_id, email in db.session.execute(
            insert(Candidate).returning(Candidate.id, Candidate.email), new_candidates))
    # In attempt order, so that each candidate's latest attempt is the one kept.
    existing_sittings = _existing(select(Sitting).where(Sitting.exam_id == exam.id).order_by(Sitting.attempt),
                                  Sitting.candidate_id, list(candidate_ids.values()))

    new_sittings = {}
    for email, (number, registration) in accepted.items():
        sitting = existing_sittings.get(candidate_ids[email])
        if sitting is not None:
            outcomes[number - 1] = _outcome_for_existing(number, email, sitting)
        else:
            new_sittings[candidate_ids[email]] = {
                "institute_id": exam.institute_id, "exam_id": exam.id, "candidate_id": candidate_ids[email],
                "access_token": secrets.token_urlsafe(24), "registration": registration,
                "context_data": (context_data or {}).get(email, ""), "registered_by": source}
    invitees = []
    if new_sittings:
        email_of = {candidate_id: email for email, candidate_id in candidate_ids.items()}
        for sitting_id, candidate_id in db.session.execute(
                insert(Sitting).returning(Sitting.id, Sitting.candidate_id), list(new_sittings.values())):
            email = email_of[candidate_id]
            number, registration = accepted[email]
            token = new_sittings[candidate_id]["access_token"]
            outcomes[number - 1] = RegistrationOutcome(number, email, "ToBeTaken",
                                                       "Candidate successfully registered for the test",
                                                       url=links.personal_url(token), sitting_id=sitting_id)
            name = " ".join(filter(None, (registration.get("First Name"), registration.get("Last Name")))) or email
            invitees.append(Invitee(sitting_id, email, name, token))
    if send_email if send_email is not None else exam.email_on_invitation:
        _queue_invitations(exam, invitees)
    return outcomes


def _outcome_for_existing(number: int, email: str, sitting: Sitting) -> RegistrationOutcome:
    if sitting.status == S.EXAM_FINISHED:
        return RegistrationOutcome(number, email, "Completed", "Email ID has already taken this test",
                                   sitting_id=sitting.id)
    if sitting.status == S.EXAM_STARTED:
        return RegistrationOutcome(number, email, "InProgress", "The test is in progress",
                                   url=links.personal_url(sitting.access_token), sitting_id=sitting.id)
    # Mettl's 6.1.2 CASE 1: a candidate yet to take the test is answered as registered, with the link.
    return RegistrationOutcome(number, email, "ToBeTaken", "Candidate successfully registered for the test",
                               url=links.personal_url(sitting.access_token), sitting_id=sitting.id, existing=True)


# Invitations ----------------------------------------------------------------------------------------

def _queue_invitations(exam: Exam, invitees: list[Invitee]) -> None:
    chosen = _chosen_languages([invitee.sitting_id for invitee in invitees])
    languages = {invitee.sitting_id: language_to_write_in(exam, chosen.get(invitee.sitting_id, ""))
                 for invitee in invitees}
    worded = {}
    for language in set(languages.values()):
        with writing_in(language):
            worded[language] = exam_placeholders(exam)
    messages = []
    for invitee in invitees:
        language, link = languages[invitee.sitting_id], links.personal_url(invitee.access_token)
        messages.append({
            "to": invitee.email, "template": "exam_invitation", "language": language, "topic": "exam_invitation",
            "institute_id": exam.institute_id, "exam_id": exam.id,
            "context": {"exam": exam, "assessment": exam.assessment, "institute": exam.institute,
                        "candidate_name": invitee.name, "link": link, "window": worded[language]["window"]},
            "placeholders": {**worded[language], "candidate_name": invitee.name, "link": link},
            "on_delivered": _invitation_delivered(invitee.sitting_id)})
    queue_emails(messages)


def _chosen_languages(sitting_ids: list[int]) -> dict[int, str]:
    """The languages the sittings' candidates chose on a candidate page, by sitting (none: not there)."""
    found = {}
    for start in range(0, len(sitting_ids), LOOKUP_CHUNK):
        found.update(db.session.execute(
            select(Sitting.id, Candidate.language).join(Candidate, Sitting.candidate_id == Candidate.id)
            .where(Sitting.id.in_(sitting_ids[start:start + LOOKUP_CHUNK]), Candidate.language != "")).all())
    return found


def send_invitations(actor: User, exam_id, sitting_ids: list | None = None) -> int:
    """Queue the invitation e-mail for the exam's sittings not yet started (or the chosen ones).
    A sitting becomes `mail_sent` when the mail server accepts its e-mail, not before."""
    require(actor, Permission.EDIT_CANDIDATES)
    exam = get_exam(actor, exam_id)
    query = (select(Sitting).where(Sitting.exam_id == exam.id, Sitting.status.in_(NOT_STARTED))
             .options(selectinload(Sitting.candidate)))
    if sitting_ids is not None:
        query = query.where(Sitting.id.in_([int(sitting_id) for sitting_id in sitting_ids]))
    # In the order of registration: the outbox (and a reader of it) sees the invitations as the list was sent.
    sittings = list(db.session.scalars(query.order_by(Sitting.id)))
    _queue_invitations(exam, [Invitee(sitting.id, sitting.candidate.email, sitting.candidate.name,
                                      sitting.access_token) for sitting in sittings])
    return len(sittings)


def _invitation_delivered(sitting_id: int) -> dict:
    """The side effect of an invitation e-mail: its sitting becomes `mail_sent`."""
    return {"handler": "sitting_mail_sent", "sitting_id": sitting_id}


def on_invitation_delivered(message: OutboxMessage, sitting_id: int) -> None:
    sitting = db.session.get(Sitting, sitting_id)
    if sitting is None:
        return
    sitting.mail_sent_at = utcnow()
    if sitting.status == S.REGISTERED:
        transition(sitting, S.MAIL_SENT)



# Listing, removing and deleting results -----------------------------------------------------------

def exam_sittings(actor: User, exam_id, *, status: str | None = None, text: str = "", page: int = 1,
                  per_page: int = 50):
    """A page of the exam's sittings with their candidates, in registration order."""
    require(actor, Permission.VIEW_CANDIDATES)
    exam = get_exam(actor, exam_id)
    query = select(Sitting).join(Candidate).where(Sitting.exam_id == exam.id).options(selectinload(Sitting.candidate))
    if status:
        query = query.where(Sitting.status == SittingStatus(status))
    if text and text.strip():
        needle = text.strip().lower()
        query = query.where(or_(*(func.lower(column).contains(needle, autoescape=True) for column in
                                  (Candidate.email, Candidate.first_name, Candidate.last_name))))
    return db.paginate(query.order_by(Sitting.id), page=page, per_page=per_page, error_out=False)


def exam_sittings_page(actor: User, exam: Exam, *, offset: int, limit: int, sort: str, descending: bool) -> Page:
    """The exam's sittings sorted by testStartTime (those not started last) or by candidate name."""
    require(actor, Permission.VIEW_CANDIDATES)
    of_exam = (Sitting.exam_id == exam.id, Sitting.institute_id == actor.institute_id)
    query = (select(Sitting).join(Candidate, Candidate.id == Sitting.candidate_id).where(*of_exam)
             .options(selectinload(Sitting.candidate)))
    if sort == "testStartTime":
        order = [direction(Sitting.started_at, descending).nulls_last()]
    else:
        order = [direction(func.lower(Candidate.first_name), descending),
                 direction(func.lower(Candidate.last_name), descending)]
    page = page_of(query, [*order, direction(Sitting.id, descending)], offset, limit,
                   count=select(func.count()).select_from(Sitting).where(*of_exam))
    return Page([sitting for sitting, in page.items], page.total)


def sitting_for_email(actor: User, exam: Exam, email: str) -> Sitting | None:
    """The exam's sitting of the candidate with this (normalised) e-mail: their latest attempt."""
    require(actor, Permission.VIEW_CANDIDATES)
    return db.session.scalar(select(Sitting).join(Candidate, Candidate.id == Sitting.candidate_id).where(
        Sitting.exam_id == exam.id, Sitting.institute_id == actor.institute_id, Candidate.email == email)
        .order_by(Sitting.attempt.desc()).limit(1))


def search_sittings(actor: User, *, exam_id: int | None = None, candidate_id: int | None = None,
                     status: str | None = None, email: str | None = None, username: str | None = None,
                     level: str | None = None, include_sub_institutes: bool = False, newest_first: bool = False,
                     page: int = 1, per_page: int = 25):
    """Sittings of the institute (and its branches if asked), filtered, in registration order (or the newest
    first, so that a candidate's latest attempt at an exam comes before their earlier ones)."""
    require(actor, Permission.VIEW_CANDIDATES)
    institutes = (institute_and_descendants(actor.institute_id) if include_sub_institutes
                  else [actor.institute_id])
    query = (select(Sitting).where(Sitting.institute_id.in_(institutes))
             .options(selectinload(Sitting.candidate), selectinload(Sitting.exam)))
    if email or username or level is not None:
        # Joined only for these filters: the page's count then reads no candidate.
        query = query.join(Candidate, Candidate.id == Sitting.candidate_id)
    if exam_id is not None:
        query = query.where(Sitting.exam_id == exam_id)
    if candidate_id is not None:
        query = query.where(Sitting.candidate_id == candidate_id)
    # A filter given empty is refused like any other value outside its list, not taken as no filter.
    if status is not None:
        query = query.where(Sitting.status == parse_enum(SittingStatus, status, "status", _("status")))
    if email:
        query = query.where(Candidate.email == email.strip().lower())
    if username:
        query = query.where(Candidate.username == username.strip())
    if level is not None:
        query = query.where(Candidate.current_level == parse_enum(CefrLevel, level, "level", _("CEFR level")))
    return db.paginate(query.order_by(Sitting.id.desc() if newest_first else Sitting.id), page=page,
                       per_page=per_page, error_out=False)


def sitting_counts_by_exam(actor: User, exam_ids: list[int]) -> dict[int, dict[str, int]]:
    """How many sittings each of the actor's exams has in each state (in the state machine's order),
    in one grouped query."""
    require(actor, Permission.VIEW_EXAMS)
    counts = {exam_id: dict.fromkeys((status.value for status in SittingStatus), 0) for exam_id in exam_ids}
    for exam_id, status, count in db.session.execute(
            select(Sitting.exam_id, Sitting.status, func.count())
            .where(Sitting.exam_id.in_(exam_ids), Sitting.institute_id == actor.institute_id)
            .group_by(Sitting.exam_id, Sitting.status)):
        counts[exam_id][status.value] = count
    return counts


def get_sitting(actor: User, sitting_id) -> Sitting:
    require(actor, Permission.VIEW_CANDIDATES)
    return get_in_institute(Sitting, actor.institute_id, sitting_id, "Sitting")


def change_invitees(actor: User, exam: Exam, *, add: list[dict], remove: list[str] = (),
                    send_email: bool | None = None) -> None:
    """An exam's invitees changed in one go (Mettl's create and edit schedule): the invitations of the
    removed e-mails withdrawn, the added rows registered. Unlike a registration list, a row the rules
    refuse fails the whole change (E003), which the request then rolls back."""
    for email in remove:
        sitting = sitting_for_email(actor, exam, email)
        if sitting is not None:
            remove_sitting(actor, sitting.id)
    if not add:
        return
    for outcome in register_candidates(actor, exam.id, add, send_email=send_email, source="api", invitees=True):
        if outcome.sitting_id is None:
            raise ValidationError(outcome.message, code="E003", field=outcome.field)


def remove_sitting(actor: User, sitting_id) -> None:
    """Withdraw a candidate's invitation; refused once the test has begun."""
    require(actor, Permission.EDIT_CANDIDATES)
    sitting = get_sitting(actor, sitting_id)
    if not sitting.is_not_started:
        raise Conflict(_("The candidate has started this test; the sitting is kept."))
    # An invitation not yet sent would carry a link that no longer works.
    cancel_pending_emails(exam_id=sitting.exam_id, topic="exam_invitation",
                          on_delivered=_invitation_delivered(sitting.id))
    db.session.delete(sitting)


def remove_student(actor: User, sitting_id) -> bool:
    """EURO PRUEFSTER's DELETE /student_sessions/:id "deletes one student and removes from its exam": the
    sitting goes as `remove_sitting` says, and the candidate with it when they have no other sitting.
    Returns whether the candidate went too."""
    candidate = get_sitting(actor, sitting_id).candidate
    remove_sitting(actor, sitting_id)
    db.session.flush()
    if db.session.scalar(select(func.count()).select_from(Sitting).where(Sitting.candidate_id == candidate.id)):
        return False
    db.session.delete(candidate)
    return True


def sitting_papers(sittings: list[Sitting]) -> dict[int, tuple[list[SittingItem], dict[int, Response]]]:
    """The frozen items and responses of several sittings in two queries (for a page of results)."""
    ids = [sitting.id for sitting in sittings]
    found: dict[int, tuple[list, dict]] = {sitting_id: ([], {}) for sitting_id in ids}
    if not ids:
        return found
    for item in db.session.scalars(select(SittingItem).where(SittingItem.sitting_id.in_(ids))
                                   .order_by(SittingItem.sitting_id, SittingItem.position)):
        found[item.sitting_id][0].append(item)
    for response in db.session.scalars(select(Response).where(Response.sitting_id.in_(ids))):
        found[response.sitting_id][1][response.item_id] = response
    return found


# What the exam and candidate pages show of sittings, and what an exam's changes must respect ----------

def has_started_sittings(exam: Exam) -> bool:
    return db.session.scalar(select(Sitting.id).where(Sitting.exam_id == exam.id,
                                                      Sitting.status.not_in(NOT_STARTED)).limit(1)) is not None


def refuse_changing_a_started_exam(exam: Exam, *, changes: dict) -> None:
    """The sittings' papers were drawn from the exam's assessment: once a candidate started, it stays."""
    if changes.get("assessment_id", exam.assessment_id) != exam.assessment_id and has_started_sittings(exam):
        raise ValidationError(_("Candidates have started this exam; its assessment can no longer change."),
                              code="E789", field="assessment_id")


def delete_registrations(exam: Exam) -> None:
    """Only an exam nobody has started yet may go, with its registrations; deactivate one with history
    instead."""
    if has_started_sittings(exam):
        raise Conflict(_("Candidates have taken this exam; deactivate it instead of deleting it."))
    # One statement for all registrations; their check events go with them (ON DELETE CASCADE).
    db.session.execute(delete(Sitting).where(Sitting.exam_id == exam.id))


def registered_candidates(actor: User, exam_ids: list[int]) -> dict[int, list[Candidate]]:
    """The candidates registered to each exam, in registration order, in one query; a candidate with
    several attempts once."""
    require(actor, Permission.VIEW_CANDIDATES)
    found: dict[int, dict[int, Candidate]] = {exam_id: {} for exam_id in exam_ids}
    for exam_id, candidate in db.session.execute(
            select(Sitting.exam_id, Candidate).join(Candidate, Candidate.id == Sitting.candidate_id)
            .where(Sitting.exam_id.in_(exam_ids), Sitting.institute_id == actor.institute_id).order_by(Sitting.id)):
        found[exam_id].setdefault(candidate.id, candidate)
    return {exam_id: list(candidates.values()) for exam_id, candidates in found.items()}


def candidate_sittings(actor: User, candidate: Candidate) -> list[Sitting]:
    require(actor, Permission.VIEW_CANDIDATES)
    return list(db.session.scalars(
        select(Sitting).where(Sitting.candidate_id == candidate.id)
        .options(selectinload(Sitting.exam).selectinload(Exam.assessment)).order_by(Sitting.id.desc())))


def sitting_counts_by_candidate(actor: User, candidate_ids: list[int]) -> dict[int, int]:
    """How many sittings each candidate has, in one grouped query."""
    require(actor, Permission.VIEW_CANDIDATES)
    return dict(db.session.execute(
        select(Sitting.candidate_id, func.count()).where(
            Sitting.candidate_id.in_(candidate_ids),
            Sitting.institute_id.in_(institute_and_descendants(actor.institute_id)))
        .group_by(Sitting.candidate_id)).all())


class SittingRow(NamedTuple):
    """A line of the candidate page's sittings, with the links the actor may follow from it."""
    sitting: Sitting
    links_exam: bool     # the exam is the actor's institute's, not a branch's
    links_result: bool   # and the test is finished, and the actor reads results


def candidate_sitting_rows(actor: User, candidate: Candidate) -> list[SittingRow]:
    reads_results = can(actor, Permission.VIEW_RESULTS)
    rows = []
    for sitting in candidate_sittings(actor, candidate):
        own = sitting.institute_id == actor.institute_id
        rows.append(SittingRow(sitting, own, own and sitting.is_finished and reads_results))
    return rows
