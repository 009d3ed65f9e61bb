"""The audit log: the writer every domain calls in the service that makes a change (same transaction),
and the readers behind the console page and its CSV export.

Who reads it (webapp/accounts/permissions.py): admins and examiners every entry of their institute
(`audit.view`); proctors only their own actions (`audit.own`), as before the log left proctoring;
support not at all."""
from __future__ import annotations

import csv
import enum
from datetime import date, datetime, time, timedelta, timezone

from flask_babel import gettext as _, lazy_gettext as _l
from markupsafe import Markup
from sqlalchemy import select

from webapp.accounts.models import User
from webapp.audit.models import AuditEntry
from webapp.core.clock import utcnow
from webapp.core.database import MAX_ID
from webapp.core.errors import ValidationError
from webapp.core.extensions import db
from webapp.core.permissions import Permission, can, require
from webapp.core.spreadsheets import csv_buffer, safe_text

LABEL_LENGTH = AuditEntry.target_label.type.length
VALUE_LENGTH = 80           # a changed value longer than this is cut short in the summary
COLUMNS = ("time", "actor", "action", "target_type", "target", "changes")

# What each action reads as, with the person who acted (%(who)s) and the target's name (%(target)s):
# whole sentences, since the word order differs between languages.
ACTION_SENTENCES = {
    "login.success": _l("%(who)s logged in."),
    "login.failure": _l("Someone tried to log in as %(target)s with a wrong password."),
    "password.set": _l("%(who)s chose a password."),
    "password.change": _l("%(who)s changed their password."),
    "password.reset_requested": _l("Someone asked for a link to choose a new password for %(target)s."),
    "password.reset": _l("%(who)s chose a new password with a reset link."),
    "two_factor.enable": _l("%(who)s turned two-factor sign-in on."),
    "two_factor.disable": _l("%(who)s turned two-factor sign-in off."),
    "two_factor.recovery_codes": _l("%(who)s made new recovery codes."),
    "two_factor.reset": _l("%(who)s turned off the two-factor sign-in of %(target)s."),
    "two_factor.failure": _l("Someone gave a wrong two-factor code when logging in as %(target)s."),
    "staff.invite": _l("%(who)s invited %(target)s."),
    "staff.update": _l("%(who)s changed the account of %(target)s."),
    "staff.deactivate": _l("%(who)s deactivated the account of %(target)s."),
    "institute.update": _l("%(who)s changed the details of the institute %(target)s."),
    "institute.logo": _l("%(who)s replaced the logo of %(target)s."),
    "institute.white_label": _l("%(who)s changed the branding of %(target)s."),
    "institute.retention": _l("%(who)s changed how long %(target)s keeps proctoring images."),
    "institute.certificate": _l("%(who)s changed the certificate settings of %(target)s."),
    "api_credential.issue": _l("%(who)s issued the API credential %(target)s."),
    "api_credential.revoke": _l("%(who)s revoked the API credential %(target)s."),
    "skill.create": _l("%(who)s created the skill %(target)s."),
    "skill.update": _l("%(who)s changed the skill %(target)s."),
    "question.create": _l("%(who)s wrote the question “%(target)s”."),
    "question.update": _l("%(who)s changed the question “%(target)s”."),
    "question.retire": _l("%(who)s retired the question “%(target)s”."),
    "question.reactivate": _l("%(who)s reactivated the question “%(target)s”."),
    "question.delete": _l("%(who)s deleted the question “%(target)s”."),
    "question.rescore": _l("%(who)s re-scored the answers to the question “%(target)s”."),
    "items.calibrate": _l("%(who)s calibrated the items from %(target)s finished sittings."),
    "cut_scores.update": _l("%(who)s changed the CEFR cut scores of %(target)s."),
    "questions.import": _l("%(who)s imported questions from the file %(target)s."),
    "assessment.create": _l("%(who)s created the assessment %(target)s."),
    "assessment.update": _l("%(who)s changed the assessment %(target)s."),
    "assessment.delete": _l("%(who)s deleted the assessment %(target)s."),
    "exam.create": _l("%(who)s created the exam %(target)s."),
    "exam.update": _l("%(who)s changed the exam %(target)s."),
    "exam.delete": _l("%(who)s deleted the exam %(target)s."),
    "exam.proctor_pool": _l("%(who)s changed the proctors of the exam %(target)s."),
    "sitting.admit": _l("%(who)s admitted %(target)s."),
    "sitting.reject": _l("%(who)s turned away %(target)s."),
    "sitting.message": _l("%(who)s sent a message to %(target)s."),
    "sitting.extend": _l("%(who)s gave %(target)s extra time."),
    "sitting.terminate": _l("%(who)s ended the test of %(target)s."),
    "sitting.flag": _l("%(who)s flagged %(target)s."),
    "sitting.flag_resolved": _l("%(who)s resolved a flag on %(target)s."),
    "sitting.resume": _l("%(who)s reopened the test of %(target)s."),
    "sitting.platform_pause": _l("%(who)s paused the assessment of %(target)s on the learning platform."),
    "sitting.platform_resume": _l("%(who)s resumed the assessment of %(target)s on the learning platform."),
    "sitting.delete_report": _l("%(who)s deleted the report of %(target)s."),
    "result.review": _l("%(who)s reviewed the proctoring of %(target)s."),
    "result.override": _l("%(who)s released the withheld result of %(target)s."),
    "result.release": _l("%(who)s released the result of %(target)s."),
    "response.grade": _l("%(who)s graded an answer of %(target)s."),
    "certificate.revoke": _l("%(who)s revoked the certificate %(target)s."),
    "lti_platform.add": _l("%(who)s registered the learning platform %(target)s."),
    "lti_platform.remove": _l("%(who)s removed the learning platform %(target)s."),
    "lti.launch_refused": _l("A launch from the learning platform %(target)s was refused."),
}
# The kinds of target, as the log's filter offers them.
TARGET_TYPES = {
    "user": _l("Staff member"), "institute": _l("Institute"), "api_credential": _l("API credential"),
    "skill": _l("Skill"), "question": _l("Question"), "assessment": _l("Assessment"), "exam": _l("Exam"),
    "sitting": _l("Sitting"), "response": _l("Answer"), "certificate": _l("Certificate"),
    "import_run": _l("Question import"),
    "calibration_run": _l("Item calibration"), "lti_platform": _l("Learning platform"),
}
# The changed fields as people call them; a field without words shows its stored name in plain letters.
FIELD_LABELS = {
    "name": _l("Name"), "email": _l("E-mail"), "role": _l("Role"), "active": _l("Active"),
    "status": _l("Status"), "pass_mark": _l("Pass mark"), "duration": _l("Duration"),
    "duration_minutes": _l("Duration (minutes)"), "minutes": _l("Minutes"), "reason": _l("Reason"),
    "note": _l("Note"), "comment": _l("Comment"), "outcome": _l("Outcome"), "category": _l("Category"),
    "revoked": _l("Revoked"), "released": _l("Released"), "withheld": _l("Withheld"), "valid": _l("Valid"),
    "marks": _l("Marks"), "stem": _l("Question"), "type": _l("Type"), "description": _l("Description"),
    "assessment": _l("Assessment"), "legal_name": _l("Legal name"), "address": _l("Address"),
    "country": _l("Country"), "contact_email": _l("Contact e-mail"), "phone": _l("Phone"), "website": _l("Website"),
    "blind_grading": _l("Blind grading"), "require_two_factor": _l("Two-factor sign-in required"),
    "default_release_policy": _l("Result release"),
    "language": _l("Language"), "time_zone": _l("Time zone"), "logo": _l("Logo"), "image_days": _l("Days images are kept"),
    "body": _l("Message"), "proctors": _l("Proctors"), "start_at": _l("Start"), "end_at": _l("End"),
}


# The writer --------------------------------------------------------------------------------------------

def audit(actor: User | None, action: str, target_type: str, target_id: int, before: dict | None = None,
          after: dict | None = None, *, label: str, institute_id: int | None = None,
          actor_name: str = "") -> AuditEntry:
    """Record `action` on a target, named `label` as people know it. `actor` is None when no user acts
    (a failed login, the command line): then `institute_id` says whose log it belongs to, and
    `actor_name` who acted if anyone did (accounts.credentials.COMMAND_LINE)."""
    entry = AuditEntry(institute_id=actor.institute_id if actor else institute_id,
                       actor_id=actor.id if actor else None, actor_name=actor.name if actor else actor_name,
                       action=action, target_type=target_type, target_id=target_id,
                       target_label=(label or "")[:LABEL_LENGTH], before=before or {}, after=after or {},
                       created_at=utcnow())
    db.session.add(entry)
    return entry


def _plain(value):
    """A value as the JSON column keeps it: enums by their value, times in ISO 8601."""
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, (datetime, date, time)):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        return [_plain(item) for item in value]
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    return value


def differences(before: dict, after: dict) -> tuple[dict, dict]:
    """The fields whose value differs, as (before, after)."""
    old, new = {}, {}
    for name in [*before, *(name for name in after if name not in before)]:
        was, now = _plain(before.get(name)), _plain(after.get(name))
        if was != now:
            old[name], new[name] = was, now
    return old, new


def changed_fields(record, values: dict) -> tuple[dict, dict]:
    """Before and after of the fields `values` would change on `record`: call it before changing it."""
    return differences({name: getattr(record, name) for name in values}, values)


def record_accounts_change(actor, **entry) -> None:
    """Accounts sit below the audit log: they announce their changes (`events.accounts_changed`, subscribed
    in webapp.wiring), which are written here."""
    audit(actor, **entry)


# The readers -------------------------------------------------------------------------------------------

def _number(value, field: str, refusal: str) -> int | None:
    if value in (None, ""):
        return None
    text = str(value).strip()
    if not (text.isascii() and text.isdigit()) or not 0 < int(text) <= MAX_ID:
        raise ValidationError(refusal, field=field)
    return int(text)


def _day(value, field: str) -> date | None:
    if value in (None, ""):
        return None
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError:
        raise ValidationError(_("Give the date as YYYY-MM-DD."), field=field) from None


def _query(actor: User, *, action: str = "", target_type: str = "", target_id=None, actor_id=None,
           since=None, until=None):
    """The entries the actor may read, filtered; `since` and `until` are days (UTC), both included."""
    if can(actor, Permission.VIEW_AUDIT):
        query = select(AuditEntry).where(AuditEntry.institute_id == actor.institute_id)
    else:
        require(actor, Permission.VIEW_OWN_AUDIT)
        query = select(AuditEntry).where(AuditEntry.institute_id == actor.institute_id,
                                         AuditEntry.actor_id == actor.id)
    if action:
        query = query.where(AuditEntry.action == action)
    if target_type:
        query = query.where(AuditEntry.target_type == target_type)
    if (number := _number(target_id, "target_id", _("The target must be a number."))) is not None:
        query = query.where(AuditEntry.target_id == number)
    if (number := _number(actor_id, "actor_id", _("The person must be given by their number."))) is not None:
        query = query.where(AuditEntry.actor_id == number)
    if (day := _day(since, "since")) is not None:
        query = query.where(AuditEntry.created_at >= datetime.combine(day, time(), timezone.utc))
    if (day := _day(until, "until")) is not None:
        query = query.where(AuditEntry.created_at < datetime.combine(day + timedelta(days=1), time(), timezone.utc))
    return query.order_by(AuditEntry.created_at.desc(), AuditEntry.id.desc())


def audit_log(actor: User, *, page: int = 1, per_page: int = 50, **filters):
    return db.paginate(_query(actor, **filters), page=page, per_page=per_page, error_out=False)


def audit_filters(actor: User) -> dict:
    """The choices of the page's filters: what is recorded in the entries the actor may read."""
    entries = _query(actor).order_by(None).subquery()
    return {
        "actions": list(db.session.scalars(select(entries.c.action).distinct().order_by(entries.c.action))),
        "target_types": list(db.session.scalars(select(entries.c.target_type).distinct()
                                                .order_by(entries.c.target_type))),
        "actors": db.session.execute(select(entries.c.actor_id, entries.c.actor_name).distinct()
                                     .where(entries.c.actor_id.is_not(None))
                                     .order_by(entries.c.actor_name, entries.c.actor_id)).all(),
    }


def actor_name(entry: AuditEntry) -> str:
    return entry.actor_name or _("Someone not logged in")


def target_name(entry: AuditEntry) -> str:
    # Entries written before targets were named show the kind and id.
    return entry.target_label or f"{entry.target_type} {entry.target_id}"


def action_label(action: str) -> str:
    """An action as the log's filter offers it: its sentence without a person or a target."""
    sentence = ACTION_SENTENCES.get(action)
    return str(sentence % {"who": "…", "target": "…"}) if sentence else action


def sentence(entry: AuditEntry, *, marked: bool = False) -> str:
    """The entry as one sentence with names: "Ana Ruiz changed “Pass mark” of Placement B2 from 60 to
    65." when one field changed, else what was done ("Ana Ruiz changed the exam Placement B2.").
    `marked`: as HTML, the person and the target each isolated in a <bdi> (data-actor, data-target), so
    that a name in another script keeps its direction inside the sentence."""
    who, target = actor_name(entry), target_name(entry)
    if marked:
        who = Markup('<bdi data-actor>{}</bdi>').format(who)
        target = Markup('<bdi data-target>{}</bdi>').format(target)
    before, after = entry.before or {}, entry.after or {}
    changed = [key for key in before if key in after and before[key] != after[key]]
    if entry.action.endswith(".update") and len(changed) == 1 and len(before) == 1:
        key = changed[0]
        template = _("%(who)s changed “%(field)s” of %(target)s from %(before)s to %(after)s.")
        values = {"field": field_label(key), "before": _value(before[key]), "after": _value(after[key])}
    elif entry.action in ACTION_SENTENCES:
        template, values = str(ACTION_SENTENCES[entry.action]), {}
    else:
        template, values = _("%(who)s: %(action)s on %(target)s."), {"action": entry.action}
    values.update(who=who, target=target)
    # Escaped first, so that only the names' own elements are markup.
    return Markup.escape(template) % values if marked else template % values


def target_type_label(target_type: str) -> str:
    label = TARGET_TYPES.get(target_type)
    return str(label) if label else target_type


def field_label(key: str) -> str:
    label = FIELD_LABELS.get(key)
    return str(label) if label else key.replace("_", " ").capitalize()


def _value(value) -> str:
    if value is None or value == "":
        return _("none")
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, list):
        text = ", ".join(_value(item) for item in value) or _("none")
    elif isinstance(value, dict):
        text = ", ".join(f"{field_label(key)}: {_value(item)}" for key, item in value.items()) or _("none")
    else:
        text = str(value)
    return text if len(text) <= VALUE_LENGTH else text[:VALUE_LENGTH - 1] + "…"


def changes(entry: AuditEntry) -> list[str]:
    """What changed, one line per field, in words: "Role: proctor -> examiner", "Minutes: 5"."""
    before, after = entry.before or {}, entry.after or {}
    lines = []
    for key in [*before, *(key for key in after if key not in before)]:
        name = field_label(key)
        if key in before and key in after:
            if before[key] != after[key]:
                lines.append(_("%(field)s: %(before)s -> %(after)s", field=name, before=_value(before[key]),
                               after=_value(after[key])))
        elif key in after:
            lines.append(_("%(field)s: %(value)s", field=name, value=_value(after[key])))
        else:
            lines.append(_("%(field)s was: %(value)s", field=name, value=_value(before[key])))
    return lines


def audit_csv(actor: User, **filters) -> str:
    """The same columns as the page, names and changes in words."""
    out = csv_buffer()
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    for entry in db.session.scalars(_query(actor, **filters).execution_options(yield_per=500)):
        writer.writerow([entry.created_at.isoformat(), safe_text(actor_name(entry)), entry.action, entry.target_type,
                         safe_text(target_name(entry)), safe_text("; ".join(changes(entry)))])
    return out.getvalue()
