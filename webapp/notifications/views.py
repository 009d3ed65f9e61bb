"""The console's message log: what the outbox sent, what it is still trying, and what it gave up on."""
from flask import Blueprint, flash, redirect, request, url_for
from flask_login import current_user, login_required

from webapp.notifications import services
from webapp.notifications.models import MessageStatus
from webapp.web import page_number, render

blueprint = Blueprint("notifications", __name__)


@blueprint.get("/messages")
@login_required
def outbox():
    status = request.args.get("status") or None
    messages = services.list_messages(current_user, status=status, page=page_number())
    return render("notifications/outbox.html", "notifications/_messages.html",
                  messages=messages, status=status, statuses=list(MessageStatus))


@blueprint.post("/messages/<int:message_id>/retry")
@login_required
def retry(message_id):
    message = services.retry_message(current_user, message_id)
    flash(f"The message to {message.recipient} is queued again.", "success")
    # Back to the page and filter the retry was made from (they travel in the query string).
    return redirect(url_for("notifications.outbox", **request.args))
