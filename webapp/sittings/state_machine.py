"""The sitting's state machine: the table of the moves a sitting may make and the one guarded setter.
Every change of a sitting's `status` goes through `transition`. Private to the floors below the front
doors (import-linter forbids the doors to import it): a candidate moves a sitting through
`sittings.taking`, staff through the services that check their permission and audit."""
from __future__ import annotations

from flask_babel import gettext as _

from webapp.core.errors import IllegalTransition
from webapp.sittings.models import Sitting, SittingStatus

S = SittingStatus
TRANSITIONS: dict[SittingStatus, frozenset[SittingStatus]] = {
    S.REGISTERED: frozenset({S.MAIL_SENT, S.CHECK_STARTED}),
    S.MAIL_SENT: frozenset({S.CHECK_STARTED}),
    S.CHECK_STARTED: frozenset({S.CHECK_COMPLETED}),
    S.CHECK_COMPLETED: frozenset({S.EXAM_SESSION_OPENED}),
    S.EXAM_SESSION_OPENED: frozenset({S.EXAM_STARTED}),
    S.EXAM_STARTED: frozenset({S.EXAM_FINISHED}),
    # Proctoring: a finished (Expired or TerminatedByProctor) sitting re-opened with new time. Only
    # `proctor_moves.resume` may take this step (it passes resume=True).
    S.EXAM_FINISHED: frozenset({S.EXAM_STARTED}),
}
RESUME_ONLY = frozenset({(S.EXAM_FINISHED, S.EXAM_STARTED)})


def transition(sitting: Sitting, to: SittingStatus, *, resume: bool = False) -> None:
    """Move a sitting to its next state, or raise IllegalTransition."""
    if to not in TRANSITIONS[sitting.status] or ((sitting.status, to) in RESUME_ONLY and not resume):
        raise IllegalTransition(_("A sitting cannot go from “%(before)s” to “%(after)s”.", before=sitting.status.label,
                                  after=to.label))
    sitting.status = to
