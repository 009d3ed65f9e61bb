"""The console's message log: what the outbox sent, what it is still trying, and what it gave up on;
the same for one exam's webhooks and e-mails; the institute's webhook secret; and the institute's own
wording of its candidates' e-mails, with a preview, and when they are reminded of an exam's window."""
from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from webapp.console.notifications.forms import MailWordingForm, ReminderForm
from webapp.core.i18n import LANGUAGES, RIGHT_TO_LEFT
from webapp.exams import deliveries
from webapp.notifications import mail_templates, services, webhooks
from webapp.notifications.models import MailKind, MessageStatus
from webapp.web import attempt, page_number, render

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


@blueprint.route("/settings/mail", methods=["GET", "POST"])
@login_required
def mail():
    settings = mail_templates.mail_settings(current_user)
    form = ReminderForm(data={"hours_before_opening": settings.hours_before_opening,
                              "hours_before_closing": settings.hours_before_closing})
    if form.validate_on_submit() and attempt(form, mail_templates.save_mail_settings, current_user,
                                             form.hours_before_opening.data, form.hours_before_closing.data):
        flash(_("The reminders are saved."), "success")
        return redirect(url_for("notifications.mail"))
    return render_template("console/notifications/mail.html", form=form, kinds=list(MailKind), languages=LANGUAGES,
                           worded=mail_templates.mail_overview(current_user))


# A wording is named by its kind and language in the query string: it is no record of its own, and an
# institute without one is shown the starter.
@blueprint.route("/settings/mail/wording", methods=["GET", "POST"])
@login_required
def mail_wording():
    kind, language = request.args.get("kind"), request.args.get("language")
    wording = mail_templates.wording(current_user, kind, language)
    form = MailWordingForm(data={"subject": wording.subject, "body": wording.body})
    if form.validate_on_submit() and attempt(form, mail_templates.save_wording, current_user, kind, language,
                                             form.subject.data, form.body.data):
        flash(_("The e-mail “%(kind)s” in %(language)s is saved: the next ones are sent in this wording.",
                kind=wording.kind.label, language=LANGUAGES[language]), "success")
        return redirect(url_for("notifications.mail_wording", kind=kind, language=language))
    return _wording_page(wording, form, None)


@blueprint.post("/settings/mail/wording/preview")
@login_required
def mail_preview():
    kind, language = request.args.get("kind"), request.args.get("language")
    wording = mail_templates.wording(current_user, kind, language)
    form = MailWordingForm()
    preview = form.validate_on_submit() and attempt(form, mail_templates.preview, current_user, kind, language,
                                                    form.subject.data, form.body.data)
    return _wording_page(wording, form, preview or None)


@blueprint.post("/settings/mail/wording/reset")
@login_required
def mail_reset():
    kind, language = request.args.get("kind"), request.args.get("language")
    mail_templates.reset_wording(current_user, kind, language)
    flash(_("The e-mail is back to the default wording."), "success")
    return redirect(url_for("notifications.mail_wording", kind=kind, language=language))


def _wording_page(wording, form, preview):
    return render("console/notifications/mail_wording.html", "console/notifications/_mail_preview.html",
                  wording=wording, form=form, preview=preview, language_name=LANGUAGES[wording.language],
                  direction="rtl" if wording.language in RIGHT_TO_LEFT else "ltr",
                  placeholders=[(name, mail_templates.PLACEHOLDER_LABELS[name])
                                for name in mail_templates.PLACEHOLDERS[wording.kind]])
