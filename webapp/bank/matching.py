"""How a typed answer (a fill-in blank, a short answer) is judged against its accepted answers: the one
place of the rule, used by the question's validation, its preview and the scoring of a response.

Both the answer and each accepted answer are first normalised, then compared:
1. Typographic quotes and apostrophes are straight ones: ‘ ’ ‚ ‛ ′ ʼ ` ´ are ' and “ ” „ ‟ ″ are ".
2. Unicode NFKC: look-alike characters are the same (full-width letters, sub- and superscript digits,
   ligatures, a letter with its accent typed separately).
3. Spaces: none around the answer, and a run of spaces inside it (tabs, non-breaking ones) is one space.
4. Punctuation at the end is dropped: . , ; : ! ? … and 。 ؟ (unless nothing else is left).
5. Capitals: "Colour" is "colour" (Unicode case folding, so "STRASSE" is "straße").
An answer and an accepted answer that both read as numbers are then compared as numbers: either decimal
separator ("8,40" is 8.4), spaces between groups of three digits ("1 000"), within the tolerance (either
way, edges included). A comma or a point is always a decimal separator: "1,000" reads as one.

Each step is on unless the examiner marks it as exact (`exact_...`, `case_sensitive`): forgiving is what a
language teacher expects, and "the kitchen" for "kitchen" is a matter of listing both accepted answers."""
from __future__ import annotations

import re
import unicodedata
from dataclasses import asdict, dataclass, fields
from decimal import Decimal

from flask_babel import gettext as _

QUOTES = str.maketrans({**dict.fromkeys("‘’‚‛′ʼ`´", "'"), **dict.fromkeys("“”„‟″", '"')})
END_PUNCTUATION = ".,;:!?…。؟"
MINUS_SIGNS = ("-", "\u2212")
# Digits 0-9 only: with exact characters a full-width "８" is no 8. Groups of three may be split by a
# space, a non-breaking or a narrow non-breaking one.
NUMBER = re.compile(r"([+\-\u2212]?)((?:[0-9]{1,3}(?:[ \u00a0\u202f][0-9]{3})+|[0-9]+)?)(?:[.,]([0-9]+))?")


def read_number(text: str) -> Decimal | None:
    """The number a text is, with either decimal separator, or None when it is no plain number."""
    match = NUMBER.fullmatch(text)
    if match is None or not (match[2] or match[3]):
        return None
    number = Decimal(f"{re.sub(r'[^0-9]', '', match[2]) or '0'}.{match[3] or '0'}")
    return -number if match[1] in MINUS_SIGNS else number


OPTIONS = ("case_sensitive", "exact_spaces", "exact_quotes", "exact_unicode", "exact_end_punctuation",
           "exact_numbers")


@dataclass(frozen=True)
class Matching:
    """The options of one blank or short answer; the defaults are those of a new question."""

    case_sensitive: bool = False
    exact_spaces: bool = False
    exact_quotes: bool = False
    exact_unicode: bool = False
    exact_end_punctuation: bool = False
    exact_numbers: bool = False     # numbers are compared as text
    tolerance: Decimal = Decimal(0)

    @classmethod
    def from_key(cls, key: dict, absent: Matching | None = None) -> Matching:
        """The options stored in a key. An option missing from it takes its value from `absent`: by
        default as keys were judged before the options existed (revision 0006), so a sitting that froze
        such a key is scored as it always was."""
        absent = absent or LEGACY
        values = {option.name: key.get(option.name, getattr(absent, option.name)) for option in fields(cls)}
        return cls(**{**values, "tolerance": Decimal(str(values["tolerance"] or 0))})

    def as_key(self) -> dict:
        """The options as stored with a question and frozen with a sitting's item (JSON)."""
        stored = asdict(self)
        stored["tolerance"] = int(self.tolerance) if self.tolerance == int(self.tolerance) else float(self.tolerance)
        return stored

    def normalised(self, text: str) -> str:
        text = str(text)
        # Quotes first: NFKC turns an acute accent typed for an apostrophe into a space and an accent.
        if not self.exact_quotes:
            text = text.translate(QUOTES)
        if not self.exact_unicode:
            text = unicodedata.normalize("NFKC", text)
        if not self.exact_spaces:
            text = " ".join(text.split())
        if not self.exact_end_punctuation:
            # "kitchen ." is "kitchen" unless spaces count; an answer that is only punctuation stays.
            text = text.rstrip(END_PUNCTUATION + ("" if self.exact_spaces else " ")) or text
        return text if self.case_sensitive else text.casefold()

    def number(self, text: str) -> Decimal | None:
        """The number an answer is, when numbers are compared as numbers."""
        return None if self.exact_numbers else read_number(self.normalised(text))

    def same(self, given: str, accepted: str) -> bool:
        given_number, accepted_number = self.number(given), self.number(accepted)
        if given_number is not None and accepted_number is not None:
            return abs(given_number - accepted_number) <= self.tolerance
        return self.normalised(given) == self.normalised(accepted)

    @property
    def summary(self) -> str:
        """The options in words, for the question's page and the preview's key."""
        ignored = [label for exact, label in [
            (self.case_sensitive, _("capitals")), (self.exact_spaces, _("extra spaces")),
            (self.exact_quotes, _("curly or straight quotes")), (self.exact_unicode, _("look-alike characters")),
            (self.exact_end_punctuation, _("punctuation at the end"))] if not exact]
        if self.exact_numbers:
            numbers = _("compares numbers as text")
        elif self.tolerance:
            numbers = _("reads numbers as numbers (8,40 is 8.40), within ±%(tolerance)s",
                        tolerance=format(self.tolerance, "f"))
        else:
            numbers = _("reads numbers as numbers (8,40 is 8.40)")
        if not ignored:
            return _("Must match exactly, capitals, spaces and punctuation included; %(numbers)s.", numbers=numbers)
        # Translators: the last two of a list, as in "capitals, extra spaces and quotes".
        listed = ignored[0] if len(ignored) == 1 else _("%(first)s and %(last)s", first=_(", ").join(ignored[:-1]),
                                                          last=ignored[-1])
        return _("Ignores %(listed)s; %(numbers)s.", listed=listed, numbers=numbers)


@dataclass(frozen=True)
class AnswerKey:
    """The accepted answers of one blank or short answer, and how an answer is matched with them."""

    accepted: tuple[str, ...]
    matching: Matching

    @classmethod
    def from_key(cls, key: dict, absent: Matching | None = None) -> AnswerKey:
        return cls(tuple(key.get("accepted") or ()), Matching.from_key(key, absent))

    def as_key(self) -> dict:
        return {"accepted": list(self.accepted), **self.matching.as_key()}

    def accepts(self, given: str) -> bool:
        return any(self.matching.same(given, answer) for answer in self.accepted)


LEGACY = Matching(exact_quotes=True, exact_unicode=True, exact_end_punctuation=True, exact_numbers=True)
