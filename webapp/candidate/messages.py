"""The candidate pages' words that are not in a template: the texts their scripts show or announce (handed
to the page as JSON, so the JavaScript holds no English of its own), the titles of the problem pages, the
standard registration fields' names, and the person-facing words for what self-registration refused.

The services below answer in the API's words (Mettl's registration messages and codes); the candidate reads
the same outcome in plain words of their language, chosen here by the outcome's code and field."""
from __future__ import annotations

from flask_babel import get_locale, get_translations, gettext as _, lazy_gettext as _l

from webapp.assessments.models import field_label
from webapp.assessments.services import EMAIL_FIELD
from webapp.sittings.services import EMAIL_ALREADY_REGISTERED, RegistrationOutcome

# A number of each plural category (the names of Intl.PluralRules) that picks that category's gettext form.
ALREADY_TAKEN = "You have already taken this test."
PLURAL_SAMPLES = {"zero": 0, "one": 1, "two": 2, "few": 3, "many": 11, "other": 100}

PROBLEM_TITLES = {
    "unknown": _l("Unknown link"),
    "inactive": _l("Not available"),
    "ip_not_allowed": _l("Not from this network"),
    "not_yet_open": _l("Not open yet"),
    "closed": _l("Closed"),
    "by_invitation": _l("By invitation"),
    "cross_site": _l("Refused"),
}

def label_registration_inputs(form, fields) -> str:
    """Labels the registration form's inputs of the fields every test has in the candidate's language (an
    institute's own fields keep their names); returns the name of the e-mail address's input."""
    email_input = ""
    for item, entry in zip(fields, form.inputs()):
        entry.label.text = f"{field_label(item.name)} *" if item.required else field_label(item.name)
        if item.name == EMAIL_FIELD:
            email_input = entry.name
    return email_input


def cross_site_message() -> str:
    return _("This request did not come from the test's own page, so it was refused.")


def registration_message(outcome: RegistrationOutcome) -> str:
    """What the candidate reads about a registration the service refused or redirected, by its code and
    field; an outcome this does not know keeps the service's words."""
    field = field_label(outcome.field or "")
    if outcome.code == "E003":
        return _("Please fill in %(field)s.", field=field)
    if outcome.code == "E004":
        return _("Please enter a valid e-mail address, such as name@example.com.")
    if outcome.field == EMAIL_FIELD and outcome.sitting_id is not None:
        if outcome.message.startswith(EMAIL_ALREADY_REGISTERED):
            return _("This e-mail address is already registered. If it is yours, we have e-mailed your "
                     "personal link for this test to it.")
        # The service adds when (or whether) another attempt is possible, in the page's language.
        reason = outcome.message.removeprefix(ALREADY_TAKEN).strip()
        return _("You have already taken this test. %(reason)s", reason=reason).strip()
    return outcome.message


def _plural(forms) -> dict[str, str]:
    """One text per plural category of the page's language, its placeholders left for the script."""
    categories = set(get_locale().plural_form.tags) | {"other"}
    return {category: forms(PLURAL_SAMPLES[category]) for category in sorted(categories)}


# Built once per language and process: the same on every page (a tenth of the exam page's work when built each time).
_script_messages: dict[str, dict] = {}


def script_messages() -> dict:
    """Every text the candidate pages' scripts show or announce, in the page's language. Placeholders are
    gettext's (`%(name)s`, `%(num)d` for the count of a plural), filled in by static/js/candidate/messages.js."""
    language = str(get_locale())
    if language not in _script_messages:
        _script_messages[language] = _all_script_messages()
    return _script_messages[language]


def _all_script_messages() -> dict:
    translations = get_translations()
    return {
        # The check
        "works": _("✓ works"),
        "doesNotWork": _("✗ does not work"),
        "cameraAvailable": _("✓ available"),
        "cameraMissing": _("✗ not available: choose photo files below"),
        "cameraRefused": _("We could not use your camera (%(error)s). Allow the camera for this site in your "
                           "browser, then press the button again; or choose photo files below.", error="%(error)s"),
        "takeAgain": _("Take it again"),
        # The exam: saving
        "allSaved": _("All answers saved"),
        "saving": _("Saving…"),
        "saved": _("Saved"),
        "keptHere": _("Kept on this device"),
        "notSaved": _("Not saved: %(reason)s", reason="%(reason)s"),
        "offlineCount": _plural(lambda n: translations.ngettext(
            "Offline: %(num)d answer kept on this device", "Offline: %(num)d answers kept on this device", n)),
        "refusedCount": _plural(lambda n: translations.ngettext(
            "Not saved: %(num)d answer kept on this device", "Not saved: %(num)d answers kept on this device", n)),
        "refusedNotice": _plural(lambda n: translations.ngettext(
            "Your answer to question %(numbers)s is not saved: %(reason)s It is kept on this device and sent again "
            "every few seconds. Keep this page open. If this message does not go away, reload the page; if it is "
            "still there, tell the organiser of your test.",
            "Your answers to questions %(numbers)s are not saved: %(reason)s They are kept on this device and sent "
            "again every few seconds. Keep this page open. If this message does not go away, reload the page; if "
            "it is still there, tell the organiser of your test.", n)),
        "serverAnswered": _("The server answered %(status)s.", status="%(status)s"),
        # The exam: a file answer (upload.js)
        "fileSending": _("Sending your file…"),
        "fileOffline": _("No connection: your file %(name)s stays chosen on this page and is sent when the "
                         "connection is back. Keep this page open.", name="%(name)s"),
        "fileRefused": _("Not sent: %(reason)s Please choose another file.", reason="%(reason)s"),
        "fileSent": _("Sent: %(name)s (%(size)s)", name="%(name)s", size="%(size)s"),
        "fileLost": _("Your file %(name)s was not sent before the page closed; please choose it again.",
                      name="%(name)s"),
        "fileNotSent": _("File not sent yet"),
        "waitOffline": _("Some answers are not sent yet. Please wait until the connection is back."),
        "waitSaving": _("Some answers are not sent yet. Please wait until they are saved."),
        # The exam: an ordering item's row after a move, read aloud
        "movedTo": _("%(text)s: now in place %(place)s of %(count)s", text="%(text)s", place="%(place)s",
                     count="%(count)s"),
        # The exam: the palette's buttons, read aloud
        "questionState": _("Question %(number)s: %(states)s", number="%(number)s", states="%(states)s"),
        "answered": _("answered"),
        "notAnswered": _("not answered"),
        "flaggedForReview": _("flagged for review"),
        "lastChangeNotSaved": _("last change not saved yet"),
        # Translators: between the items of a list ("answered, flagged for review"; question numbers "2, 5").
        "listSeparator": _(", "),
        "questionTitle": _("Question %(number)s", number="%(number)s"),
        # The exam: the clock, proctoring and the calculator
        "minutesLeft": _plural(lambda n: translations.ngettext(
            "%(num)d minute left.", "%(num)d minutes left.", n)),
        "proctorMessage": _("Message from your proctor: %(message)s", message="%(message)s"),
        # The exam: the conversation with the proctor (candidate/conversation.js)
        "messagesTitle": _("Messages"),
        "messagesUnseen": _plural(lambda n: translations.ngettext(
            "Messages: %(num)d new message from your proctor", "Messages: %(num)d new messages from your proctor", n)),
        "messageYou": _("You"),
        "messageProctor": _("Proctor"),
        "messageSending": _("Sending…"),
        "messageSent": _("Sent"),
        "messageKept": _("Kept on this device: sent when the connection is back"),
        "messageRefused": _("Your message was not sent: %(reason)s", reason="%(reason)s"),
        "timeAdded": _plural(lambda n: translations.ngettext(
            "The proctor added %(num)d minute to your time.", "The proctor added %(num)d minutes to your time.", n)),
        "timeAddedBecause": _plural(lambda n: translations.ngettext(
            "The proctor added %(num)d minute: %(reason)s", "The proctor added %(num)d minutes: %(reason)s", n)),
        "leftWindowCount": _plural(lambda n: translations.ngettext(
            "You left the test window. %(num)d more time and the test ends.",
            "You left the test window. %(num)d more times and the test ends.", n)),
        "leftWindow": _("You left the test window. Please stay on this page: leaving too often ends the test."),
        "copyPasteOff": _("Copying and pasting are turned off in this test."),
        "calculatorError": _("Error"),
        # The exam: a recording its item lets the candidate play a number of times (candidate/media.js)
        "playRecording": _("Play the recording"),
        "playing": _("Playing…"),
        "playsLeft": _plural(lambda n: translations.ngettext(
            "You can play this recording %(num)d more time.", "You can play this recording %(num)d more times.", n)),
        "noPlaysLeft": _("You have played this recording as often as allowed."),
        "playFailed": _("The recording could not be started: %(reason)s", reason="%(reason)s"),
        # The instructions: the test's pictures and recordings loaded before Start (candidate/preload.js)
        "mediaLoading": _("Loading the test's pictures and recordings: %(done)s of %(total)s…", done="%(done)s",
                          total="%(total)s"),
        "mediaReady": _("The test's pictures and recordings are loaded."),
        "mediaFailed": _("Some pictures or recordings could not be loaded yet; they load when their question is shown."),
    }
