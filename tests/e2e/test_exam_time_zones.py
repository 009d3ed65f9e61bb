"""A staff member reading the console in German schedules an exam in Europe/Berlin with a daily slot
across the night Berlin's clocks go forward (29 March 2026), in real Chromium: the zone is typed into
the searchable field, and the exam page shows every day's window at 09:00-17:00 local time, its offset
changing from UTC+01:00 to UTC+02:00."""
from datetime import datetime, timezone

import pytest
from sqlalchemy import select

from tests.e2e.conftest import browser_login
from webapp.core import clock
from webapp.core.extensions import db
from webapp.exams.models import Exam
from webapp.exams.services import exam_windows

pytestmark = pytest.mark.e2e


def test_a_german_staff_member_schedules_an_exam_in_berlin_across_the_change_to_summer_time(
        page, live_server, admin, factory):
    clock.freeze(datetime(2026, 3, 20, 10, tzinfo=timezone.utc))
    factory.assessment(admin, name="English B1")
    db.session.commit()
    browser_login(page, admin.email)

    page.goto("/exams/new?lang=de")
    assert page.locator("html").get_attribute("lang") == "de"
    page.fill("#name", "Frühjahrsprüfung")
    page.select_option("#assessment_id", label="English B1")
    page.select_option("#schedule_type", "Fixed")
    page.select_option("#fixed_access_option", "SlotWise")
    page.fill("#starts_on_date", "2026-03-27")
    page.fill("#ends_on_date", "2026-03-30")
    page.fill("#starts_on_time", "09:00")
    page.fill("#ends_on_time", "17:00")
    zone = page.locator("#time_zone")
    assert zone.input_value() == "UTC"                        # the institute's zone, until changed
    datalist = page.locator(f"datalist#{zone.get_attribute('list')} option")
    assert datalist.count() > 300
    assert page.locator(f"datalist#{zone.get_attribute('list')} option[value='Europe/Berlin']").count() == 1
    zone.fill("europe/berlin")                                # typed as people type it
    page.locator(".exam-form button[type=submit]").click()
    page.wait_for_url("**/exams/*")

    db.session.expire_all()
    exam = db.session.scalars(select(Exam)).one()
    assert exam.time_zone == "Europe/Berlin"
    utc_starts = [window.start for window in exam_windows(exam)]
    assert [moment.hour for moment in utc_starts] == [8, 8, 7, 7]          # 09:00 local, before and after

    assert page.locator("html").get_attribute("lang") == "de"
    state = page.locator(".window-state").inner_text()
    assert "Fr., 27. März 2026, 09:00 (Europe/Berlin, UTC+01:00)" in state
    summary = page.locator(".exam-summary").inner_text()
    assert "09:00" in summary and "17:00" in summary and "Mo., 30. März 2026" in summary

    page.locator(".exam-windows summary").click()
    days = page.locator(".exam-windows li").all_inner_texts()
    assert [day.split(" (")[0] for day in days] == ["Fr., 27. März 2026, 09:00", "Sa., 28. März 2026, 09:00",
                                                   "So., 29. März 2026, 09:00", "Mo., 30. März 2026, 09:00"]
    assert [day.split(" (")[1].split(")")[0] for day in days] == [
        "Europe/Berlin, UTC+01:00", "Europe/Berlin, UTC+01:00", "Europe/Berlin, UTC+02:00", "Europe/Berlin, UTC+02:00"]
    assert all(day.endswith(" 17:00") for day in days)
