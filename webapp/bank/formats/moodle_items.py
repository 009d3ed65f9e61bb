"""Moodle's question kinds as Proctora's item fields: the one translation of Moodle's ideas (answer
fractions, text formats, category paths, units) shared by the Moodle XML and the GIFT readers, which
differ only in how a file spells them.

Rules both readers follow (documented for the people importing):
- A Moodle category path ("$course$/top/Grammar/Verbs") gives the skill its last segment ("Verbs").
- Difficulty is MEDIUM: Moodle has none. The question's default mark is the item's marks (1 when it is 0).
- Moodle's `penalty` is taken off for each retry in an adaptive quiz; it is no marking for a wrong
  answer, so it is ignored. Negative marks come only from negative answer fractions: a multiple-choice
  item's negative marks are its marks times its most negative fraction (so "~%-50%wrong" on a 2-mark
  item gives -1), applied as the scoring rule says, when the answer earns nothing.
- A single-answer multiple choice keeps its full-marks option as the correct one; options with part
  marks count as wrong (a Proctora MCQ is right or wrong). Several options with positive fractions make
  an MCA, with partial credit when more than one is right (Moodle adds up their fractions).
- A short answer, a numeric answer or a blank accepts the answers that earn full marks; answers with
  part marks are left out (Proctora accepts an answer or not), and so are Moodle's `*` wildcards, which
  Proctora cannot match: the item's explanation says which were left out. With no answer left, the item
  is skipped.
- Numeric units: Moodle's multiplier says how many of a unit make one of the first (base) unit, Proctora's
  factor how much of the first unit one of it is: factor = 1 / multiplier.
- Matching, cloze and ordering items are graded in parts in Moodle: they are imported with partial credit
  (ordering: unless its grading type is all or nothing)."""
from __future__ import annotations

import html as html_lib
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from flask_babel import gettext as _
from markdown_it import MarkdownIt

from webapp.bank.interchange import ItemDraft
from webapp.bank.sanitize import plain_text

# Proctora's word for an item Moodle would grade in parts but Proctora grades all or nothing (an MCA,
# a matching or a cloze item without partial credit): a Moodle question tag, kept by Moodle, read back here.
ALL_OR_NOTHING_TAG = "proctora-all-or-nothing"

_MARKDOWN = MarkdownIt("commonmark")
WILDCARD = re.compile(r"(?<!\\)\*")


@dataclass
class Answer:
    """One of a Moodle question's answers: its HTML (or plain text), its fraction in per cent."""

    html: str
    fraction: float
    tolerance: str = "0"    # numeric answers only, in the answer's unit


def to_html(text: str, text_format: str | None) -> str:
    """A Moodle text in one of its formats as HTML (still to be cleaned by the sanitiser)."""
    text_format = (text_format or "html").lower()
    if text_format in ("markdown", "4"):
        return _MARKDOWN.render(text).strip()
    if text_format in ("plain_text", "plain", "2"):
        return html_lib.escape(text).replace("\n", "<br>")
    if text_format in ("moodle_auto_format", "moodle", "0"):
        # Moodle's own format: HTML allowed, and a line break is a break.
        return text.strip().replace("\r\n", "\n").replace("\n", "<br>")
    return text.strip()


def skill_from_category(path: str) -> str | None:
    """The skill a Moodle category path names: its last segment ("//" is a slash inside a segment)."""
    segments = [segment.replace("\x00", "/").strip()
                for segment in path.replace("//", "\x00").split("/")]
    named = [segment for segment in segments if segment and not segment.startswith("$") and segment != "top"]
    return named[-1] if named else None


def number(text: str) -> Decimal | None:
    """A plain number; none for NaN, infinities and exponents no mark or tolerance has (1e999999999 would
    be written out as a billion digits)."""
    try:
        value = Decimal(str(text).strip())
    except InvalidOperation:
        return None
    return value if value.is_finite() and -30 <= value.adjusted() <= 30 else None


def number_text(value: float | Decimal) -> str:
    """A number as short as it is exact: 2 not 2.0000000, 0.01 not 1E-2."""
    text = format(Decimal(str(value)).normalize(), "f")
    return "0" if text in ("-0", "") else text


def unique_ref(name: str, refs: set[str]) -> str:
    """How an item is named in the import's report: its name, numbered when an earlier item has it."""
    ref, copy = name, 1
    while ref in refs:
        copy += 1
        ref = f"{name} ({copy})"
    refs.add(ref)
    return ref


def draft(ref: str, skill: str | None, fields: dict | None = None, *, skipped: str | None = None) -> ItemDraft:
    return ItemDraft(ref=ref, fields=fields or {}, skill=skill, skipped=skipped)


def base_fields(qtype: str, stem: str, marks: float, explanation: str) -> dict:
    return {"type": qtype, "difficulty": "MEDIUM", "stem": stem, "marks": marks if marks > 0 else 1.0,
            "negative_marks": 0.0, "explanation": explanation}


def unescape_wildcard(text: str) -> str:
    return text.replace("\\*", "*")


def left_out_note(answers: list[str]) -> str:
    """The explanation's note on answers a Proctora item cannot hold."""
    return "<p>" + html_lib.escape(_("Left out on import (Moodle wildcards or part marks): %(answers)s",
                                     answers=", ".join(answers))) + "</p>"


def with_note(explanation: str, left_out: list[str]) -> str:
    return explanation + left_out_note(left_out) if left_out else explanation


def accepted_answers(answers: list[Answer]) -> tuple[list[str], list[str]]:
    """The plain-text answers earning full marks, and those left out (wildcards, part marks)."""
    accepted, left_out = [], []
    for answer in answers:
        text = plain_text(answer.html)
        if not text:
            continue
        if answer.fraction >= 100 and not WILDCARD.search(text):
            if unescape_wildcard(text) not in accepted:
                accepted.append(unescape_wildcard(text))
        elif answer.fraction > 0:
            left_out.append(text)
    return accepted, left_out


def no_accepted_reason(left_out: list[str]) -> str:
    if any(WILDCARD.search(text) for text in left_out):
        return _("Every answer earning full marks uses Moodle's wildcard *, which Proctora cannot match.")
    return _("No answer earns full marks.")


def choice_fields(fields: dict, answers: list[Answer], single: bool) -> str | None:
    """Fills a multiple-choice item's options (MCQ when single, else MCA); returns why it cannot be, or None."""
    if len(answers) < 2:
        return _("A multiple-choice question needs at least two answers.")
    if single:
        if not any(answer.fraction >= 100 for answer in answers):
            return _("No answer earns full marks.")
        first_full = next(index for index, answer in enumerate(answers) if answer.fraction >= 100)
        options = [{"html": answer.html, "correct": index == first_full} for index, answer in enumerate(answers)]
        fields.update(type="MCQ", options=options)
    else:
        options = [{"html": answer.html, "correct": answer.fraction > 0} for answer in answers]
        if not any(option["correct"] for option in options):
            return _("No answer earns any marks.")
        fields.update(type="MCA", options=options, partial_credit=sum(option["correct"] for option in options) > 1)
    lowest = min(answer.fraction for answer in answers)
    if lowest < 0:
        fields["negative_marks"] = round(fields["marks"] * max(lowest, -100) / 100, 4)
    return None


def true_false_fields(fields: dict, true_is_right: bool) -> None:
    fields.update(type="TRUE_FALSE", options=[{"html": _("True"), "correct": true_is_right},
                                              {"html": _("False"), "correct": not true_is_right}])


def short_answer_fields(fields: dict, answers: list[Answer], case_sensitive: bool) -> str | None:
    accepted, left_out = accepted_answers(answers)
    if not accepted:
        return no_accepted_reason(left_out)
    fields.update(type="SHORT_ANSWER", accepted_answers=accepted, case_sensitive=case_sensitive,
                  explanation=with_note(fields["explanation"], left_out))
    return None


def full_mark_numbers(answers: list[Answer]) -> tuple[list[str], list[str], Decimal, str | None]:
    """The numbers earning full marks, the answers left out, the first full-marks answer's tolerance, and
    why there is no usable number (or None)."""
    accepted, left_out, tolerance = [], [], None
    for answer in answers:
        text = plain_text(answer.html)
        if answer.fraction < 100 or text == "*":
            if text and answer.fraction > 0:
                left_out.append(text)
            continue
        if number(text) is None:
            return [], [], Decimal(0), _("The answer “%(answer)s” is no number.", answer=text)
        accepted.append(number_text(number(text)))
        if tolerance is None:
            tolerance = abs(number(answer.tolerance) or Decimal(0))
    if not accepted:
        return [], left_out, Decimal(0), no_accepted_reason(left_out)
    return accepted, left_out, tolerance, None


def numeric_fields(fields: dict, answers: list[Answer], units: list[dict], unit_required: bool) -> str | None:
    """A numeric item from answers whose `html` is the number; `units` as Proctora's [{"unit", "factor"}]."""
    accepted, left_out, tolerance, reason = full_mark_numbers(answers)
    if reason:
        return reason
    fields.update(type="NUMERIC", accepted_answers=accepted, units=units,
                  matching={"tolerance": number_text(tolerance), "tolerance_percent": False,
                            "unit_required": bool(unit_required and units)},
                  explanation=with_note(fields["explanation"], left_out))
    return None


def matching_fields(fields: dict, pairs: list[tuple[str, str]], partial_credit: bool = True) -> str | None:
    """A matching item from (premise HTML, target text) pairs; a pair without a premise is a distractor."""
    targets: list[str] = []
    options = []
    for premise, target in pairs:
        target = target.strip()
        if not target:
            continue
        if target not in targets:
            targets.append(target)
        if plain_text(premise) or "<img" in premise:
            options.append({"html": premise, "match": targets.index(target)})
    if len(options) < 2:
        return _("A matching question needs at least two pairs.")
    fields.update(type="MATCHING", options=options, targets=[{"html": html_lib.escape(target)} for target in targets],
                  partial_credit=partial_credit)
    return None


def essay_fields(fields: dict) -> None:
    fields["type"] = "LONG_ANSWER"


# Moodle's file types (groups and extensions) as the kinds of file a Proctora file upload accepts.
FILE_KINDS = {"pdf": ("pdf", ".pdf"), "image": ("image", "web_image", ".png", ".jpg", ".jpeg", ".gif", ".webp"),
              "audio": ("audio", "web_audio", ".mp3", ".ogg", ".wav", ".m4a"),
              "document": ("document", "spreadsheet", "presentation", ".doc", ".docx", ".odt", ".rtf", ".txt")}


def file_upload_fields(fields: dict, file_types: str, max_bytes: int) -> None:
    wanted = {entry.strip().lower() for entry in re.split(r"[,;\s]+", file_types or "") if entry.strip()}
    kinds = [kind for kind, names in FILE_KINDS.items() if wanted & set(names)] or list(FILE_KINDS)
    max_mb = max(1, min(100, round(max_bytes / (1024 * 1024)))) if max_bytes > 0 else 10
    fields.update(type="FU", answer_file={"kinds": kinds, "max_mb": max_mb})


def blank(answers: list[Answer], *, choices: bool,
          case_sensitive: bool = False) -> tuple[dict | None, list[str], str | None]:
    """A FITB blank from a Moodle subquestion's answers: (the blank, answers left out, why it cannot be)."""
    if choices:
        listed = [plain_text(answer.html) for answer in answers if plain_text(answer.html)]
        right = [plain_text(answer.html) for answer in answers if answer.fraction >= 100]
        if len(listed) < 2:
            return None, [], _("A list in the text needs at least two choices.")
        if not right:
            return None, [], _("No answer earns full marks.")
        return {"accepted": right, "choices": listed, "case_sensitive": True}, [], None
    accepted, left_out = accepted_answers(answers)
    if not accepted:
        return None, left_out, no_accepted_reason(left_out)
    return {"accepted": accepted, "case_sensitive": case_sensitive}, left_out, None


def numeric_blank(answers: list[Answer]) -> tuple[dict | None, list[str], str | None]:
    """A typed FITB blank accepting numbers within the first full-marks answer's tolerance."""
    accepted, left_out, tolerance, reason = full_mark_numbers(answers)
    if reason:
        return None, left_out, reason
    return {"accepted": accepted, "tolerance": number_text(tolerance)}, left_out, None
