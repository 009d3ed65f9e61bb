"""GIFT (https://docs.moodle.org/en/GIFT_format), Moodle's plain-text question format, read into item drafts
(there is no GIFT writer: Moodle XML is the export Moodle reads back).

A question is a block of lines ended by a blank line; lines starting with `//` are comments and
`$CATEGORY: path` sets the skill of the questions after it (its last segment, as in Moodle XML). A question
may start with `::title::` (its ref; else "line N") and a text format `[html]`, `[moodle]` (the default:
HTML allowed, a line break is a break), `[plain]` or `[markdown]`; then the answers in braces:
- `{}` an essay; `{T}` `{TRUE}` `{F}` `{FALSE}` true/false (`#feedback` ignored);
- `{=right ~wrong}` multiple choice (one answer); `{~%50%a ~%50%b ~%-100%c}` (no `=`) several answers,
  the positive weights right, with partial credit, and the most negative weight as negative marks (of
  the item's marks, so an answer earning nothing costs that share), as Moodle XML's fractions;
- `{=a =b}` short answer (answers with part marks or Moodle's `*` wildcard are left out, noted in the
  explanation); `{=a -> b =c -> d}` matching (`= -> x` adds a distractor);
- `{#3.14:0.01}`, `{#1..5}` (3 within 2), `{#=1822:0 =%50%1822:2}` numeric: the full-marks answers, within
  the first one's tolerance;
- text after the braces makes a missing-word question: a short answer or a multiple choice in the middle
  of the text becomes a fill-in-the-blanks item with one blank [[1]], typed or with its choices (numbers:
  a typed blank within the tolerance);
- `#feedback` after an answer is ignored; `####feedback` inside the braces is the general feedback (the
  item's explanation); `\\~ \\= \\# \\{ \\} \\:` are the characters themselves and `\\n` a line break.
Detection: a file named .gift, or .txt whose every question has its answers in braces (a CSV is not GIFT)."""
from __future__ import annotations

import re
from dataclasses import dataclass

from flask_babel import gettext as _

from webapp.bank.formats import files
from webapp.bank.formats import moodle_items as items
from webapp.bank.formats.moodle_items import Answer
from webapp.bank.interchange import ParsedBank, Problem
from webapp.bank.sanitize import plain_text

# An escaped character while the question is taken apart: a private-use character of its own.
_ESCAPES = {"\\\\": "\ue000", "\\~": "\ue001", "\\=": "\ue002", "\\#": "\ue003", "\\{": "\ue004", "\\}": "\ue005",
            "\\:": "\ue006", "\\n": "\ue007"}
_RESTORED = {"\ue000": "\\", "\ue001": "~", "\ue002": "=", "\ue003": "#", "\ue004": "{", "\ue005": "}",
             "\ue006": ":", "\ue007": "\n"}
_FORMAT = re.compile(r"^\s*\[(html|moodle|plain|markdown)\]", re.IGNORECASE)
_FORMATS = {"html": "html", "moodle": "moodle_auto_format", "plain": "plain_text", "markdown": "markdown"}
_WEIGHT = re.compile(r"^%(-?\d+(?:\.\d+)?)%")
_TRUE_FALSE = re.compile(r"^(T|TRUE|F|FALSE)(#.*)?$", re.IGNORECASE | re.DOTALL)
_RANGE = re.compile(r"^(-?[\d.]+)\.\.(-?[\d.]+)$")
MISSING_WORD = "_____"


@dataclass
class _Block:
    line: int       # where the question starts in the file
    text: str       # its lines, comments left out, escapes replaced


def _escaped(text: str) -> str:
    for escape, placeholder in _ESCAPES.items():
        text = text.replace(escape, placeholder)
    return text


def _restored(text: str) -> str:
    return "".join(_RESTORED.get(char, char) for char in text)


def _blocks(text: str) -> list[_Block]:
    blocks, lines, start = [], [], 0
    for number, line in enumerate(text.splitlines() + [""], start=1):
        if line.lstrip().startswith("//"):
            continue
        if line.strip():
            start = start or number
            lines.append(line)
        elif lines:
            blocks.append(_Block(start, _escaped("\n".join(lines)).strip()))
            lines, start = [], 0
    return blocks


def _has_answers(block: _Block) -> bool:
    return "{" in block.text and block.text.rfind("}") > block.text.find("{")


def _decoded(data: bytes) -> str | None:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return None


def detect(filename: str, data: bytes) -> bool:
    name = filename.lower()
    if not name.endswith((".gift", ".txt")) or files.too_large(filename, data):
        return False
    text = _decoded(data)
    if text is None:
        return False
    questions = [block for block in _blocks(text) if not block.text.startswith("$CATEGORY:")]
    answered = [_has_answers(block) for block in questions]
    return any(answered) if name.endswith(".gift") else bool(answered) and all(answered)


def parse(filename: str, data: bytes) -> ParsedBank:
    bank = ParsedBank(format="gift")
    if problem := files.too_large(filename, data):
        bank.problems.append(problem)
        return bank
    text = _decoded(data)
    if text is None:
        bank.problems.append(Problem(filename, _("The file is not UTF-8 text.")))
        return bank
    skill, refs = None, set()
    for block in _blocks(text):
        if block.text.startswith("$CATEGORY:"):
            skill = items.skill_from_category(_restored(block.text.removeprefix("$CATEGORY:")).strip())
            continue
        if len(bank.items) >= files.MAX_ITEMS:
            bank.problems.append(Problem(filename, _("The file holds more than %(limit)s items.",
                                                     limit=files.MAX_ITEMS)))
            return bank
        bank.items.append(_item(block, skill, refs))
    if not bank.items:
        bank.problems.append(Problem(filename, _("The file holds no GIFT question.")))
    return bank


def _text_and_format(text: str, default: str) -> tuple[str, str]:
    match = _FORMAT.match(text)
    if match:
        return text[match.end():], _FORMATS[match[1].lower()]
    return text, default


def _html(text: str, text_format: str) -> str:
    return items.to_html(_restored(text).strip(), text_format)


def _item(block: _Block, skill: str | None, refs: set[str]):
    text, title = block.text, ""
    if text.startswith("::") and "::" in text[2:]:
        title, text = text[2:].split("::", 1)
    ref = items.unique_ref(_restored(title).strip() or _("line %(number)d", number=block.line), refs)
    if not _has_answers(_Block(block.line, text)):
        return items.draft(ref, skill, skipped=_("A description holds no question to answer."))
    start, end = text.find("{"), text.rfind("}")
    before, answer_text, after = text[:start], text[start + 1:end].strip(), text[end + 1:]
    before, text_format = _text_and_format(before.lstrip(), "moodle_auto_format")
    general = ""
    if "####" in answer_text:
        answer_text, general = answer_text.split("####", 1)
        answer_text = answer_text.strip()
    fields = items.base_fields("", "", 1.0, _html(*_text_and_format(general.strip(), text_format)))
    missing_word = bool(after.strip())

    def stem(middle: str) -> str:
        """The question's text; a missing-word question's has `middle` where its braces were."""
        return _html(before + middle + after if missing_word else before, text_format)

    fields["stem"] = stem(MISSING_WORD)
    reason = _answers(fields, answer_text, text_format, missing_word, stem)
    return items.draft(ref, skill, None if reason else fields, skipped=reason)


def _split_answers(text: str, text_format: str) -> list[tuple[Answer, str]]:
    """`=a#fb ~%50%b` as answers (their text as written, feedback left out) with their text formats; a
    first piece without `=` or `~` (a numeric answer) earns full marks."""
    answers = []
    for piece in re.split(r"(?=[=~])", text):
        piece = piece.strip()
        if not piece:
            continue
        fraction = 0.0 if piece[0] == "~" else 100.0
        piece = piece[1:].strip() if piece[0] in "=~" else piece
        if match := _WEIGHT.match(piece):
            fraction, piece = float(match[1]), piece[match.end():].strip()
        value, answer_format = _text_and_format(piece.split("#", 1)[0].strip(), text_format)
        answers.append((Answer(value, fraction), answer_format))
    return answers


def _answers(fields: dict, answer_text: str, text_format: str, missing_word: bool, stem) -> str | None:
    if not answer_text:
        items.essay_fields(fields)
        return None
    if answer_text.startswith("#"):
        answers = _numbers(answer_text[1:].strip())
        if isinstance(answers, str):
            return answers
        if missing_word:
            return _missing_word(fields, stem, *items.numeric_blank(answers))
        return items.numeric_fields(fields, answers, [], False)
    if _TRUE_FALSE.match(answer_text):
        items.true_false_fields(fields, answer_text.split("#", 1)[0].strip().upper() in ("T", "TRUE"))
        return None
    split = _split_answers(answer_text, text_format)
    answers = [Answer(_html(answer.html, answer_format), answer.fraction) for answer, answer_format in split]
    if "->" in answer_text and answer_text.startswith("="):
        # The format of a pair's premise is written after the "=": "=[html]premise -> target".
        matched = [(answer.html.split("->", 1), answer_format) for answer, answer_format in split]
        if not all(len(pair) == 2 for pair, _format in matched):
            return _("Every answer of a matching question needs a ->.")
        return items.matching_fields(fields, [(_html(premise, answer_format), plain_text(_html(target, "html")))
                                              for (premise, target), answer_format in matched])
    if "~" in answer_text:
        if missing_word:
            return _missing_word(fields, stem, *items.blank(answers, choices=True))
        return items.choice_fields(fields, answers, "=" in answer_text)
    if answer_text.startswith("="):
        if missing_word:
            return _missing_word(fields, stem, *items.blank(answers, choices=False))
        return items.short_answer_fields(fields, answers, False)
    return _("The answers in braces are in no GIFT form.")


def _missing_word(fields: dict, stem, blank: dict | None, left_out: list[str], reason: str | None) -> str | None:
    if reason:
        return reason
    fields.update(type="FITB", stem=stem("[[1]]"), blanks=[blank],
                  explanation=items.with_note(fields["explanation"], left_out))
    return None


def _numbers(text: str) -> list[Answer] | str:
    """Numeric answers: `3.14:0.01`, `1..5`, or several `=value:tolerance` with weights."""
    answers = []
    for answer, _format in _split_answers(text, "plain_text"):
        fraction, value = answer.fraction, _restored(answer.html).strip()
        if not value:
            continue
        if match := _RANGE.match(value):
            low, high = items.number(match[1]), items.number(match[2])
            if low is None or high is None:
                return _("The answer “%(answer)s” is no number.", answer=value)
            answers.append(Answer(items.number_text((low + high) / 2), fraction, items.number_text((high - low) / 2)))
        else:
            number, _colon, tolerance = value.partition(":")
            answers.append(Answer(number.strip(), fraction, tolerance.strip() or "0"))
    return answers
