"""When an exam is open: its time zone, exact windows and daily slots.

A zone is stored as text in one of two forms: an IANA name (`Europe/Berlin`, `Asia/Kolkata`), whose
offset follows daylight saving day by day, or Mettl's fixed offset (`UTC+05:30`), which the Mettl
dialect sends and gets back unchanged. `parse_time_zone` turns either into a tzinfo."""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone, tzinfo
from zoneinfo import ZoneInfo, available_timezones

from babel import Locale
from babel.dates import format_skeleton
from flask_babel import get_locale, gettext as _

from webapp.core.errors import ValidationError
from webapp.core.i18n import DEFAULT_LANGUAGE

_OFFSET = re.compile(r"^UTC([+-])(\d{2}):(\d{2})$")
DAY_END = time(23, 59, 59)
# The IANA names the time zone database knows (the system's, else the tzdata package's), matched
# without regard to case ("europe/berlin") and stored as the database spells them. `localtime` is this
# machine's own zone and `Factory` no place's.
ZONE_NAMES = sorted(available_timezones() - {"localtime", "Factory", "posixrules"})
# Offered in the console's list: places ("Europe/Berlin") and UTC. The old aliases ("CET", "US/Eastern")
# and Etc/GMT+5, whose sign is the reverse of UTC-05:00, are accepted when typed but not suggested.
PLACE_NAMES = ["UTC"] + [name for name in ZONE_NAMES
                         if "/" in name and not name.startswith(("Etc/", "US/", "SystemV/"))]
_BY_LOWER_NAME = {name.lower(): name for name in ZONE_NAMES}


def _fixed_offset(value: str) -> timezone:
    """`UTC+05:30` as a fixed-offset zone (Mettl's form); from UTC-12:00 to UTC+14:00."""
    sign, hours, minutes = _OFFSET.match(value).groups()
    offset = timedelta(hours=int(hours), minutes=int(minutes))
    if minutes not in ("00", "15", "30", "45") or offset > timedelta(hours=14 if sign == "+" else 12):
        raise ValidationError(_("Invalid time zone %(zone)s: an offset lies between UTC-12:00 and UTC+14:00, "
                                "in quarters of an hour.", zone=value), code="E020", field="time_zone")
    return timezone(-offset if sign == "-" else offset)


def time_zone_name(value: str | None) -> str:
    """The zone as it is stored: an IANA name spelt as the database spells it, or `UTC+05:30`.
    Refuses a zone that is neither, so that an exam never holds one no window can be computed in."""
    value = (value or "").strip()
    if _OFFSET.match(value):
        _fixed_offset(value)
        return value
    name = _BY_LOWER_NAME.get(value.lower())
    if name is None:
        raise ValidationError(_("Unknown time zone %(zone)s: choose a named zone from the list, such as "
                                "Europe/Berlin, or write a fixed offset such as UTC+05:30.", zone=value or '""'),
                              code="E020", field="time_zone")
    return name


def parse_time_zone(value: str) -> tzinfo:
    """The tzinfo of a stored zone: a ZoneInfo for a name (daylight saving applied), a fixed offset for
    `UTC+05:30`."""
    name = time_zone_name(value)
    return _fixed_offset(name) if _OFFSET.match(name) else ZoneInfo(name)


def is_fixed_offset(value: str) -> bool:
    return bool(_OFFSET.match((value or "").strip()))


def offset_text(moment: datetime) -> str:
    """The UTC offset in force at an aware moment, in Mettl's form: `UTC+02:00`."""
    minutes = int(moment.utcoffset().total_seconds()) // 60
    return f"UTC{'-' if minutes < 0 else '+'}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


@dataclass(frozen=True)
class Window:
    """Its moments in UTC (Python compares and subtracts two moments of one ZoneInfo by their wall clocks,
    wrongly across a change), with the exam's zone to write them in."""
    start: datetime
    end: datetime
    zone: tzinfo = timezone.utc

    def contains(self, moment: datetime) -> bool:
        return self.start <= moment < self.end


def _at(day: date, clock: time, zone: tzinfo) -> datetime:
    """The moment (in UTC) a local date and time names in `zone`, with the offset in force that day. A
    time the clocks skip (02:30 when they go forward) is read with the offset before the change, so it
    lands an hour later in the new time, as a wall clock would show."""
    return datetime.combine(day, clock, zone).astimezone(timezone.utc)


def windows(*, fixed_access_option: str, starts_on: date, ends_on: date, start_time: time | None,
            end_time: time | None, zone: tzinfo, after: datetime | None = None) -> list[Window]:
    """The windows of a fixed exam in order (those ending after `after`, if given). Each day's slot is
    placed with that day's offset, so 09:00-17:00 stays 09:00-17:00 local across a daylight saving change."""
    if fixed_access_option == "ExactTime":
        found = [Window(_at(starts_on, start_time or time(0), zone), _at(ends_on, end_time or DAY_END, zone), zone)]
    else:
        days = (ends_on - starts_on).days + 1
        found = [Window(_at(starts_on + timedelta(days=n), start_time, zone),
                        _at(starts_on + timedelta(days=n), end_time, zone), zone) for n in range(days)]
    return [window for window in found if after is None or window.end > after]


# Words: dates and times as the reader's language writes them, in the exam's zone ----------------------

def _locale() -> Locale:
    return get_locale() or Locale.parse(DEFAULT_LANGUAGE)


def local_day(value: date) -> str:
    """"Sat, Mar 28, 2026", "Sa., 28. März 2026"."""
    return format_skeleton("yMMMEd", datetime.combine(value, time()), locale=_locale())


def local_clock(value: time) -> str:
    """A time of day on the 24-hour clock, which an exam's notices use in every language."""
    return format_skeleton("Hm", datetime.combine(date(2000, 1, 1), value), locale=_locale())


def local_datetime(value: datetime, zone: tzinfo) -> str:
    """An aware moment as the clocks in `zone` show it: "Sat, Mar 28, 2026, 09:00"."""
    local = value.astimezone(zone)
    return _locale().datetime_formats["medium"].format(local_clock(local.time()), local_day(local.date()))


def local_moment(value: datetime, zone: tzinfo) -> str:
    """The same with the zone and its offset that day: "Sat, Mar 28, 2026, 09:00 (Europe/Berlin, UTC+01:00)"."""
    return f"{local_datetime(value, zone)} ({zone_label(value.astimezone(zone))})"


def zone_label(local: datetime) -> str:
    """The zone of a local moment by its name and, for a named zone, the offset in force then."""
    name = getattr(local.tzinfo, "key", None)
    if name in ("UTC", "Etc/UTC"):
        return name
    return f"{name}, {offset_text(local)}" if name else offset_text(local)


def describe_one(window: Window) -> str:
    """One window: "Sat, Mar 28, 2026, 09:00 (Europe/Berlin, UTC+01:00) to 17:00", its end's date written
    only when it differs from its start's."""
    start, end = window.start.astimezone(window.zone), window.end.astimezone(window.zone)
    return _("%(start)s to %(end)s", start=local_moment(start, window.zone),
             end=local_clock(end.time()) if start.date() == end.date() else local_moment(end, window.zone))
