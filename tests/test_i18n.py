"""Every text a person reads goes through Flask-Babel, and every language we ship translates all of it.

The scans are parametrised by catalogue area (see `webapp/core/i18n.py`), so a failure names the area
and the file and line of each text left in English."""
from __future__ import annotations

import ast
import re
import unicodedata
from html.parser import HTMLParser
from pathlib import Path

import pytest
from babel.messages.checkers import checkers as babel_checkers
from flask import render_template_string
from flask_babel import force_locale
from jinja2 import Environment

from webapp.core.i18n import (AREAS, LANGUAGES, ROOT, TRANSLATED, area_of, extract, is_right_to_left,
                              read_catalogue, source_files)
from webapp.web.language import read_page_in

AREA_NAMES = [area for area, _ in AREAS]
PLACEHOLDER = "\x1a"
# Attributes whose value a person reads or hears.
READ_ATTRIBUTES = {"title", "alt", "placeholder", "aria-label", "aria-description", "aria-roledescription",
                   "hx-confirm", "data-confirm", "label", "summary", "aria-valuetext"}
# Words that are the same in every language: names, symbols and codes.
SAME_IN_EVERY_LANGUAGE = {"Proctora", "Mettl", "EURO PRUEFSTER", "CEFR", "QR", "API", "HMAC", "ID", "URL",
                          "PDF", "CSV", "XLSX", "JSON", "A1", "A2", "B1", "B2", "C1", "C2", "OK", "E-mail",
                          "SMTP", "IP", "ms", "px", "x", "×", "·", "UTC", "MCQ", "MCA",
                          # Pico CSS styles <nav aria-label="breadcrumb"> by this very value.
                          "breadcrumb",
                          "ABCD-EFGH-JKMN"}   # the shape of a certificate code
GETTEXT_CALLS = {"_", "gettext", "ngettext", "pgettext", "npgettext", "lazy_gettext", "lazy_ngettext", "lazy_pgettext", "_l"}
# A string literal in a template expression that reads like a sentence or a label, not a class or a key.
SENTENCE_LIKE = re.compile(r"^[A-Z][a-z]+(?:[ ,][^{}]*)?[a-z.?!:)]$|^[A-Z][a-z]+ [a-z]")


def _has_words(text: str) -> bool:
    text = text.replace(PLACEHOLDER, " ").strip()
    if not text or text in SAME_IN_EVERY_LANGUAGE:
        return False
    return any(word not in SAME_IN_EVERY_LANGUAGE and any(unicodedata.category(char).startswith("L")
                                                          for char in word)
               for word in re.split(r"[\s·|,;:()/]+", text))


class _TextCollector(HTMLParser):
    """The texts and read attributes of an HTML template whose Jinja parts are placeholders."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.found: list[tuple[int, str]] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self._skip += 1
        for name, value in attrs:
            # A <button>'s value is sent, not shown; an <input type="submit">'s value is its caption.
            read = name in READ_ATTRIBUTES or (name == "value" and tag == "input" and ("type", "submit") in attrs)
            if read and value and _has_words(value):
                self.found.append((self.getpos()[0], f'{name}="{value}"'))

    def handle_endtag(self, tag):
        if tag in ("script", "style") and self._skip:
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip and _has_words(data):
            self.found.append((self.getpos()[0], data.strip()))


def untranslated_in_template(path: Path, root: Path = ROOT) -> list[str]:
    """Texts of a template outside `_()`, `gettext()` and `{% trans %}`, as "path:line: text"."""
    source = path.read_text(encoding="utf-8")
    relative = str(path.relative_to(root))
    environment = Environment(extensions=["jinja2.ext.i18n"])
    skeleton: list[str] = []
    literals: list[str] = []
    in_trans = False
    call_depth = 0          # > 0 inside the parentheses of a gettext call
    previous = None
    for lineno, kind, value in environment.lex(source):
        if kind == "data":
            # Newlines kept, so that the HTML parser's line numbers are the template's.
            skeleton.append(PLACEHOLDER * (1 if value.strip() else 0) + "\n" * value.count("\n")
                            if in_trans else value)
            continue
        skeleton.append(PLACEHOLDER + "\n" * value.count("\n") if kind != "whitespace" else value)
        if kind == "name" and previous and previous[1] == "block_begin":
            in_trans = in_trans or value == "trans" or value == "pluralize"
            if value == "endtrans":
                in_trans = False
        if value == "(" and previous and previous[1] == "name" and previous[2] in GETTEXT_CALLS:
            call_depth = 1
        elif value == "(" and kind == "operator" and call_depth:
            call_depth += 1
        elif value == ")" and kind == "operator" and call_depth:
            call_depth -= 1
        elif kind == "string" and not call_depth and SENTENCE_LIKE.match(value[1:-1]) \
                and value[1:-1] not in SAME_IN_EVERY_LANGUAGE:
            literals.append(f"{relative}:{lineno}: literal {value}")
        if kind not in ("whitespace",):
            previous = (lineno, kind, value)
    text = "".join(skeleton)
    if path.suffix == ".txt":
        found = [(number, line.strip()) for number, line in enumerate(text.splitlines(), 1) if _has_words(line)]
    else:
        collector = _TextCollector()
        collector.feed(text)
        collector.close()
        found = collector.found
    return [f"{relative}:{line}: {_shown(words)!r}" for line, words in found] + literals


def _shown(words: str) -> str:
    return re.sub(f"{PLACEHOLDER}[\\s{PLACEHOLDER}]*", "… ", words)


def _templates(area: str) -> list[Path]:
    return [path for path in source_files()
            if path.suffix in (".html", ".txt") and area_of(str(path.relative_to(ROOT))) == area]


@pytest.mark.parametrize("area", AREA_NAMES)
def test_no_template_shows_text_outside_the_translation_functions(area):
    found = [hit for path in _templates(area) for hit in untranslated_in_template(path)]
    assert not found, f"{len(found)} text(s) in English only; wrap each in _() or {{% trans %}}:\n" + "\n".join(found)


def test_the_template_scan_sees_english_left_out(tmp_path):
    template = tmp_path / "templates" / "probe.html"
    template.parent.mkdir()
    template.write_text(
        '<h1>Results</h1>\n<p>{{ _("Translated") }} {{ count }}</p>\n'
        '<button title="Delete it">{{ _("Delete") }}</button>\n'
        '{% trans n=3 %}{{ n }} answers{% endtrans %}\n'
        '<input type="submit" value="Save">\n<p>{{ "Not saved." if x else _("Saved.") }}</p>\n'
        '<p class="muted secondary">{{ name }} · Proctora</p>\n<script>let x = "in code";</script>\n',
        encoding="utf-8")
    found = untranslated_in_template(template, root=tmp_path)
    joined = "\n".join(found)
    assert "'Results'" in joined and 'title="Delete it"' in joined and 'value="Save"' in joined
    assert '"Not saved."' in joined
    for translated in ("Translated", "'Delete'", "answers", "Saved.", "Proctora", "in code"):
        assert translated not in joined.replace('"Not saved."', "")
    assert len(found) == 4


# Python: a flash, a form field's label and a domain error's message are read by people.
PYTHON_TEXT_CALLS = {"flash", "ValidationError", "Conflict", "PermissionDenied", "DomainError",
                     "IllegalTransition", "ValidationErrorWTF", "Length", "DataRequired", "InputRequired",
                     "Email", "NumberRange", "Optional", "URL", "Regexp"}
VALIDATOR_MESSAGE_ARGUMENT = "message"


def _is_plain_text(node: ast.AST) -> bool:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return _has_words(node.value)
    return isinstance(node, ast.JoinedStr)


def untranslated_in_python(path: Path) -> list[str]:
    relative = str(path.relative_to(ROOT))
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if not isinstance(node, ast.Call):
            continue
        name = node.func.id if isinstance(node.func, ast.Name) else getattr(node.func, "attr", "")
        texts = []
        if name in PYTHON_TEXT_CALLS or name.endswith("Field"):
            texts = node.args[:1] if name not in ("Length", "NumberRange", "Regexp") else []
            texts += [keyword.value for keyword in node.keywords
                      if keyword.arg in ("message", "label", "description")]
        found += [f"{relative}:{text.lineno}: {ast.unparse(text)[:100]}" for text in texts if _is_plain_text(text)]
    return found


@pytest.mark.parametrize("area", AREA_NAMES)
def test_no_flash_label_or_domain_error_is_english_only(area):
    found = [hit for path in source_files()
             if path.suffix == ".py" and area_of(str(path.relative_to(ROOT))) == area
             for hit in untranslated_in_python(path)]
    assert not found, f"{len(found)} text(s) in English only; wrap each in gettext or lazy_gettext:\n" \
        + "\n".join(found)


@pytest.fixture(scope="module")
def extracted():
    return extract()


@pytest.mark.parametrize("language", TRANSLATED)
@pytest.mark.parametrize("area", AREA_NAMES)
def test_every_catalogue_translates_every_text(extracted, area, language):
    catalogue = read_catalogue(language, area)
    missing, wrong = [], []
    for message in extracted[area]:
        if not message.id:
            continue
        translated = catalogue.get(message.id, context=message.context)
        strings = translated.string if translated else None
        if not translated or translated.fuzzy or not strings or (
                isinstance(strings, tuple) and not all(strings)):
            missing.append(f"{message.locations[0][0]}:{message.locations[0][1]}: {message.id!r}")
            continue
        for checker in babel_checkers:
            try:
                checker(catalogue, translated)
            except Exception as problem:    # babel's TranslationError, naming the broken placeholder
                wrong.append(f"{message.id!r}: {problem}")
    assert not missing, f"{len(missing)} text(s) untranslated in translations/{language}/{area}.po " \
        f"(run `make translations`, then translate):\n" + "\n".join(missing)
    assert not wrong, "\n".join(wrong)


def test_arabic_has_its_six_plural_forms():
    assert read_catalogue("ar", "console").num_plurals == 6


def test_the_languages_and_their_direction():
    assert set(LANGUAGES) == {"en", "de", "es", "ar"}
    assert is_right_to_left("ar") and not is_right_to_left("de")


def test_every_source_file_belongs_to_one_area():
    for path in source_files():
        assert area_of(str(path.relative_to(ROOT))) in AREA_NAMES


def test_every_stored_value_a_person_sees_has_words():
    import enum as enum_module
    import webapp.models  # noqa: F401  (every model's enums defined)
    import webapp.reports.services  # noqa: F401
    from webapp.bank.models import CefrLevel
    from webapp.core.labels import Labelled, labelled_enums

    def subclasses(cls):
        for sub in cls.__subclasses__():
            yield sub
            yield from subclasses(sub)

    ours = {cls for cls in subclasses(enum_module.StrEnum) if cls.__module__.startswith("webapp.")}
    # CEFR levels read the same in every language (A1 ... C2).
    unlabelled = sorted(cls.__name__ for cls in ours - {CefrLevel} if not issubclass(cls, Labelled))
    assert not unlabelled, f"Mix Labelled in and give words with labels(): {unlabelled}"
    for enum_class, words in labelled_enums().items():
        assert all(str(words[member]) for member in enum_class)


def _html_attributes(response) -> tuple[str, str]:
    from bs4 import BeautifulSoup
    html = BeautifulSoup(response.get_data(as_text=True), "html.parser").html
    return html["lang"], html["dir"]


def test_templates_follow_each_change_of_language_within_a_request(app):
    """The page's translations are kept for the request (web/language.py), never past a change of language."""
    with app.test_request_context("/", headers={"Accept-Language": "en"}):
        def log_in() -> str:
            return render_template_string("{{ _('Log in') }}")

        assert log_in() == "Log in"
        with force_locale("de"):   # an e-mail written in the candidate's language
            assert log_in() == "Anmelden"
        assert log_in() == "Log in"
        read_page_in(language="es")
        assert log_in() == "Iniciar sesión"


def test_the_browser_language_is_the_fallback(client):
    assert _html_attributes(client.get("/login", headers={"Accept-Language": "de-CH,de;q=0.9,en;q=0.5"})) \
        == ("de", "ltr")
    assert _html_attributes(client.get("/login", headers={"Accept-Language": "fr, it"})) == ("en", "ltr")


def test_a_language_chosen_on_a_page_is_kept_and_arabic_reads_right_to_left(client):
    assert _html_attributes(client.get("/login?lang=ar", headers={"Accept-Language": "de"})) == ("ar", "rtl")
    assert _html_attributes(client.get("/login", headers={"Accept-Language": "de"})) == ("ar", "rtl")
    assert _html_attributes(client.get("/login?lang=xx")) == ("ar", "rtl")   # an unknown code changes nothing


def test_a_staff_members_language_then_their_institutes(client, admin):
    from tests.conftest import log_in
    from webapp.core.extensions import db
    admin.institute.language = "es"
    db.session.commit()
    log_in(client, admin)
    assert _html_attributes(client.get("/", headers={"Accept-Language": "de"})) == ("es", "ltr")
    admin.language = "de"
    db.session.commit()
    assert _html_attributes(client.get("/")) == ("de", "ltr")


@pytest.mark.parametrize("language", TRANSLATED)
def test_a_text_reads_the_same_in_every_area(language):
    """The areas' catalogues are merged into one: a text two areas share must have one translation (a
    word with two meanings, like a calculator's "Clear" and a review's, takes a context: pgettext)."""
    seen: dict = {}
    for area in AREA_NAMES:
        for message in read_catalogue(language, area):
            if message.id:
                key = (message.id if isinstance(message.id, str) else tuple(message.id), message.context)
                seen.setdefault(key, {})[area] = message.string
    differing = [f"{key[0]!r}: {areas}" for key, areas in seen.items() if len({str(s) for s in areas.values()}) > 1]
    assert not differing, "\n".join(differing)


def test_a_context_keeps_two_meanings_of_one_word_apart(app):
    from flask_babel import force_locale

    from webapp.proctoring.models import ReviewOutcome
    with app.test_request_context("/"), force_locale("de"):
        from flask_babel import gettext
        assert ReviewOutcome.CLEAR.label == "Unauffällig" and gettext("Clear") == "Löschen"
