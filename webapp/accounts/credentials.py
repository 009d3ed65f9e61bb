"""API credentials: issuing (the secrets are shown once), revoking, listing, authenticating a request
by Mettl's `ak` or by a EURO PRUEFSTER token, and spending Mettl signatures so that none is used twice.

A request made with a credential acts as its institute with the credential's role (`ApiActor`): the
domain services take that actor where they take a logged-in user, and enforce the same permissions.
"""
from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask_babel import gettext as _
from sqlalchemy import delete, insert, select
from sqlalchemy.exc import IntegrityError

from webapp.accounts.models import ApiCredential, Institute, UsedSignature, User
from webapp.core import events
from webapp.core.clock import utcnow
from webapp.core.database import get_in_institute
from webapp.core.errors import DomainError, NotFound, ValidationError, parse_enum
from webapp.core.extensions import db
from webapp.core.permissions import Permission, Role, require
from webapp.core.secrets_box import decrypt, encrypt
from webapp.core.validation import single_line

CREDENTIAL_ROLES = (Role.ADMIN, Role.SUPPORT)
COMMAND_LINE = "Command line"   # the actor of what an operator does with `flask ...` commands
# Mettl refuses a timestamp more than a day off (E504), so a signature older than that can never be
# replayed successfully; two days leave room for clocks that disagree.
SIGNATURE_RETENTION = timedelta(days=2)
PRUNE_INTERVAL = timedelta(hours=1)


class AuthenticationFailed(DomainError):
    """No valid credential, or a signature that does not match (Mettl's E401)."""

    status = 401
    code = "E401"


class SignatureReused(DomainError):
    """A Mettl signature that an earlier request has spent (E422)."""

    status = 401
    code = "E422"


@dataclass(frozen=True)
class ApiActor:
    """The institute acting through a credential, with the credential's role. It has what the
    services read of a user (institute, role, is_active) and no id, so nothing it creates names a
    staff member as its author."""

    institute: Institute
    role: Role
    credential_id: int
    credential_label: str
    id: None = None
    is_active: bool = True

    @property
    def institute_id(self) -> int:
        return self.institute.id

    @property
    def name(self) -> str:
        """As the audit log names the actor: the credential by its label and access key."""
        return f"API credential {self.credential_label}"


@dataclass(frozen=True)
class IssuedSecrets:
    """What the integrator needs, shown once: only the encrypted key and a hash of the token are kept."""

    access_key: str
    private_key: str
    euro_token: str


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


# Issuing, listing, revoking ---------------------------------------------------------------------------

def issue_credential(institute_id: int, *, role=Role.ADMIN, name: str = "",
                     created_by_id: int | None = None) -> tuple[ApiCredential, IssuedSecrets]:
    """A new credential of an institute (the console and the CLI use this)."""
    role = parse_enum(Role, role, "role", _("role"))
    if role not in CREDENTIAL_ROLES:
        raise ValidationError(_("An API credential is either admin (read and write) or support (read only)."),
                              field="role")
    issued = IssuedSecrets(access_key=secrets.token_hex(16), private_key=secrets.token_urlsafe(32),
                           euro_token=secrets.token_urlsafe(32))
    credential = ApiCredential(
        institute_id=institute_id, name=single_line(name, _("The credential name"), field="name")[:200], role=role,
        access_key=issued.access_key,
        private_key_encrypted=encrypt(issued.private_key), euro_token_hash=_token_hash(issued.euro_token),
        created_by_id=created_by_id)
    db.session.add(credential)
    db.session.flush()
    return credential, issued


def create_credential(actor: User, *, role, name: str = "") -> tuple[ApiCredential, IssuedSecrets]:
    require(actor, Permission.MANAGE_INSTITUTE)
    credential, issued = issue_credential(actor.institute_id, role=role, name=name, created_by_id=actor.id)
    _audit_issue(actor, credential)
    return credential, issued


def create_credential_by_command_line(institute_id: int, *, role, name: str = "") -> tuple[ApiCredential,
                                                                                             IssuedSecrets]:
    """The CLI's: an operator on the server acts for the institute, so no user is its author."""
    credential, issued = issue_credential(institute_id, role=role, name=name)
    _audit_issue(None, credential)
    return credential, issued


def _audit_issue(actor: User | None, credential: ApiCredential) -> None:
    # The access key names the credential; its secrets never enter the log.
    _audit_credential(actor, "api_credential.issue", credential, {},
                      {"name": credential.name, "role": credential.role.value})


def _audit_credential(actor: User | None, action: str, credential: ApiCredential, before: dict, after: dict) -> None:
    """Tell the audit log (a floor above, see core/events.py); `actor` None: the command line did it."""
    events.accounts_changed.send(actor, action=action, target_type="api_credential", target_id=credential.id,
                                 before=before, after=after, label=_credential_label(credential),
                                 institute_id=credential.institute_id, actor_name=COMMAND_LINE)


def _credential_label(credential: ApiCredential) -> str:
    return f"{credential.name or 'API credential'} ({credential.access_key})"


def credentials_of(institute_id: int) -> list[ApiCredential]:
    """Newest first, revoked ones included (the console shows when they were revoked)."""
    return list(db.session.scalars(select(ApiCredential).where(ApiCredential.institute_id == institute_id)
                                   .order_by(ApiCredential.created_at.desc(), ApiCredential.id.desc())))


def list_credentials(actor: User) -> list[ApiCredential]:
    require(actor, Permission.MANAGE_INSTITUTE)
    return credentials_of(actor.institute_id)


def _revoke(actor: User | None, credential: ApiCredential) -> ApiCredential:
    if credential.revoked_at is None:
        _audit_credential(actor, "api_credential.revoke", credential, {"revoked": False}, {"revoked": True})
        credential.revoked_at = utcnow()
    return credential


def revoke_credential(actor: User, credential_id) -> ApiCredential:
    require(actor, Permission.MANAGE_INSTITUTE)
    return _revoke(actor, get_in_institute(ApiCredential, actor.institute_id, credential_id, "API credential"))


def revoke_access_key(access_key: str) -> ApiCredential:
    """For the CLI, which acts for no institute in particular (the entry goes to the credential's)."""
    credential = db.session.scalar(select(ApiCredential).where(ApiCredential.access_key == access_key))
    if credential is None:
        raise NotFound("API credential")
    return _revoke(None, credential)


# Authenticating -----------------------------------------------------------------------------------------

def _in_use(credential: ApiCredential | None) -> ApiCredential | None:
    if credential is None or credential.revoked_at is not None:
        return None
    credential.last_used_at = utcnow()
    return credential


def credential_for_access_key(access_key: str) -> ApiCredential | None:
    """The live credential with this Mettl `ak`, marked as used now; None if unknown or revoked."""
    return _in_use(db.session.scalar(select(ApiCredential).where(ApiCredential.access_key == access_key)))


def credential_for_euro_token(token: str) -> ApiCredential | None:
    """The live credential with this EURO PRUEFSTER token, marked as used now; None if unknown or revoked."""
    return _in_use(db.session.scalar(select(ApiCredential).where(
        ApiCredential.euro_token_hash == _token_hash(token))))


def private_key(credential: ApiCredential) -> str:
    return decrypt(credential.private_key_encrypted)


def actor_for(credential: ApiCredential) -> ApiActor:
    return ApiActor(institute=db.session.get(Institute, credential.institute_id), role=credential.role,
                    credential_id=credential.id, credential_label=_credential_label(credential))


def spend_signature(signature: str) -> None:
    """Record a Mettl signature as used, or raise SignatureReused. Mettl's 10.c checks every valid
    signature against those of previous requests, whatever became of them, so it is recorded in a
    transaction of its own, committed before the request does anything: a request that fails later
    does not give its signature back. The primary key makes a concurrent request with the same
    signature fail, on every worker and host."""
    try:
        with db.engine.begin() as connection:
            connection.execute(insert(UsedSignature).values(signature=signature, used_at=utcnow()))
    except IntegrityError:
        raise SignatureReused("Signature expired: it was used by an earlier request.") from None


def prune_used_signatures(*, now: datetime | None = None) -> int:
    """Forget signatures too old to pass the timestamp check anyway (the worker calls this)."""
    result = db.session.execute(delete(UsedSignature).where(
        UsedSignature.used_at < (now or utcnow()) - SIGNATURE_RETENTION))
    return result.rowcount


_last_pruned: datetime | None = None


def prune_now_and_then() -> None:
    """The worker runs its periodic tasks every poll; the table needs pruning only once an hour."""
    global _last_pruned
    now = utcnow()
    if _last_pruned is None or now - _last_pruned >= PRUNE_INTERVAL:
        prune_used_signatures(now=now)
        _last_pruned = now

