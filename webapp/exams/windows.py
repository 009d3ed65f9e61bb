"""When an exam is open: the time zone form `UTC+05:30`, exact windows and daily slots."""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone

from webapp.core.errors import ValidationError

_ZONE = re.compile(r"^UTC([+-])(\d{2}):(\d{2})$")
DAY_END = time(23, 59, 59)


def parse_time_zone(value: str) -> timezone:
    """`UTC+05:30` as a fixed-offset zone (Mettl's form); from UTC-12:00 to UTC+14:00."""
    match = _ZONE.match((value or "").strip())
    if not match:
        raise ValidationError(f"Invalid time zone {value!r}; write it as UTC+05:30 or UTC-04:00.",
                              code="E020", field="time_zone")
    sign, hours, minutes = match.groups()
    offset = timedelta(hours=int(hours), minutes=int(minutes))
    if minutes not in ("00", "15", "30", "45") or offset > timedelta(hours=14 if sign == "+" else 12):
        raise ValidationError(f"Invalid time zone {value!r}.", code="E020", field="time_zone")
    return timezone(-offset if sign == "-" else offset)


@dataclass(frozen=True)
class Window:
    start: datetime
    end: datetime

    def contains(self, moment: datetime) -> bool:
        return self.start <= moment < self.end


def windows(*, fixed_access_option: str, starts_on: date, ends_on: date, start_time: time | None,
            end_time: time | None, zone: timezone, after: datetime | None = None) -> list[Window]:
    """The windows of a fixed exam in order (those ending after `after`, if given)."""
    if fixed_access_option == "ExactTime":
        found = [Window(datetime.combine(starts_on, start_time or time(0), zone),
                        datetime.combine(ends_on, end_time or DAY_END, zone))]
    else:
        days = (ends_on - starts_on).days + 1
        found = [Window(datetime.combine(starts_on + timedelta(days=n), start_time, zone),
                        datetime.combine(starts_on + timedelta(days=n), end_time, zone)) for n in range(days)]
    return [window for window in found if after is None or window.end > after]
