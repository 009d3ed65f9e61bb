"""Named time zones (issue 15): an exam's windows follow daylight saving day by day, a zone the database
does not know is refused with a clear error, a new exam takes its institute's zone, and times are
written in the reader's language with the zone's name."""
from datetime import date, datetime, time, timezone
from zoneinfo import ZoneInfo

import pytest
from bs4 import BeautifulSoup
from flask_babel import force_locale

from webapp.core.errors import ValidationError
from webapp.core.extensions import db
from webapp.exams import services
from webapp.exams.services import ExamInput
from webapp.exams.windows import (local_day, local_moment, offset_text, parse_time_zone, time_zone_name, windows)

BERLIN = ZoneInfo("Europe/Berlin")


def utc(*parts) -> datetime:
    return datetime(*parts, tzinfo=timezone.utc)


def slots(first: date, last: date, start: time, end: time, zone: str) -> list[tuple[datetime, datetime]]:
    return [(window.start, window.end) for window in windows(
        fixed_access_option="SlotWise", starts_on=first, ends_on=last, start_time=start, end_time=end,
        zone=parse_time_zone(zone))]


# Windows across a daylight saving change -------------------------------------------------------------

def test_a_daily_slot_keeps_its_local_times_when_berlin_moves_its_clocks_forward():
    # Clocks go from 02:00 to 03:00 on Sunday 29 March 2026: 09:00-17:00 is 08:00-16:00 UTC before
    # (UTC+01:00) and 07:00-15:00 UTC from that Sunday on (UTC+02:00).
    found = slots(date(2026, 3, 27), date(2026, 3, 30), time(9), time(17), "Europe/Berlin")
    assert found == [(utc(2026, 3, 27, 8), utc(2026, 3, 27, 16)), (utc(2026, 3, 28, 8), utc(2026, 3, 28, 16)),
                     (utc(2026, 3, 29, 7), utc(2026, 3, 29, 15)), (utc(2026, 3, 30, 7), utc(2026, 3, 30, 15))]
    assert {(start.astimezone(BERLIN).time(), end.astimezone(BERLIN).time()) for start, end in found} == {
        (time(9), time(17))}
    assert [offset_text(start.astimezone(BERLIN)) for start, _ in found] == [
        "UTC+01:00", "UTC+01:00", "UTC+02:00", "UTC+02:00"]


def test_a_daily_slot_keeps_its_local_times_when_berlin_moves_its_clocks_back():
    # Clocks go from 03:00 back to 02:00 on Sunday 25 October 2026.
    found = slots(date(2026, 10, 24), date(2026, 10, 26), time(9), time(17), "Europe/Berlin")
    assert found == [(utc(2026, 10, 24, 7), utc(2026, 10, 24, 15)), (utc(2026, 10, 25, 8), utc(2026, 10, 25, 16)),
                     (utc(2026, 10, 26, 8), utc(2026, 10, 26, 16))]


def test_one_window_across_the_change_is_an_hour_shorter_in_spring():
    [window] = windows(fixed_access_option="ExactTime", starts_on=date(2026, 3, 28), ends_on=date(2026, 3, 29),
                       start_time=time(9), end_time=time(17), zone=parse_time_zone("Europe/Berlin"))
    assert (window.start, window.end) == (utc(2026, 3, 28, 8), utc(2026, 3, 29, 15))
    assert window.end - window.start == utc(2026, 3, 29, 15) - utc(2026, 3, 28, 8)        # 31 hours, not 32
    assert window.contains(utc(2026, 3, 29, 14, 59)) and not window.contains(utc(2026, 3, 29, 15))


def test_a_time_the_clocks_skip_opens_when_the_wall_clock_has_moved_on():
    # 02:30 does not exist in Berlin on 29 March 2026: it is read as 03:30 CEST, 01:30 UTC.
    [(start, end)] = slots(date(2026, 3, 29), date(2026, 3, 29), time(2, 30), time(4), "Europe/Berlin")
    assert (start, end) == (utc(2026, 3, 29, 1, 30), utc(2026, 3, 29, 2))


def test_new_york_and_kolkata():
    # New York moves on Sunday 8 March 2026; Kolkata has no daylight saving.
    assert [start for start, _ in slots(date(2026, 3, 7), date(2026, 3, 8), time(9), time(10), "America/New_York")] \
        == [utc(2026, 3, 7, 14), utc(2026, 3, 8, 13)]
    assert [start for start, _ in slots(date(2026, 3, 7), date(2026, 7, 7), time(9), time(10), "Asia/Kolkata")][::122] \
        == [utc(2026, 3, 7, 3, 30), utc(2026, 7, 7, 3, 30)]


# Which zones are accepted --------------------------------------------------------------------------

@pytest.mark.parametrize("given, stored", [
    ("Europe/Berlin", "Europe/Berlin"), (" europe/berlin ", "Europe/Berlin"), ("ASIA/KOLKATA", "Asia/Kolkata"),
    ("UTC", "UTC"), ("UTC+05:30", "UTC+05:30"), ("UTC-12:00", "UTC-12:00"),
])
def test_a_zone_is_stored_as_the_database_spells_it(given, stored):
    assert time_zone_name(given) == stored


@pytest.mark.parametrize("given", ["Europe/Atlantis", "Berlin", "localtime", "Factory", "CET+1", "UTC+5:30",
                                   "UTC-11:50", "../etc/passwd", "Europe/../../etc/passwd", ""])
def test_a_zone_the_database_does_not_know_is_refused(given):
    with pytest.raises(ValidationError) as caught:
        time_zone_name(given)
    assert (caught.value.code, caught.value.field) == ("E020", "time_zone")


def test_the_service_refuses_an_unknown_zone_saying_what_it_takes(admin, factory):
    assessment = factory.assessment(admin)
    with pytest.raises(ValidationError) as caught:
        services.create_exam(admin, ExamInput(name="Spring", assessment_id=assessment.id, schedule_type="Fixed",
                                               starts_on_date=date(2030, 6, 27), ends_on_date=date(2030, 6, 27),
                                               time_zone="Europe/Atlantis"))
    db.session.rollback()
    assert (caught.value.code, caught.value.field) == ("E020", "time_zone")
    assert caught.value.message == ("Unknown time zone Europe/Atlantis: choose a named zone from the list, such as "
                                    "Europe/Berlin, or write a fixed offset such as UTC+05:30.")


def test_a_new_exam_takes_its_institute_s_zone_and_keeps_its_own(admin, factory):
    assessment = factory.assessment(admin)
    admin.institute.time_zone = "America/New_York"
    exam = services.create_exam(admin, ExamInput(name="Spring", assessment_id=assessment.id))
    assert exam.time_zone == "America/New_York"
    services.update_exam(admin, exam.id, ExamInput(name="Spring", assessment_id=assessment.id,
                                                   time_zone="asia/kolkata"))
    assert exam.time_zone == "Asia/Kolkata"
    # Editing keeps the zone the exam has (the form and both APIs send it back).
    services.update_exam(admin, exam.id, services.exam_input(exam))
    assert exam.time_zone == "Asia/Kolkata"


# Written for people ---------------------------------------------------------------------------------

def test_windows_are_written_in_the_reader_s_language_with_the_zone(app, admin, factory):
    exam = factory.exam(admin, schedule_type="Fixed", fixed_access_option="SlotWise", starts_on_date=date(2026, 3, 27),
                        ends_on_date=date(2026, 3, 30), starts_on_time=time(9), ends_on_time=time(17),
                        time_zone="Europe/Berlin")
    assert services.describe_window(exam) == ("Daily from 09:00 to 17:00 (Europe/Berlin), Fri, Mar 27, 2026 to "
                                              "Mon, Mar 30, 2026")
    first, *_, last = services.exam_windows(exam)
    assert local_moment(first.start, BERLIN) == "Fri, Mar 27, 2026, 09:00 (Europe/Berlin, UTC+01:00)"
    assert local_moment(last.start, BERLIN) == "Mon, Mar 30, 2026, 09:00 (Europe/Berlin, UTC+02:00)"
    with force_locale("de"):
        assert local_day(date(2026, 3, 28)) == "Sa., 28. März 2026"
        assert local_moment(last.end, BERLIN) == "Mo., 30. März 2026, 17:00 (Europe/Berlin, UTC+02:00)"
    with force_locale("ar"):
        assert "مارس" in local_day(date(2026, 3, 28))


def test_the_exam_page_lists_each_window_at_the_same_local_time_with_its_offset(admin_client, admin, factory):
    exam = factory.exam(admin, schedule_type="Fixed", fixed_access_option="SlotWise", starts_on_date=date(2026, 3, 28),
                        ends_on_date=date(2026, 3, 29), starts_on_time=time(9), ends_on_time=time(17),
                        time_zone="Europe/Berlin")
    page = BeautifulSoup(admin_client.get(f"/exams/{exam.id}?lang=de").get_data(as_text=True), "html.parser")
    assert page.html["lang"] == "de"
    days = [item.get_text() for item in page.select(".exam-windows li")]
    assert len(days) == 2 and all(day.endswith(" 17:00") for day in days)
    assert days[0].startswith("Sa., 28. März 2026, 09:00 (Europe/Berlin, UTC+01:00)")
    assert days[1].startswith("So., 29. März 2026, 09:00 (Europe/Berlin, UTC+02:00)")
