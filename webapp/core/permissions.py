"""The permission matrix: which role may do what. Services call `require`; templates call `can`.

| permission          | admin | examiner | proctor | support |
|---------------------|:-----:|:--------:|:-------:|:-------:|
| institute.manage    |   x   |          |         |         |
| staff.view          |   x   |          |         |    x    |
| staff.manage        |   x   |          |         |         |
| bank.view           |   x   |    x     |         |    x    |
| bank.edit           |   x   |    x     |         |         |
| assessments.view    |   x   |    x     |    x    |    x    |
| assessments.edit    |   x   |    x     |         |         |
| catalogue.add       |   x   |    x     |         |         |
| exams.view          |   x   |    x     |    x    |    x    |
| exams.edit          |   x   |    x     |         |         |
| candidates.view     |   x   |    x     |    x    |    x    |
| candidates.edit     |   x   |    x     |         |         |
| sittings.proctor    |   x   |          |    x    |         |
| sittings.links      |   x   |    x     |         |         |
| results.view        |   x   |    x     |         |    x    |
| results.grade       |   x   |    x     |         |         |
| results.release     |   x   |    x     |         |         |
| certificates.revoke |   x   |          |         |         |
| audit.view          |   x   |    x     |         |         |
| audit.own           |   x   |    x     |    x    |         |

Support is the read-only help desk; proctors see the assessments, exams and candidates they will
supervise, not the bank with its answer keys. Registering and inviting candidates is `candidates.edit`;
admitting candidates and acting on running sittings is `sittings.proctor`. A personal test link is
the candidate's credential: only those who register and invite candidates see it (`sittings.links`).
Results, reports, exports and item analysis are `results.view`; marking essays and re-marking any
item of a finished sitting is `results.grade`; releasing results to candidates is `results.release`.
The audit log is read whole by those who change exams, questions, marks and staff (`audit.view`); a
proctor reads only their own actions (`audit.own`), to check what they did on exam day; support, the
help desk, does not need it: it records logins, role changes and grade corrections.
"""
from __future__ import annotations

import enum
from typing import Protocol

from flask_babel import gettext as _, lazy_gettext as _l

from webapp.core.errors import PermissionDenied
from webapp.core.labels import Labelled, labels


class Role(Labelled, enum.StrEnum):
    ADMIN = "admin"
    EXAMINER = "examiner"
    PROCTOR = "proctor"
    SUPPORT = "support"


labels(Role, {
    Role.ADMIN: _l('Administrator'),
    Role.EXAMINER: _l('Examiner'),
    Role.PROCTOR: _l('Proctor'),
    Role.SUPPORT: _l('Help desk'),
})


class Actor(Protocol):
    """Who acts: a staff member (accounts.models.User) or an API credential acting for its institute."""
    id: int
    institute_id: int
    role: Role
    is_active: bool


class Permission(Labelled, enum.StrEnum):
    MANAGE_INSTITUTE = "institute.manage"
    VIEW_STAFF = "staff.view"
    MANAGE_STAFF = "staff.manage"
    VIEW_BANK = "bank.view"
    EDIT_BANK = "bank.edit"
    VIEW_ASSESSMENTS = "assessments.view"
    EDIT_ASSESSMENTS = "assessments.edit"
    ADD_CATALOGUE_TEST = "catalogue.add"
    VIEW_EXAMS = "exams.view"
    EDIT_EXAMS = "exams.edit"
    VIEW_CANDIDATES = "candidates.view"
    EDIT_CANDIDATES = "candidates.edit"
    PROCTOR_SITTINGS = "sittings.proctor"
    VIEW_PERSONAL_LINKS = "sittings.links"
    VIEW_RESULTS = "results.view"
    GRADE_RESPONSES = "results.grade"
    RELEASE_RESULTS = "results.release"
    REVOKE_CERTIFICATES = "certificates.revoke"
    VIEW_AUDIT = "audit.view"
    VIEW_OWN_AUDIT = "audit.own"


labels(Permission, {
    Permission.MANAGE_INSTITUTE: _l('Manage the institute'),
    Permission.VIEW_STAFF: _l('See the staff'),
    Permission.MANAGE_STAFF: _l('Manage the staff'),
    Permission.VIEW_BANK: _l('See the question bank'),
    Permission.EDIT_BANK: _l('Edit the question bank'),
    Permission.VIEW_ASSESSMENTS: _l('See assessments'),
    Permission.EDIT_ASSESSMENTS: _l('Edit assessments'),
    Permission.ADD_CATALOGUE_TEST: _l('Add tests from the catalogue'),
    Permission.VIEW_EXAMS: _l('See exams'),
    Permission.EDIT_EXAMS: _l('Edit exams'),
    Permission.VIEW_CANDIDATES: _l('See candidates'),
    Permission.EDIT_CANDIDATES: _l('Edit candidates'),
    Permission.PROCTOR_SITTINGS: _l('Proctor sittings'),
    Permission.VIEW_PERSONAL_LINKS: _l("See candidates' personal links"),
    Permission.VIEW_RESULTS: _l('See results'),
    Permission.GRADE_RESPONSES: _l('Grade answers'),
    Permission.RELEASE_RESULTS: _l('Release results'),
    Permission.REVOKE_CERTIFICATES: _l('Revoke certificates'),
    Permission.VIEW_AUDIT: _l('See the audit log'),
    Permission.VIEW_OWN_AUDIT: _l('See their own entries in the audit log'),
})


P = Permission
MATRIX: dict[Role, frozenset[Permission]] = {
    Role.ADMIN: frozenset(Permission),
    Role.EXAMINER: frozenset({P.VIEW_BANK, P.EDIT_BANK, P.VIEW_ASSESSMENTS, P.EDIT_ASSESSMENTS, P.ADD_CATALOGUE_TEST,
                              P.VIEW_EXAMS, P.EDIT_EXAMS, P.VIEW_CANDIDATES, P.EDIT_CANDIDATES,
                              P.VIEW_PERSONAL_LINKS, P.VIEW_RESULTS, P.GRADE_RESPONSES, P.RELEASE_RESULTS, P.VIEW_AUDIT,
                              P.VIEW_OWN_AUDIT}),
    Role.PROCTOR: frozenset({P.VIEW_ASSESSMENTS, P.VIEW_EXAMS, P.VIEW_CANDIDATES, P.PROCTOR_SITTINGS,
                             P.VIEW_OWN_AUDIT}),
    Role.SUPPORT: frozenset({P.VIEW_STAFF, P.VIEW_BANK, P.VIEW_ASSESSMENTS, P.VIEW_EXAMS, P.VIEW_CANDIDATES,
                             P.VIEW_RESULTS}),
}


def can(user: Actor, permission: Permission) -> bool:
    return user is not None and user.is_active and permission in MATRIX[user.role]


def require(user: Actor, permission: Permission) -> None:
    if not can(user, permission):
        raise PermissionDenied(_("Your role does not allow this: it needs the permission “%(permission)s”.",
                                 permission=permission.label))
