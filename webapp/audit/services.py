"""The audit log: the writer every domain calls in the service that makes a change (same transaction),
and the readers behind the console page and its CSV export.

Who reads it (webapp/accounts/permissions.py): admins and examiners every entry of their institute
(`audit.view`); proctors only their own actions (`audit.own`), as before the log left proctoring;
support not at all."""
from __future__ import annotations

import csv
import enum
import io
from datetime import date, datetime, time, timedelta, timezone

from sqlalchemy import select

from webapp.accounts.models import User
from webapp.audit.models import AuditEntry
from webapp.core.clock import utcnow
from webapp.core.database import MAX_ID
from webapp.core.errors import ValidationError
from webapp.core.extensions import db
from webapp.core.permissions import Permission, can, require
from webapp.core.spreadsheets import safe_text

LABEL_LENGTH = AuditEntry.target_label.type.length
VALUE_LENGTH = 80           # a changed value longer than this is cut short in the summary
COLUMNS = ("time", "actor", "action", "target_type", "target", "changes")


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

def _number(value, field: str, what: str) -> int | None:
    if value in (None, ""):
        return None
    text = str(value).strip()
    if not (text.isascii() and text.isdigit()) or not 0 < int(text) <= MAX_ID:
        raise ValidationError(f"The {what} must be a number.", field=field)
    return int(text)


def _day(value, field: str) -> date | None:
    if value in (None, ""):
        return None
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError:
        raise ValidationError("Give the date as YYYY-MM-DD.", field=field) from None


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
    if (number := _number(target_id, "target_id", "target")) is not None:
        query = query.where(AuditEntry.target_id == number)
    if (number := _number(actor_id, "actor_id", "actor")) is not None:
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
    return entry.actor_name or "Someone not logged in"


def target_name(entry: AuditEntry) -> str:
    # Entries written before targets were named show the kind and id.
    return entry.target_label or f"{entry.target_type} {entry.target_id}"


def _value(value) -> str:
    if value is None or value == "":
        return "none"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        text = ", ".join(_value(item) for item in value) or "none"
    elif isinstance(value, dict):
        text = ", ".join(f"{key}: {_value(item)}" for key, item in value.items()) or "none"
    else:
        text = str(value)
    return text if len(text) <= VALUE_LENGTH else text[:VALUE_LENGTH - 1] + "…"


def changes(entry: AuditEntry) -> list[str]:
    """What changed, one line per field, in words: "Role: proctor -> examiner", "Minutes: 5"."""
    before, after = entry.before or {}, entry.after or {}
    lines = []
    for key in [*before, *(key for key in after if key not in before)]:
        name = key.replace("_", " ").capitalize()
        if key in before and key in after:
            if before[key] != after[key]:
                lines.append(f"{name}: {_value(before[key])} -> {_value(after[key])}")
        elif key in after:
            lines.append(f"{name}: {_value(after[key])}")
        else:
            lines.append(f"{name} was: {_value(before[key])}")
    return lines


def audit_csv(actor: User, **filters) -> str:
    """The same columns as the page, names and changes in words."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    for entry in db.session.scalars(_query(actor, **filters).execution_options(yield_per=500)):
        writer.writerow([entry.created_at.isoformat(), safe_text(actor_name(entry)), entry.action, entry.target_type,
                         safe_text(target_name(entry)), safe_text("; ".join(changes(entry)))])
    return out.getvalue()
