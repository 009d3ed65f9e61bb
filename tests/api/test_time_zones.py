"""Time zones through the two API dialects: Mettl's `UTC+05:30` comes back as sent, a named zone set in
the console goes to Mettl as the offset in force at its first window's start, and EURO PRUEFSTER (whose
spec names no zone field) keeps Proctora's `time_zone` as given."""
import json
from datetime import date, time

from sqlalchemy import select

from tests.api.conftest import error_code
from webapp.core.extensions import db
from webapp.exams.models import Exam

WINDOW = {"fixedAccessOption": "SlotWise", "startsOnDate": "Fri, 27 Mar 2026", "endsOnDate": "Mon, 30 Mar 2026",
          "startsOnTime": "09:00:00", "endsOnTime": "17:00:00"}


def created(mettl, assessment, zone: str | None) -> Exam:
    window = {**WINDOW, **({"timeZone": zone} if zone else {})}
    sc = {"name": f"Schedule {zone}", "scheduleType": "Fixed", "scheduleWindow": window,
          "access": {"type": "OpenForAll"}, "sourceApp": "Portal"}
    response = mettl.post(f"/v1/assessments/{assessment.id}/schedules", {"sc": json.dumps(sc)})
    assert response.get_json()["status"] == "SUCCESS", response.get_json()
    key = response.get_json()["createdSchedule"]["accessKey"]
    return db.session.scalar(select(Exam).where(Exam.access_key == key))


def window_of(mettl, exam: Exam) -> dict:
    return mettl.get(f"/v1/schedules/{exam.access_key}").get_json()["schedule"]["scheduleWindow"]


def test_mettl_s_fixed_offset_is_stored_and_returned_as_sent(mettl, factory, admin):
    exam = created(mettl, factory.assessment(admin), "UTC+05:30")
    assert exam.time_zone == "UTC+05:30"
    assert window_of(mettl, exam) == {**WINDOW, "timeZone": "UTC+05:30"}


def test_a_named_zone_goes_to_mettl_as_the_offset_at_its_first_window_s_start(mettl, factory, admin):
    exam = created(mettl, factory.assessment(admin), "Europe/Berlin")
    assert exam.time_zone == "Europe/Berlin"
    # 27 March 2026 is before Berlin's clocks go forward (29 March): UTC+01:00.
    assert window_of(mettl, exam)["timeZone"] == "UTC+01:00"
    summer = factory.exam(admin, name="Summer", schedule_type="Fixed", fixed_access_option="ExactTime",
                          starts_on_date=date(2030, 6, 27), ends_on_date=date(2030, 6, 28),
                          starts_on_time=time(9), ends_on_time=time(17), time_zone="Europe/Berlin")
    assert window_of(mettl, summer)["timeZone"] == "UTC+02:00"

    # An edit that leaves the zone out keeps the name; one that sends an offset stores the offset.
    mettl.post(f"/v1/schedules/{exam.access_key}/edit", {"sc": json.dumps({"name": "Renamed"})})
    db.session.expire_all()
    assert exam.time_zone == "Europe/Berlin" and exam.name == "Renamed"
    mettl.post(f"/v1/schedules/{exam.access_key}/edit",
               {"sc": json.dumps({"scheduleType": "Fixed", "scheduleWindow": {**WINDOW, "timeZone": "UTC-04:00"}})})
    db.session.expire_all()
    assert exam.time_zone == "UTC-04:00" and window_of(mettl, exam)["timeZone"] == "UTC-04:00"


def test_without_a_zone_a_schedule_takes_its_institute_s(mettl, factory, admin):
    admin.institute.time_zone = "Asia/Kolkata"
    db.session.commit()
    exam = created(mettl, factory.assessment(admin), None)
    assert exam.time_zone == "Asia/Kolkata" and window_of(mettl, exam)["timeZone"] == "UTC+05:30"


def test_mettl_is_refused_a_zone_that_exists_nowhere(mettl, factory, admin):
    assessment = factory.assessment(admin)
    for zone in ("UTC-11:50", "Europe/Atlantis"):
        sc = {"name": "Nowhere", "scheduleType": "Fixed", "scheduleWindow": {**WINDOW, "timeZone": zone},
              "sourceApp": "Portal"}
        response = mettl.post(f"/v1/assessments/{assessment.id}/schedules", {"sc": json.dumps(sc)})
        assert error_code(response) == "E020", response.get_json()
    assert db.session.scalar(select(Exam)) is None


def test_euro_keeps_a_named_zone_and_refuses_an_unknown_one(euro, factory, admin):
    assessment = factory.assessment(admin)
    fields = {"name": "C1", "assessment_id": assessment.id, "schedule_type": "Fixed",
              "fixed_access_option": "SlotWise", "starts_on_date": "2026-03-27", "ends_on_date": "2026-03-30",
              "starts_on_time": "09:00:00", "ends_on_time": "17:00:00"}
    response = euro.post("/api/v1/exams", json={**fields, "time_zone": "Europe/Berlin"})
    assert response.status_code == 201 and response.get_json()["exam"]["time_zone"] == "Europe/Berlin"
    response = euro.post("/api/v1/exams", json={**fields, "name": "C2", "time_zone": "Mars/Olympus_Mons"})
    assert response.status_code == 400
    assert (response.get_json()["error"]["code"], response.get_json()["error"]["field"]) == ("E020", "time_zone")
    response = euro.post("/api/v1/exams", json={**fields, "name": "C3"})
    assert response.get_json()["exam"]["time_zone"] == "UTC"           # the institute's
