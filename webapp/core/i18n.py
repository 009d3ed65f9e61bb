"""The languages Proctora speaks and its message catalogues: which source file's texts belong to which
catalogue area, extraction from the sources, and compiling every area into the one catalogue per
language that Flask-Babel reads.

The catalogues live in `translations/<language>/<area>.po`, one per area so that the console's and the
candidate's texts can be translated side by side; `compile_catalogues` merges them into
`translations/compiled/<language>/LC_MESSAGES/messages.mo` (not committed; rebuilt when stale)."""
from __future__ import annotations

import os
import tempfile
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_file
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent.parent
TRANSLATIONS = ROOT / "translations"
COMPILED = TRANSLATIONS / "compiled"

# Each language in its own name, as the language switchers offer it.
LANGUAGES = {"en": "English", "de": "Deutsch", "es": "Español", "ar": "العربية"}
DEFAULT_LANGUAGE = "en"
RIGHT_TO_LEFT = frozenset({"ar"})
TRANSLATED = tuple(code for code in LANGUAGES if code != DEFAULT_LANGUAGE)

# Which catalogue area a source file's texts go to: the first prefix that matches; "console" takes the
# rest (the layout, accounts, audit, messages, errors and the core's words).
AREAS = (
    ("candidate", ("templates/candidate/", "webapp/candidate/")),
    ("documents", ("templates/email/", "templates/pdf/", "templates/reports/", "webapp/reports/",
                   "webapp/console/reports/")),
    ("bank", ("templates/console/bank/", "templates/console/assessments/", "webapp/console/bank/",
              "webapp/console/assessments/", "webapp/bank/", "webapp/assessments/")),
    ("exams", ("templates/console/exams/", "templates/console/candidates/", "webapp/console/exams/",
               "webapp/console/candidates/", "webapp/exams/", "webapp/candidates/")),
    ("running", ("templates/console/proctoring/", "templates/console/results/", "templates/console/grading/",
                 "templates/console/analysis/", "webapp/console/proctoring/", "webapp/console/results/",
                 "webapp/proctoring/", "webapp/results/", "webapp/sittings/")),
    ("console", ("",)),
)
# The API dialects answer in their specifications' words, never translated.
UNTRANSLATED_SOURCES = ("webapp/api/mettl_v1/", "webapp/api/euro_v1/")
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "pgettext": ((1, "c"), 2),
            "npgettext": ((1, "c"), 2, 3), "lazy_gettext": None, "lazy_pgettext": ((1, "c"), 2), "lazy_ngettext": (1, 2), "_l": None}
_METHODS = {".py": "python", ".html": "jinja2", ".txt": "jinja2", ".js": None, ".css": None}
_JINJA_OPTIONS = {"newstyle_gettext": "true", "trimmed": "true"}


def is_right_to_left(language: str) -> bool:
    return language in RIGHT_TO_LEFT


def area_of(relative_path: str) -> str:
    for area, prefixes in AREAS:
        if relative_path.startswith(prefixes):
            return area
    raise AssertionError("the last area takes every path")


def source_files() -> list[Path]:
    """Every file whose texts are translated: the templates and the application's Python."""
    found = [*sorted((ROOT / "templates").rglob("*.html")), *sorted((ROOT / "templates").rglob("*.txt")),
             *sorted((ROOT / "webapp").rglob("*.py"))]
    return [path for path in found if not str(path.relative_to(ROOT)).startswith(UNTRANSLATED_SOURCES)]


def extract() -> dict[str, Catalog]:
    """The texts the sources hold today, by area, with the places they come from."""
    templates = {area: Catalog(project="Proctora", fuzzy=False) for area, _ in AREAS}
    for path in source_files():
        relative = str(path.relative_to(ROOT))
        method = _METHODS[path.suffix]
        options = _JINJA_OPTIONS if method == "jinja2" else {}
        for lineno, message, comments, context in extract_from_file(
                method, str(path), keywords=KEYWORDS, comment_tags=("Translators:",), options=options,
                strip_comment_tags=True):
            templates[area_of(relative)].add(message, locations=[(relative, lineno)],
                                              auto_comments=comments, context=context)
    return templates


def catalogue_path(language: str, area: str) -> Path:
    return TRANSLATIONS / language / f"{area}.po"


def read_catalogue(language: str, area: str) -> Catalog:
    path = catalogue_path(language, area)
    if not path.exists():
        return Catalog(locale=language, project="Proctora", fuzzy=False)
    with path.open("rb") as handle:
        return read_po(handle, locale=language)


def _compiled_path(language: str) -> Path:
    return COMPILED / language / "LC_MESSAGES" / "messages.mo"


def _stale(language: str) -> bool:
    compiled = _compiled_path(language)
    if not compiled.exists():
        return True
    built = compiled.stat().st_mtime
    return any(path.stat().st_mtime > built for path in (TRANSLATIONS / language).glob("*.po"))


def compile_catalogues(*, force: bool = False) -> list[str]:
    """Merge each language's area catalogues into its `messages.mo`, when a `.po` is newer (or `force`).
    Written to a temporary file and renamed, so that web workers starting together never read half."""
    compiled = []
    for language in TRANSLATED:
        if not force and not _stale(language):
            continue
        merged = Catalog(locale=language, project="Proctora", fuzzy=False)
        for area, _ in AREAS:
            for message in read_catalogue(language, area):
                if message.id and message.string and not message.fuzzy \
                        and merged.get(message.id, context=message.context) is None:
                    merged[message.id] = message
        target = _compiled_path(language)
        target.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=target.parent, suffix=".mo")
        with os.fdopen(handle, "wb") as out:
            write_mo(out, merged)
        os.chmod(temporary, 0o644)   # mkstemp's 0600 would hide it from a web server running as another user
        os.replace(temporary, target)
        compiled.append(language)
    return compiled


def update_catalogues(areas: tuple[str, ...] = ()) -> dict[str, int]:
    """Bring the languages' area catalogues (all, or those of `areas`) in line with the sources: new
    texts added untranslated, texts gone dropped. Returns, per language, how many texts still wait for
    a translation."""
    waiting: dict[str, int] = {}
    for area, template in extract().items():
        if areas and area not in areas:
            continue
        for language in TRANSLATED:
            catalogue = read_catalogue(language, area)
            created = catalogue.creation_date
            catalogue.update(template, no_fuzzy_matching=True)
            # An unchanged header, no line numbers and entries sorted by text keep the diffs (and the merges of
            # branches) to the texts that changed.
            catalogue.creation_date = created
            path = catalogue_path(language, area)
            path.parent.mkdir(parents=True, exist_ok=True)
            with path.open("wb") as handle:
                write_po(handle, catalogue, width=100, sort_output=True, include_lineno=False, ignore_obsolete=True)
            waiting[language] = waiting.get(language, 0) + sum(
                1 for message in catalogue if message.id and (not message.string or message.fuzzy
                                                              or _partly_translated(message)))
    return waiting


def _partly_translated(message) -> bool:
    return isinstance(message.string, (tuple, list)) and not all(message.string)
