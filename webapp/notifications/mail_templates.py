"""An institute's own wording of the e-mails its candidates receive (invitation, reminder, placement and
certification result), per language, and when its candidates are reminded of an exam's window.

The wording is plain text with placeholders such as `{{ candidate_name }}`: no template language runs,
so nothing an admin writes can reach an object's attributes or the server. Each placeholder is replaced
by a value the queuing domain worded in the reader's language; the HTML part escapes both the text and
the values. An e-mail without an institute wording in its reader's language is the default of
`templates/email/`."""
from __future__ import annotations

import re
from dataclasses import dataclass

from flask import render_template
from flask_babel import force_locale, gettext as _, lazy_gettext as _l
from markupsafe import Markup, escape
from sqlalchemy import select

from webapp.core.errors import NotFound, ValidationError, parse_enum
from webapp.core.extensions import db
from webapp.core.i18n import LANGUAGES
from webapp.core.permissions import Actor, Permission, require
from webapp.notifications.models import MailKind, MailSettings, MailTemplate

# The e-mail templates an institute may word itself, by the kind of wording that replaces them.
TEMPLATE_KINDS = {
    "exam_invitation": MailKind.INVITATION,
    "exam_reminder": MailKind.REMINDER,
    "placement_result": MailKind.RESULTS,
    "certification_result": MailKind.CERTIFICATE,
}

_COMMON = ("candidate_name", "exam_name", "test_name", "institute_name")
PLACEHOLDERS = {
    MailKind.INVITATION: _COMMON + ("link", "window", "duration"),
    MailKind.REMINDER: _COMMON + ("link", "window", "duration", "reminder"),
    MailKind.RESULTS: _COMMON + ("level", "score", "report_link"),
    MailKind.CERTIFICATE: _COMMON + ("outcome", "level", "score", "pass_mark", "report_link", "certificate_code",
                                     "certificate_link"),
}
# Addresses: a link in the HTML part.
LINKS = frozenset({"link", "report_link", "certificate_link"})

PLACEHOLDER_LABELS = {
    "candidate_name": _l("The candidate's name"),
    "exam_name": _l("The exam's name"),
    "test_name": _l("The test's name"),
    "institute_name": _l("The institute's name"),
    "link": _l("The candidate's personal link to the test"),
    "window": _l("When the exam is open"),
    "duration": _l("How long the test lasts"),
    "reminder": _l("What the reminder is about: the window opens or closes soon, and when"),
    "outcome": _l("Passed at a level, or not passed yet"),
    "level": _l("The level reached (CEFR)"),
    "score": _l("The score in per cent"),
    "pass_mark": _l("The pass mark in per cent"),
    "report_link": _l("The link to the candidate's report"),
    "certificate_code": _l("The certificate's code (empty when none was issued)"),
    "certificate_link": _l("The link that verifies the certificate (empty when none was issued)"),
}

# What the preview fills in.
SAMPLES = {
    "candidate_name": "Ann Lee",
    "exam_name": _l("December session"),
    "test_name": _l("English placement test"),
    "link": "https://tests.example.org/t/sample-link",
    "window": _l("Mon, Mar 2, 2026, 09:00 to 17:00 (Europe/Berlin)"),
    "duration": _l("60 minutes"),
    "reminder": _l("The window of your test opens on Mon, Mar 2, 2026, 09:00 (Europe/Berlin)."),
    "outcome": _l("passed at level B1"),
    "level": "B1",
    "score": "72 %",
    "pass_mark": "65 %",
    "report_link": "https://tests.example.org/r/sample-report",
    "certificate_code": "CERT-7K2M-9QX4",
    "certificate_link": "https://tests.example.org/verify/CERT-7K2M-9QX4",
}

# The wording the editor starts from when the institute has none yet.
STARTERS = {
    MailKind.INVITATION: (
        _l("Your invitation: {{ test_name }}"),
        _l("Hello {{ candidate_name }},\n\n{{ institute_name }} invites you to take the test {{ test_name }}.\n\n"
           "When: {{ window }}\nDuration: {{ duration }}\n\n"
           "Start your test here (this link is personal; do not share it):\n{{ link }}")),
    MailKind.REMINDER: (
        _l("Reminder: {{ test_name }}"),
        _l("Hello {{ candidate_name }},\n\n{{ reminder }}\n\nWhen: {{ window }}\n\n"
           "Start your test here (this link is personal; do not share it):\n{{ link }}")),
    MailKind.RESULTS: (
        _l("Your placement result: {{ level }} ({{ test_name }})"),
        _l("Hello {{ candidate_name }},\n\nThank you for taking the placement test {{ test_name }}.\n\n"
           "Your level is {{ level }}; your score: {{ score }}.\n\nYour report:\n{{ report_link }}")),
    MailKind.CERTIFICATE: (
        _l("Your certification result: {{ test_name }}"),
        _l("Hello {{ candidate_name }},\n\nYour result in the certification test {{ test_name }}: {{ outcome }} "
           "({{ score }}; the pass mark is {{ pass_mark }}).\n\nYour report:\n{{ report_link }}")),
}

_PLACEHOLDER = re.compile(r"\{\{(.*?)\}\}", re.DOTALL)
_PARAGRAPH_BREAK = re.compile(r"\n\s*\n")
SUBJECT_LENGTH = 300
BODY_LENGTH = 20_000


@dataclass(frozen=True)
class Wording:
    """What the editor shows: the institute's wording, or the starter when `custom` is False."""
    kind: MailKind
    language: str
    subject: str
    body: str
    custom: bool


@dataclass(frozen=True)
class RenderedMail:
    subject: str
    text: str
    html: Markup      # the body's paragraphs, to be put in the e-mail's layout


# Placeholders ---------------------------------------------------------------------------------------

def _segments(source: str) -> list[tuple[str, str | None]]:
    """(text, None) and ("", placeholder name) in order; a placeholder's name without its spaces."""
    found, start = [], 0
    for match in _PLACEHOLDER.finditer(source):
        found.append((source[start:match.start()], None))
        found.append(("", match.group(1).strip()))
        start = match.end()
    found.append((source[start:], None))
    return found


def check_placeholders(kind: MailKind, source: str, field: str) -> None:
    """Refuse a placeholder this kind of e-mail does not have, naming each, and an unclosed `{{`."""
    allowed = PLACEHOLDERS[kind]
    unknown = sorted({name for _text, name in _segments(source) if name is not None and name not in allowed})
    if unknown:
        raise ValidationError(_("Unknown placeholders: %(names)s. This e-mail knows %(allowed)s.",
                                names=", ".join(f"{{{{ {name} }}}}" for name in unknown),
                                allowed=", ".join(f"{{{{ {name} }}}}" for name in allowed)), field=field)
    if "{{" in _PLACEHOLDER.sub("", source):
        raise ValidationError(_("A placeholder is not closed: write it as {{ name }}."), field=field)


def _filled(source: str, values: dict, value_of) -> list:
    return [text if name is None else value_of(name, values.get(name) or "") for text, name in _segments(source)]


def render(source_subject: str, source_body: str, values: dict) -> RenderedMail:
    """The wording with the values put in: the subject on one line, the text part, and the HTML
    paragraphs (text and values escaped, addresses as links)."""
    subject = " ".join("".join(_filled(source_subject, values, lambda _name, value: str(value))).split())
    text = "".join(_filled(source_body, values, lambda _name, value: str(value)))
    paragraphs = []
    for paragraph in _PARAGRAPH_BREAK.split(source_body.strip()):
        pieces = _filled(paragraph, values, _html_value)
        html = Markup("").join(piece if isinstance(piece, Markup) else escape(piece) for piece in pieces)
        paragraphs.append(Markup("<p>{}</p>").format(Markup("<br>\n").join(html.split("\n"))))
    return RenderedMail(subject, text, Markup("\n").join(paragraphs))


def _html_value(name: str, value) -> Markup:
    if name in LINKS and value:
        return Markup('<a href="{0}">{0}</a>').format(str(value))
    return escape(str(value))


def email_parts(wording: MailTemplate, values: dict, context: dict) -> dict:
    """The subject, text and HTML of an e-mail in the institute's wording, in the layout of every e-mail
    (the caller sets the reader's language)."""
    mail = render(wording.subject, wording.body, values)
    return {"subject": mail.subject,
            "text": render_template("email/institute_wording.txt", body=mail.text, **context),
            "html": render_template("email/institute_wording.html", body=mail.html, **context)}


def institute_wording(institute_id: int | None, template: str, language: str) -> MailTemplate | None:
    """The institute's wording of an e-mail template in the reader's language, if it has one."""
    kind = TEMPLATE_KINDS.get(template)
    if institute_id is None or kind is None:
        return None
    return db.session.scalars(select(MailTemplate).where(
        MailTemplate.institute_id == institute_id, MailTemplate.kind == kind,
        MailTemplate.language == language)).first()


# The console --------------------------------------------------------------------------------------

def _kind_and_language(kind, language) -> tuple[MailKind, str]:
    if language not in LANGUAGES:
        raise NotFound(_("Language not found."))
    return parse_enum(MailKind, kind, "kind", _("e-mail")), language


def _stored(actor: Actor, kind: MailKind, language: str) -> MailTemplate | None:
    return db.session.scalars(select(MailTemplate).where(
        MailTemplate.institute_id == actor.institute_id, MailTemplate.kind == kind,
        MailTemplate.language == language)).first()


def mail_overview(actor: Actor) -> set[tuple[MailKind, str]]:
    """The kinds and languages the institute has worded itself."""
    require(actor, Permission.MANAGE_INSTITUTE)
    return {(kind, language) for kind, language in db.session.execute(
        select(MailTemplate.kind, MailTemplate.language).where(MailTemplate.institute_id == actor.institute_id))}


def wording(actor: Actor, kind, language) -> Wording:
    """The institute's wording of one e-mail in one language, or the starter to edit."""
    require(actor, Permission.MANAGE_INSTITUTE)
    kind, language = _kind_and_language(kind, language)
    stored = _stored(actor, kind, language)
    if stored is not None:
        return Wording(kind, language, stored.subject, stored.body, True)
    subject, body = _starter(kind, language)
    return Wording(kind, language, subject, body, False)


def _starter(kind: MailKind, language: str) -> tuple[str, str]:
    """The starter in the wording's language, not the page's: a German admin may word the Spanish e-mail."""
    with force_locale(language):
        return tuple(str(text) for text in STARTERS[kind])


def _checked(kind: MailKind, subject: str, body: str) -> tuple[str, str]:
    subject, body = " ".join((subject or "").split()), (body or "").replace("\r\n", "\n").strip()
    if not subject:
        raise ValidationError(_("Write a subject."), field="subject")
    if len(subject) > SUBJECT_LENGTH:
        raise ValidationError(_("The subject is longer than %(count)d characters.", count=SUBJECT_LENGTH),
                              field="subject")
    if not body:
        raise ValidationError(_("Write the e-mail's text."), field="body")
    if len(body) > BODY_LENGTH:
        raise ValidationError(_("The text is longer than %(count)d characters.", count=BODY_LENGTH), field="body")
    check_placeholders(kind, subject, "subject")
    check_placeholders(kind, body, "body")
    return subject, body


def preview(actor: Actor, kind, language, subject: str, body: str) -> RenderedMail:
    """The wording as written (not saved), filled in with sample values in its language."""
    require(actor, Permission.MANAGE_INSTITUTE)
    kind, language = _kind_and_language(kind, language)
    subject, body = _checked(kind, subject, body)
    with force_locale(language):
        values = {name: str(SAMPLES.get(name, "")) for name in PLACEHOLDERS[kind]}
    values["institute_name"] = actor.institute.name
    return render(subject, body, values)


def save_wording(actor: Actor, kind, language, subject: str, body: str) -> MailTemplate:
    require(actor, Permission.MANAGE_INSTITUTE)
    kind, language = _kind_and_language(kind, language)
    subject, body = _checked(kind, subject, body)
    stored = _stored(actor, kind, language)
    if stored is None:
        stored = MailTemplate(institute_id=actor.institute_id, kind=kind, language=language)
        db.session.add(stored)
    stored.subject, stored.body = subject, body
    db.session.flush()
    return stored


def reset_wording(actor: Actor, kind, language) -> None:
    """Back to the default e-mail (nothing happens when the institute had not worded it)."""
    require(actor, Permission.MANAGE_INSTITUTE)
    kind, language = _kind_and_language(kind, language)
    stored = _stored(actor, kind, language)
    if stored is not None:
        db.session.delete(stored)
        db.session.flush()


# Reminders ----------------------------------------------------------------------------------------

DEFAULT_SETTINGS = MailSettings(hours_before_opening=24, hours_before_closing=24)
MAX_REMINDER_HOURS = 24 * 14


def mail_settings(actor: Actor) -> MailSettings:
    require(actor, Permission.MANAGE_INSTITUTE)
    return db.session.get(MailSettings, actor.institute_id) or DEFAULT_SETTINGS


def save_mail_settings(actor: Actor, hours_before_opening, hours_before_closing) -> MailSettings:
    require(actor, Permission.MANAGE_INSTITUTE)
    opening, closing = _hours(hours_before_opening, "hours_before_opening"), _hours(hours_before_closing,
                                                                                      "hours_before_closing")
    settings = db.session.get(MailSettings, actor.institute_id)
    if settings is None:
        settings = MailSettings(institute_id=actor.institute_id)
        db.session.add(settings)
    settings.hours_before_opening, settings.hours_before_closing = opening, closing
    db.session.flush()
    return settings


def _hours(value, field: str) -> int:
    try:
        hours = int(str(value).strip())
    except ValueError:
        hours = -1
    if not 0 <= hours <= MAX_REMINDER_HOURS:
        raise ValidationError(_("Give the hours as a whole number from 0 (no reminder) to %(max)d.",
                                max=MAX_REMINDER_HOURS), field=field)
    return hours


def reminder_hours(institute_ids: list[int]) -> dict[int, tuple[int, int]]:
    """(hours before opening, hours before closing) of each institute, defaults included."""
    stored = {settings.institute_id: settings for settings in db.session.scalars(
        select(MailSettings).where(MailSettings.institute_id.in_(institute_ids)))}
    return {institute_id: (stored.get(institute_id, DEFAULT_SETTINGS).hours_before_opening,
                           stored.get(institute_id, DEFAULT_SETTINGS).hours_before_closing)
            for institute_id in institute_ids}
