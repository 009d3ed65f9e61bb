"""An exam's delivery log: the webhooks and e-mails the exam caused, and queueing a dead one again once its
receiver is fixed."""
from __future__ import annotations

from sqlalchemy import select

from webapp.accounts.models import User
from webapp.core.errors import NotFound
from webapp.core.extensions import db
from webapp.core.permissions import Permission, require
from webapp.exams.services import get_exam
from webapp.notifications.models import OutboxMessage
from webapp.notifications.services import requeue


def exam_deliveries(actor: User, exam_id, *, page: int = 1, per_page: int = 25):
    """The exam and a page of the webhooks and e-mails it caused, newest first."""
    exam = get_exam(actor, exam_id)
    query = (select(OutboxMessage).where(OutboxMessage.exam_id == exam.id)
             .order_by(OutboxMessage.created_at.desc(), OutboxMessage.id.desc()))
    return exam, db.paginate(query, page=page, per_page=per_page, error_out=False)


def retry_exam_delivery(actor: User, exam_id, message_id: int) -> OutboxMessage:
    """Queue a dead webhook or e-mail of the exam again, once the receiver is fixed."""
    require(actor, Permission.EDIT_EXAMS)
    exam = get_exam(actor, exam_id)
    message = db.session.scalar(select(OutboxMessage).where(OutboxMessage.id == message_id,
                                                            OutboxMessage.exam_id == exam.id))
    if message is None:
        raise NotFound("Message")
    return requeue(message)
