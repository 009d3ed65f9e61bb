"""Which language and time zone a page is read in, and the helpers templates format with.

The language, first found wins: the one chosen on the page (`?lang=de`, kept in the session), the staff
member's own, their institute's; on a candidate page the exam's, then its institute's (set by the view
with `read_page_in`); the browser's Accept-Language last. The API dialects always answer in English,
in their specifications' words."""
from __future__ import annotations

from datetime import datetime, tzinfo

from babel.dates import format_datetime, get_timezone
from flask import g, has_request_context, request, session
from flask_babel import get_locale, get_timezone as page_time_zone, get_translations, refresh
from flask_login import current_user

from webapp.core.errors import EURO_PREFIX, METTL_PREFIX
from webapp.core.extensions import db
from webapp.core.i18n import DEFAULT_LANGUAGE, LANGUAGES, is_right_to_left
from webapp.exams.windows import local_moment, parse_time_zone

SESSION_KEY = "language"


def chosen_language() -> str | None:
    """The language the person chose on a page, if any: `?lang=` (remembered) or an earlier choice."""
    asked = request.args.get("lang")
    if asked in LANGUAGES:
        session[SESSION_KEY] = asked
        return asked
    remembered = session.get(SESSION_KEY)
    return remembered if remembered in LANGUAGES else None


def forget_chosen_language() -> None:
    """Drop the language chosen on a page, so that a saved preference applies from the next page on."""
    session.pop(SESSION_KEY, None)
    refresh()


def select_language() -> str:
    # Outside a request (the worker, the CLI) a text is read in English unless `force_locale` says.
    if not has_request_context() or request.path.startswith((METTL_PREFIX, EURO_PREFIX)):
        return DEFAULT_LANGUAGE
    chosen = chosen_language()
    if chosen:
        return chosen
    # Loading the staff member's institute must not flush a view's half-done change (a gettext for a
    # flash would then meet the database's refusal before the request's one commit does).
    with db.session.no_autoflush:
        preferences = (current_user.language, current_user.institute.language) if current_user.is_authenticated else ()
    for preference in preferences:
        if preference in LANGUAGES:
            return preference
    page_language = g.get("page_language")
    if page_language in LANGUAGES:
        return page_language
    return request.accept_languages.best_match(LANGUAGES) or DEFAULT_LANGUAGE


def select_time_zone() -> str | None:
    """The staff member's institute's zone; a candidate page's exam gives its own (`read_page_in`)."""
    if not has_request_context():
        return None
    zone = g.get("page_time_zone")
    if zone:
        return zone
    if current_user.is_authenticated:
        with db.session.no_autoflush:
            return current_user.institute.time_zone or None
    return None


def read_page_in(*, language: str = "", time_zone: str = "") -> None:
    """A candidate page's own language and zone (the exam's, else its institute's), read unless the
    candidate chose another language. Called by a view once it has loaded what the page is about."""
    g.page_language = language
    if time_zone:
        g.page_time_zone = time_zone
    refresh()


def start_request() -> None:
    """Each request chooses afresh: under test one app context (and its `g`, where Flask-Babel keeps
    what it chose) serves many requests."""
    g.pop("page_language", None)
    g.pop("page_time_zone", None)
    g.pop("page_translations", None)
    refresh()


def page_translations():
    """The translations of the page's language. Flask-Babel finds them anew for every text, and a page has a
    hundred: kept for the request, with the locale they are for, so a change of language (`read_page_in`,
    `force_locale` for an e-mail, `refresh`) finds the other language's."""
    # Where Flask-Babel keeps the locale it chose (get_locale's own look-ups cost as much as the rest).
    locale = getattr(g.get("_flask_babel"), "babel_locale", None) or get_locale()
    kept = g.get("page_translations")
    if kept is None or kept[0] is not locale:
        kept = g.page_translations = (locale, get_translations())
    return kept[1]


def install_page_translations(jinja_env) -> None:
    jinja_env.install_gettext_callables(
        gettext=lambda text: page_translations().ugettext(text),
        ngettext=lambda text, plural, number: page_translations().ungettext(text, plural, number),
        pgettext=lambda context, text: page_translations().upgettext(context, text),
        npgettext=lambda context, text, plural, number: page_translations().unpgettext(context, text, plural, number),
        newstyle=True)


def page_language() -> str:
    return str(get_locale() or DEFAULT_LANGUAGE)


def text_direction() -> str:
    return "rtl" if is_right_to_left(page_language()) else "ltr"


def moment(value: datetime | None, format: str = "medium", zone: tzinfo | str | None = None) -> str:
    """A date and time in the page's language and in `zone` (a tzinfo or an IANA name; the page's zone
    when omitted). An empty string for no value."""
    if value is None:
        return ""
    if isinstance(zone, str):
        zone = get_timezone(zone)
    return format_datetime(value, format, tzinfo=zone or page_time_zone(), locale=get_locale())


def exam_time(value: datetime | None, exam) -> str:
    """A moment as the clocks of the exam's own zone show it, with the zone's name and offset, whoever
    reads it: "Sat, Mar 28, 2026, 09:00 (Europe/Berlin, UTC+01:00)". Empty for no value."""
    return local_moment(value, parse_time_zone(exam.time_zone)) if value else ""


def template_helpers() -> dict:
    return {"page_language": page_language, "text_direction": text_direction, "LANGUAGES": LANGUAGES,
            "moment": moment, "exam_time": exam_time}
