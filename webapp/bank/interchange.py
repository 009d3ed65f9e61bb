"""Questions on their way in from another system's files, or out to them: the shapes a format's parser
produces and its writer reads, and the registry of formats (filled in `webapp.wiring`).

A parser is pure: a file's name and bytes in, a ParsedBank out, nothing stored. Whatever makes the file
unusable (a bad zip, a missing manifest, malformed XML, an href to nothing) is a Problem naming the file;
an item Proctora cannot hold (an interaction it has no type for) is a draft with its reason to skip.
webapp/bank/imports.py checks the drafts, stores their media and writes them."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Problem:
    file: str                   # the file, or the entry inside a package, that is wrong
    message: str                # what is wrong, in the reader's language
    item: str | None = None     # the item it concerns, where there is one


@dataclass
class ItemDraft:
    """One question as the source has it, in the shape of QuestionInput (webapp/bank/services.py)."""

    ref: str                    # how the source names it: a QTI identifier, a Moodle question's name, "line 12"
    fields: dict                # QuestionInput's fields but skill_id: type, difficulty, stem, options, ...
    skill: str | None = None    # the skill (QTI/Moodle/GIFT category) it goes into
    skipped: str | None = None  # why it cannot be imported, in the reader's language; None when it can


@dataclass
class TestDraft:
    """A test of the source (a QTI assessmentTest): its sections and their items, by ref, in order."""

    title: str
    sections: list[tuple[str, list[str]]] = field(default_factory=list)


@dataclass
class ParsedBank:
    format: str
    items: list[ItemDraft] = field(default_factory=list)
    # The files the items' HTML refers to (src="images/cat.png"), by the reference as written there.
    media: dict[str, bytes] = field(default_factory=dict)
    tests: list[TestDraft] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)   # any one refuses the whole file


# For a writer: the file behind a media URL found in a question's HTML, as (file name, bytes), or None.
MediaSource = Callable[[str], "tuple[str, bytes] | None"]


@dataclass(frozen=True)
class Format:
    name: str                                       # "qti", "moodle", "gift", "csv", "xlsx"
    label: str                                      # how people name it (a lazy translation)
    detect: Callable[[str, bytes], bool]            # (file name, bytes): is the file in this format?
    parse: Callable[[str, bytes], ParsedBank]
    # Export: (questions, their media, the test's title or None) -> (file bytes, file extension).
    write: Callable[[list, MediaSource, str | None], tuple[bytes, str]] | None = None


FORMATS: dict[str, Format] = {}


def register_format(format_: Format) -> None:
    FORMATS[format_.name] = format_


def detect_format(filename: str, data: bytes) -> Format | None:
    """The first registered format that recognises the file (registration order is the order tried)."""
    return next((format_ for format_ in FORMATS.values() if format_.detect(filename, data)), None)
