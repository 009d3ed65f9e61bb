"""How a numeric answer ("981 cm/s2") is judged: the one place of the rule, used by the question's
validation, its page and the scoring of a response.

1. The answer is normalised as a typed answer is (webapp/bank/matching.py: look-alike characters, spaces,
   punctuation at the end), then read as a number followed by an optional unit: either decimal
   separator, groups of three digits split by a space ("1 000,5 m").
2. The unit must be one of the question's units (compared exactly, spaces ignored: "m/s²" is "m/s2"),
   whose factor turns the number into the first unit's, in which the accepted numbers are written
   ("981 cm/s2" is 9.81 m/s2 when cm/s2 has the factor 0.01). No unit means the first unit, unless the
   question requires one. A question without units takes numbers alone.
3. The number is right when it is within the tolerance of an accepted number, edges included: an
   absolute difference, or a percentage of the accepted number."""
from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from flask_babel import gettext as _

from webapp.bank.matching import NUMBER, Matching, read_number

# What an answer is read with: forgiving, as a teacher reads it, but with its capitals (mm is no Mm).
_READING = Matching(case_sensitive=True)


def unit_name(text: str) -> str:
    """A unit as it is compared: look-alike characters folded (² is 2), no spaces."""
    return "".join(unicodedata.normalize("NFKC", str(text)).split())


def read_quantity(text: str) -> tuple[Decimal | None, str]:
    """The number and the unit (normalised, "" when none) an answer gives; None when it starts with no number."""
    text = _READING.normalised(text).strip()
    # The longest number at the start; what follows is the unit.
    match = NUMBER.match(text)
    if match is None or not match[0]:
        return None, ""
    number = read_number(match[0])
    return number, unit_name(text[match.end():])


def decimal(value) -> Decimal | None:
    """A stored number (an int, a float or a string with either separator) as a Decimal, None if it is none."""
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        try:
            number = Decimal(str(value))
        except InvalidOperation:
            return None
        return number if number.is_finite() else None
    return read_number(str(value or "").strip())


def plain(number: Decimal) -> str:
    """A number as people write it: 1 rather than 1.0, 0.01 rather than 1E-2."""
    return format(number.normalize(), "f")


@dataclass(frozen=True)
class NumericKey:
    accepted: tuple[Decimal, ...]
    tolerance: Decimal = Decimal(0)
    tolerance_percent: bool = False
    unit_required: bool = False
    units: tuple[tuple[str, Decimal], ...] = ()   # (unit, factor to the first unit)

    @classmethod
    def from_key(cls, key: dict) -> NumericKey:
        """The key as frozen with a sitting's item (`as_key`), or a question's columns put together."""
        return cls(tuple(number for number in map(decimal, key.get("accepted") or []) if number is not None),
                   decimal(key.get("tolerance")) or Decimal(0), bool(key.get("tolerance_percent")),
                   bool(key.get("unit_required")),
                   tuple((unit_name(unit["unit"]), decimal(unit.get("factor")) or Decimal(1))
                         for unit in key.get("units") or []))

    def as_key(self) -> dict:
        return {"accepted": [plain(number) for number in self.accepted],
                "tolerance": plain(self.tolerance), "tolerance_percent": self.tolerance_percent,
                "unit_required": self.unit_required,
                "units": [{"unit": unit, "factor": plain(factor)} for unit, factor in self.units]}

    def value(self, given: str) -> Decimal | None:
        """The answer's number in the first unit, None when it is no number or its unit is not accepted."""
        number, unit = read_quantity(given)
        if number is None:
            return None
        if not unit:
            return None if self.unit_required and self.units else number
        factors = dict(self.units)
        if unit not in factors:
            return None
        return number * factors[unit] / (self.units[0][1] or Decimal(1))

    def accepts(self, given: str) -> bool:
        value = self.value(given)
        if value is None:
            return False
        return any(abs(value - accepted) <= self.allowed(accepted) for accepted in self.accepted)

    def allowed(self, accepted: Decimal) -> Decimal:
        """How far an answer may be from an accepted number."""
        return abs(accepted) * self.tolerance / 100 if self.tolerance_percent else self.tolerance

    @property
    def summary(self) -> str:
        """The key in words, for the question's page, the preview and the reports."""
        numbers = " | ".join(plain(number) for number in self.accepted)
        if self.units:
            numbers = f"{numbers} {self.units[0][0]}"
        if self.tolerance:
            within = (_("within ±%(tolerance)s%%", tolerance=plain(self.tolerance)) if self.tolerance_percent
                      else _("within ±%(tolerance)s", tolerance=plain(self.tolerance)))
            numbers = f"{numbers}, {within}"
        if not self.units:
            return numbers
        units = ", ".join(f"{unit} (× {plain(factor)})" for unit, factor in self.units)
        rule = _("a unit is required") if self.unit_required else _("without a unit, the first one")
        return _("%(numbers)s; units: %(units)s; %(rule)s", numbers=numbers, units=units, rule=rule)
