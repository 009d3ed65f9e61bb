"""Plain words for stored values: every state, kind, mode, role and permission a person may see has a
label in the reader's language (`sitting.status.label`); the value itself is for machines and the API."""
from __future__ import annotations

import enum

_LABELS: dict[type, dict] = {}


class Labelled:
    """Mixed into a StrEnum whose members are shown to people; `labels` gives each its words."""

    @property
    def label(self) -> str:
        return str(_LABELS[type(self)][self])


def labels(enum_class: type[enum.Enum], words: dict) -> None:
    """Give every member of `enum_class` its words (lazy texts, read in the language of the moment)."""
    missing = [member for member in enum_class if member not in words]
    if missing:
        raise ValueError(f"{enum_class.__name__} has no words for {missing}.")
    _LABELS[enum_class] = words


def labelled_enums() -> dict[type, dict]:
    return dict(_LABELS)
