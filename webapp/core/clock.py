"""The one clock of the application. Every service reads the time from `utcnow()`; tests freeze or
move it (`freeze`, `move`, `release`) so that no test depends on the day it runs, and a request
served while a test holds the clock sees the same time as the test's own service calls."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

_frozen_at: datetime | None = None


def utcnow() -> datetime:
    return _frozen_at or datetime.now(timezone.utc)


def freeze(at: datetime) -> datetime:
    """Stop the clock at `at` (timezone-aware) until moved or released."""
    global _frozen_at
    if at.tzinfo is None:
        raise ValueError("freeze the clock at a timezone-aware datetime")
    _frozen_at = at.astimezone(timezone.utc)
    return _frozen_at


def move(delta: timedelta) -> datetime:
    """Move the clock by `delta`, freezing it where it lands."""
    return freeze(utcnow() + delta)


def release() -> None:
    global _frozen_at
    _frozen_at = None
