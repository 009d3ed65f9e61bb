"""Candidates: search (optionally across sub-institutes), a candidate's sittings, editing."""
from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import func, literal_column, or_, select

from webapp.accounts.models import Institute, User
from webapp.accounts.services import institute_and_descendants
from webapp.bank.models import CefrLevel
from webapp.candidates.models import Candidate
from webapp.core.database import parse_id
from webapp.core.errors import Conflict, NotFound, ValidationError, parse_enum
from webapp.core.extensions import db
from webapp.core.i18n import LANGUAGES
from webapp.core.permissions import Permission, require
from webapp.core.validation import single_line

SORTS = {
    "name": (func.lower(Candidate.last_name), func.lower(Candidate.first_name), Candidate.id),
    "email": (Candidate.email,),
    "newest": (Candidate.created_at.desc(), Candidate.id.desc()),
    # Candidates without a level last, on every backend (SQLite puts NULL first, PostgreSQL last).
    "level": (Candidate.current_level.asc().nulls_last(), Candidate.id),
}


def _visible_institutes(actor: User, include_sub_institutes: bool) -> list[int]:
    return institute_and_descendants(actor.institute_id) if include_sub_institutes else [actor.institute_id]


def search_candidates(actor: User, *, text: str = "", level: str | None = None, include_sub_institutes: bool = False,
                      sort: str = "name", page: int = 1, per_page: int = 25):
    """Candidates matching a name, username or e-mail fragment and a level, in pages."""
    require(actor, Permission.VIEW_CANDIDATES)
    query = select(Candidate).where(Candidate.institute_id.in_(_visible_institutes(actor, include_sub_institutes)))
    if text and text.strip():
        needle = text.strip().lower()
        # The space written into the statement, so that PostgreSQL matches the expression of its index.
        full_name = func.lower(Candidate.first_name + literal_column("' '") + Candidate.last_name)
        query = query.where(or_(*(column.contains(needle, autoescape=True) for column in (
            func.lower(Candidate.email), func.lower(Candidate.username), full_name))))
    if level:
        query = query.where(Candidate.current_level == parse_enum(CefrLevel, level, "level", _("CEFR level")))
    query = query.order_by(*SORTS.get(sort, SORTS["name"]))
    return db.paginate(query, page=page, per_page=per_page, error_out=False)


def get_candidate(actor: User, candidate_id, *, include_sub_institutes: bool = True) -> Candidate:
    """A candidate of the actor's institute or one of its branches; anyone else is not found."""
    require(actor, Permission.VIEW_CANDIDATES)
    candidate_id = parse_id(candidate_id, "Candidate")
    candidate = db.session.scalar(select(Candidate).where(
        Candidate.id == candidate_id,
        Candidate.institute_id.in_(_visible_institutes(actor, include_sub_institutes))))
    if candidate is None:
        raise NotFound("Candidate")
    return candidate


def candidate_for_email(actor: User, email: str) -> Candidate | None:
    require(actor, Permission.VIEW_CANDIDATES)
    return db.session.scalar(select(Candidate).where(Candidate.institute_id == actor.institute_id,
                                                     Candidate.email == email))


def update_candidate(actor: User, candidate_id, *, first_name: str, last_name: str, username: str,
                     current_level: str | None) -> Candidate:
    require(actor, Permission.EDIT_CANDIDATES)
    candidate = get_candidate(actor, candidate_id, include_sub_institutes=False)
    username = single_line(username, _("The username"), field="username", max_length=Candidate.username.type.length)
    if not username:
        raise ValidationError(_("Give the candidate a username."), field="username")
    taken = db.session.scalar(select(Candidate.id).where(Candidate.institute_id == candidate.institute_id,
                                                         Candidate.username == username))
    if taken is not None and taken != candidate.id:
        raise Conflict(_("The username %(username)s is taken.", username=repr(username)), field="username")
    candidate.first_name = single_line(first_name, _("The first name"), field="first_name",
                                       max_length=Candidate.first_name.type.length)
    candidate.last_name = single_line(last_name, _("The last name"), field="last_name",
                                      max_length=Candidate.last_name.type.length)
    candidate.username = username
    candidate.current_level = parse_enum(CefrLevel, current_level, "current_level", _("CEFR level")) if current_level else None
    return candidate


def institute_names(institute_ids: set[int]) -> dict[int, str]:
    return dict(db.session.execute(select(Institute.id, Institute.name).where(Institute.id.in_(institute_ids))).all())


def remember_language(candidate: Candidate, language: str) -> None:
    """The language a candidate chose on a candidate page: their pages and e-mails are read in it from now
    on. A code Proctora does not speak changes nothing."""
    if language in LANGUAGES and candidate.language != language:
        candidate.language = language
        db.session.flush()
