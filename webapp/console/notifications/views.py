"""The console's message log: what the outbox sent, what it is still trying, and what it gave up on;
the same for one exam's webhooks and e-mails; and the institute's webhook secret."""
from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from webapp.exams import deliveries
from webapp.notifications import services, webhooks
from webapp.notifications.models import MessageStatus
from webapp.web import page_number, render

blueprint = Blueprint("notifications", __name__)


@blueprint.get("/messages")
@login_required
def outbox():
    status = request.args.get("status") or None
    messages = services.list_messages(current_user, status=status, page=page_number())
    return render("console/notifications/outbox.html", "console/notifications/_messages.html",
                  messages=messages, status=status, statuses=list(MessageStatus),
                  status_label=next((choice.label for choice in MessageStatus if choice.value == status), ""))


@blueprint.post("/messages/<int:message_id>/retry")
@login_required
def retry(message_id):
    message = services.retry_message(current_user, message_id)
    flash(_("The message to %(recipient)s is queued again.", recipient=message.recipient), "success")
    # Back to the page and filter the retry was made from (they travel in the query string).
    return redirect(url_for("notifications.outbox", **request.args))


@blueprint.get("/exams/<int:exam_id>/deliveries")
@login_required
def exam_deliveries(exam_id):
    exam, messages = deliveries.exam_deliveries(current_user, exam_id, page=page_number())
    return render("console/notifications/exam_deliveries.html", "console/notifications/_messages.html", exam=exam, messages=messages)


@blueprint.post("/exams/<int:exam_id>/deliveries/<int:message_id>/retry")
@login_required
def exam_delivery_retry(exam_id, message_id):
    message = deliveries.retry_exam_delivery(current_user, exam_id, message_id)
    flash(_("The message to %(recipient)s is queued again.", recipient=message.recipient), "success")
    return redirect(url_for("notifications.exam_deliveries", exam_id=exam_id, **request.args))


@blueprint.get("/settings/webhooks")
@login_required
def webhook_secret():
    return render_template("console/notifications/webhook_secret.html",
                           created_at=webhooks.webhook_secret_created_at(current_user), revealed=None)


@blueprint.post("/settings/webhooks/reveal")
@login_required
def webhook_secret_reveal():
    return _showing(webhooks.reveal_webhook_secret(current_user))


@blueprint.post("/settings/webhooks/rotate")
@login_required
def webhook_secret_rotate():
    revealed = webhooks.rotate_webhook_secret(current_user)
    flash(_("The webhook secret was replaced: give the new one to the receiving applications now."), "success")
    return _showing(revealed)


def _showing(revealed: webhooks.RevealedSecret):
    # The secret is rendered in the answer to the POST, never put in a redirect or the session.
    response = render_template("console/notifications/webhook_secret.html", created_at=revealed.created_at,
                               revealed=revealed)
    return response, 200, {"Cache-Control": "no-store"}
