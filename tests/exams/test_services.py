"""The rules of an exam (Mettl's schedule): E019, E020, E034 and E789, its window in time zones, the IP
check, the proctor pool, deleting and the permissions of each role."""
from datetime import date, datetime, time, timezone

import pytest
from sqlalchemy import event, select

from webapp.core.errors import Conflict, DomainError, NotFound, PermissionDenied, ValidationError
from webapp.core.extensions import db
from webapp.exams import services
from webapp.exams.models import Exam, ExamStatus
from webapp.exams.services import ExamInput
from webapp.sittings.models import Sitting, SittingStatus
from webapp.sittings.services import register_candidates
from webapp.sittings.state_machine import transition

FIXED = dict(schedule_type="Fixed", starts_on_date=date(2030, 6, 27), ends_on_date=date(2030, 6, 30))


def utc(*parts) -> datetime:
    return datetime(*parts, tzinfo=timezone.utc)


@pytest.fixture
def assessment(factory, admin):
    return factory.assessment(admin)


def create(admin, assessment, name="Final", **settings) -> Exam:
    exam = services.create_exam(admin, ExamInput(name=name, assessment_id=assessment.id, **settings))
    db.session.commit()
    return exam


def refused(admin, assessment, **settings) -> DomainError:
    with pytest.raises(DomainError) as caught:
        services.create_exam(admin, ExamInput(**{"name": "Refused", "assessment_id": assessment.id, **settings}))
    db.session.rollback()
    return caught.value


# E019: the name -----------------------------------------------------------------------------------

def test_a_name_is_unique_in_the_institute_whatever_its_case(admin, factory, assessment):
    exam = create(admin, assessment, name="Spring finals")
    error = refused(admin, assessment, name="  SPRING Finals ")
    assert (error.code, error.field, error.message) == ("E019", "name", "Schedule name already exists")
    assert isinstance(error, Conflict)            # a duplicate: 409 in both API dialects

    other_admin = factory.institute()[1]
    create(other_admin, factory.assessment(other_admin), name="Spring finals")
    # Saving an exam under its own name is no clash.
    services.update_exam(admin, exam.id, ExamInput(name="spring finals", assessment_id=assessment.id))
    assert exam.name == "spring finals"


def test_names_differing_only_in_the_case_of_accented_letters_are_the_same_name(admin, assessment):
    create(admin, assessment, name="Prüfung B1 Ärzte")
    assert refused(admin, assessment, name="PRÜFUNG b1 ÄRZTE").code == "E019"


def test_a_name_is_required(admin, assessment):
    assert refused(admin, assessment, name="  ").field == "name"


# E020: the schedule type and the window -----------------------------------------------------------

@pytest.mark.parametrize("settings, field", [
    ({"schedule_type": "AlwaysOn", "starts_on_date": date(2030, 6, 27)}, "schedule_type"),
    ({"schedule_type": "Fixed"}, "starts_on_date"),
    ({"schedule_type": "Fixed", "starts_on_date": date(2030, 6, 27)}, "starts_on_date"),
    ({**FIXED, "starts_on_date": date(2030, 7, 1)}, "ends_on_date"),
    ({**FIXED, "fixed_access_option": "SlotWise"}, "starts_on_time"),
    ({**FIXED, "fixed_access_option": "SlotWise", "starts_on_time": time(9)}, "starts_on_time"),
    ({**FIXED, "fixed_access_option": "SlotWise", "starts_on_time": time(9), "ends_on_time": time(9)}, "ends_on_time"),
    ({**FIXED, "ends_on_date": date(2030, 6, 27), "starts_on_time": time(18), "ends_on_time": time(8)}, "ends_on_time"),
    ({**FIXED, "time_zone": "UTC+5:30"}, "time_zone"),
    ({**FIXED, "time_zone": "UTC+14:30"}, "time_zone"),
    ({**FIXED, "time_zone": "UTC-12:30"}, "time_zone"),
    ({**FIXED, "time_zone": "UTC+05:20"}, "time_zone"),
    ({**FIXED, "time_zone": "Europe/Atlantis"}, "time_zone"),
    ({**FIXED, "time_zone": "../../etc/passwd"}, "time_zone"),
])
def test_a_window_that_does_not_fit_the_schedule_type_is_E020(admin, assessment, settings, field):
    error = refused(admin, assessment, **settings)
    assert (error.code, error.field) == ("E020", field)


def test_an_unknown_schedule_type_is_refused(admin, assessment):
    assert refused(admin, assessment, schedule_type="Sometimes").field == "schedule_type"


def test_a_fixed_window_is_stored_and_always_on_clears_it(admin, assessment):
    exam = create(admin, assessment, **FIXED, fixed_access_option="SlotWise", starts_on_time=time(9),
                  ends_on_time=time(11), time_zone="UTC-04:00")
    assert (exam.fixed_access_option.value, exam.starts_on_time, exam.time_zone) == ("SlotWise", time(9), "UTC-04:00")
    assert services.describe_window(exam) == ("Daily from 09:00 to 11:00 (UTC-04:00), Thu, Jun 27, 2030 to "
                                              "Sun, Jun 30, 2030")

    services.update_exam(admin, exam.id, ExamInput(name="Final", assessment_id=assessment.id))
    assert (exam.schedule_type.value, exam.starts_on_date, exam.fixed_access_option) == ("AlwaysOn", None, None)
    assert services.describe_window(exam) == "Open at any time"


# E034 and E789: recipients, addresses, URLs, the assessment -------------------------------------------

def test_grade_notification_recipients_must_be_e_mail_addresses(admin, assessment):
    error = refused(admin, assessment, grade_notification_enabled=True,
                    grade_notification_recipients=["boss@example.com", "not-an-address"])
    assert (error.code, error.field) == ("E034", "grade_notification_recipients")
    assert error.message == "Invalid EmailId not-an-address supplied in recipients of testGradeNotification"
    assert refused(admin, assessment, grade_notification_enabled=True).code == "E034"

    exam = create(admin, assessment, grade_notification_enabled=True,
                  grade_notification_recipients=["Boss@Example.com", " ", "hr@example.com"])
    assert exam.grade_notification_recipients == ["boss@example.com", "hr@example.com"]


@pytest.mark.parametrize("restriction, entries, stored", [
    ("SINGLE", ["125.63.71.142"], ["125.63.71.142"]),
    ("SINGLE", [" 2001:db8::1 "], ["2001:db8::1"]),
    ("RANGE", ["10.0.0.0/8", "192.168.1.10-192.168.1.50", "", "2001:db8::/32"],
     ["10.0.0.0/8", "192.168.1.10-192.168.1.50", "2001:db8::/32"]),
    ("NONE", ["10.0.0.1"], []),
])
def test_valid_ip_restrictions_are_stored(admin, assessment, restriction, entries, stored):
    exam = create(admin, assessment, ip_restriction=restriction, ip_addresses=entries)
    assert (exam.ip_restriction.value, exam.ip_addresses) == (restriction, stored)


@pytest.mark.parametrize("restriction, entries", [
    ("SINGLE", []),
    ("SINGLE", ["10.0.0.1", "10.0.0.2"]),
    ("SINGLE", ["10.0.0.0/24"]),
    ("SINGLE", ["10.0.0.300"]),
    ("RANGE", []),
    ("RANGE", ["10.0.0.0/33"]),
    ("RANGE", ["10.0.0.50-10.0.0.5"]),
    ("RANGE", ["10.0.0.1-2001:db8::1"]),
    ("RANGE", ["10.0.0.0/24", "somewhere"]),
    ("ANYWHERE", ["10.0.0.1"]),
])
def test_invalid_ip_restrictions_are_refused(admin, assessment, restriction, entries):
    error = refused(admin, assessment, ip_restriction=restriction, ip_addresses=entries)
    assert (error.code, error.field in ("ip_addresses", "ip_restriction")) == ("E789", True)


@pytest.mark.parametrize("field", ["test_start_notification_url", "test_finish_notification_url",
                                   "test_graded_notification_url", "test_resume_enabled_for_expired_test_url",
                                   "exit_redirection_url"])
@pytest.mark.parametrize("url", ["ftp://example.com/hook", "example.com/hook", "https://", "javascript:alert(1)"])
def test_callback_and_exit_urls_must_be_web_addresses(admin, assessment, field, url):
    assert refused(admin, assessment, **{field: url}).field == field


def test_callback_urls_are_stored(admin, assessment):
    exam = create(admin, assessment, test_start_notification_url=" https://hooks.example.com/start ",
                  test_graded_notification_url="http://10.0.0.5:8080/graded", source_app="HR portal")
    assert exam.test_start_notification_url == "https://hooks.example.com/start"
    assert exam.test_graded_notification_url == "http://10.0.0.5:8080/graded"
    assert exam.test_finish_notification_url == ""


def test_web_proctoring_needs_a_tolerance_from_1_to_100(admin, assessment):
    for count in (0, 101, "many"):
        error = refused(admin, assessment, web_proctoring_enabled=True, web_proctoring_count=count)
        assert error.field == "web_proctoring_count"
    assert create(admin, assessment, web_proctoring_enabled=True, web_proctoring_count="5").web_proctoring_count == 5


def test_an_assessment_without_questions_cannot_be_scheduled(admin, factory):
    empty = factory.assessment(admin, questions=0)
    error = refused(admin, empty)
    assert (error.code, error.field) == ("E789", "assessment_id")
    assert "has no questions" in error.message


def test_another_institutes_assessment_is_not_found(admin, factory):
    other_admin = factory.institute()[1]
    with pytest.raises(NotFound):
        services.create_exam(admin, ExamInput(name="Stolen", assessment_id=factory.assessment(other_admin).id))


# The window in time zones -------------------------------------------------------------------------

def test_an_always_on_exam_is_always_open(admin, assessment):
    exam = create(admin, assessment)
    assert services.window_state(exam, utc(1999, 1, 1)) == ("open", None)
    assert services.exam_windows(exam) == []


def test_an_exact_window_opens_and_closes_in_its_own_time_zone(admin, assessment):
    # 08:00 to 18:00 in India (UTC+05:30) is 02:30 to 12:30 UTC.
    exam = create(admin, assessment, **FIXED, starts_on_time=time(8), ends_on_time=time(18), time_zone="UTC+05:30")
    state, window = services.window_state(exam, utc(2030, 6, 27, 2, 29))
    assert state == "not_yet_open"
    assert window.start == utc(2030, 6, 27, 2, 30) and window.end == utc(2030, 6, 30, 12, 30)
    assert services.window_state(exam, utc(2030, 6, 27, 2, 30))[0] == "open"
    assert services.window_state(exam, utc(2030, 6, 30, 12, 29, 59))[0] == "open"
    assert services.window_state(exam, utc(2030, 6, 30, 12, 30)) == ("closed", None)
    assert services.describe_window(exam) == "From Thu, Jun 27, 2030, 08:00 to Sun, Jun 30, 2030, 18:00 (UTC+05:30)"


def test_an_exact_window_without_times_runs_from_midnight_to_the_end_of_the_day(admin, assessment):
    exam = create(admin, assessment, **FIXED, time_zone="UTC-12:00")
    [window] = services.exam_windows(exam)
    assert window.start == utc(2030, 6, 27, 12) and window.end == utc(2030, 7, 1, 11, 59, 59)


def test_a_daily_slot_opens_each_day_in_its_own_time_zone(admin, assessment):
    # 09:00 to 11:00 at UTC-04:00 is 13:00 to 15:00 UTC, on 1, 2 and 3 June.
    exam = create(admin, assessment, schedule_type="Fixed", fixed_access_option="SlotWise",
                  starts_on_date=date(2030, 6, 1), ends_on_date=date(2030, 6, 3), starts_on_time=time(9),
                  ends_on_time=time(11), time_zone="UTC-04:00")
    assert len(services.exam_windows(exam)) == 3
    state, window = services.window_state(exam, utc(2030, 6, 1, 12, 59))
    assert (state, window.start) == ("not_yet_open", utc(2030, 6, 1, 13))
    assert services.window_state(exam, utc(2030, 6, 1, 13))[0] == "open"
    state, window = services.window_state(exam, utc(2030, 6, 1, 15))
    assert (state, window.start, window.end) == ("not_yet_open", utc(2030, 6, 2, 13), utc(2030, 6, 2, 15))
    assert services.window_state(exam, utc(2030, 6, 3, 14, 30))[0] == "open"
    assert services.window_state(exam, utc(2030, 6, 3, 15)) == ("closed", None)


def test_a_slot_east_of_utc_starts_the_day_before_in_utc(admin, assessment):
    # 02:00 to 04:00 at UTC+14:00 is 12:00 to 14:00 UTC on the previous day.
    exam = create(admin, assessment, schedule_type="Fixed", fixed_access_option="SlotWise",
                  starts_on_date=date(2030, 6, 1), ends_on_date=date(2030, 6, 1), starts_on_time=time(2),
                  ends_on_time=time(4), time_zone="UTC+14:00")
    assert services.window_state(exam, utc(2030, 5, 31, 12))[0] == "open"
    assert services.window_state(exam, utc(2030, 6, 1, 2)) == ("closed", None)


# IP restriction -----------------------------------------------------------------------------------

@pytest.mark.parametrize("restriction, entries, allowed, denied", [
    ("NONE", [], ["1.2.3.4", "2001:db8::1"], []),
    ("SINGLE", ["125.63.71.142"], ["125.63.71.142"], ["125.63.71.143", "::ffff:7d3f:478f", "not an address", ""]),
    ("SINGLE", ["2001:db8::1"], ["2001:db8::1", "2001:0db8:0000::0001"], ["2001:db8::2"]),
    ("RANGE", ["10.0.0.0/24", "192.168.1.10-192.168.1.50", "2001:db8::/64"],
     ["10.0.0.0", "10.0.0.255", "192.168.1.10", "192.168.1.50", "2001:db8::abcd"],
     ["10.0.1.0", "192.168.1.9", "192.168.1.51", "2001:db9::1"]),
])
def test_ip_allowed(admin, assessment, restriction, entries, allowed, denied):
    exam = create(admin, assessment, ip_restriction=restriction, ip_addresses=entries)
    assert [services.ip_allowed(exam, address) for address in allowed] == [True] * len(allowed)
    assert [services.ip_allowed(exam, address) for address in denied] == [False] * len(denied)


# The proctor pool ---------------------------------------------------------------------------------

def test_the_proctor_pool_takes_only_the_institutes_proctors_and_admins(admin, factory, assessment):
    exam = create(admin, assessment)
    proctor = factory.staff(admin.institute, "proctor", name="Pat Proctor")
    examiner = factory.staff(admin.institute, "examiner")
    support = factory.staff(admin.institute, "support")
    other_admin = factory.institute()[1]
    strangers_proctor = factory.staff(other_admin.institute, "proctor")

    assert [user.id for user in services.pool_candidates(admin)] == [admin.id, proctor.id]
    for outsider in (examiner, support, strangers_proctor):
        with pytest.raises(ValidationError) as caught:
            services.set_proctor_pool(admin, exam.id, [proctor.id, outsider.id])
        assert caught.value.field == "proctors"
    services.set_proctor_pool(admin, exam.id, [proctor.id, str(admin.id)])
    db.session.commit()
    assert {user.id for user in exam.proctors} == {proctor.id, admin.id}
    services.set_proctor_pool(admin, exam.id, [])
    assert exam.proctors == []


# Deleting and deactivating ------------------------------------------------------------------------

def _register(admin, exam, *emails):
    register_candidates(admin, exam.id, [{"Email Address": email, "First Name": "A", "Last Name": "B"}
                                         for email in emails])
    db.session.commit()
    return {sitting.candidate.email: sitting for sitting in db.session.scalars(
        select(Sitting).where(Sitting.exam_id == exam.id))}


def test_an_exam_nobody_started_is_deleted_with_its_registrations(admin, factory, assessment):
    exam = create(admin, assessment)
    proctor = factory.staff(admin.institute, "proctor")
    services.set_proctor_pool(admin, exam.id, [proctor.id])
    _register(admin, exam, "ann@example.com", "bob@example.com")
    services.delete_exam(admin, exam.id)
    db.session.commit()
    assert db.session.scalars(select(Exam)).all() == []
    assert db.session.scalars(select(Sitting)).all() == []


def test_an_exam_somebody_started_is_kept(admin, assessment):
    exam = create(admin, assessment)
    sitting = _register(admin, exam, "ann@example.com", "bob@example.com")["ann@example.com"]
    for status in ("check_started", "check_completed", "exam_session_opened", "exam_started"):
        transition(sitting, SittingStatus(status))
    db.session.commit()
    with pytest.raises(Conflict):
        services.delete_exam(admin, exam.id)
    db.session.rollback()
    assert db.session.get(Exam, exam.id) is not None
    assert db.session.query(Sitting).count() == 2


def test_deactivating_and_activating(admin, assessment):
    exam = create(admin, assessment)
    assert services.set_active(admin, exam.id, False).status == ExamStatus.INACTIVE
    assert services.set_active(admin, exam.id, True).status == ExamStatus.ACTIVE


# Listing ------------------------------------------------------------------------------------------

def test_listing_filters_by_name_and_assessment_and_loads_assessments_at_once(admin, factory):
    assessments = [factory.assessment(admin, name=name) for name in ("Grammar", "Maths", "Reading")]
    for number in range(6):
        create(admin, assessments[number % 3], name=f"Exam {number}")
    other_admin = factory.institute()[1]
    create(other_admin, factory.assessment(other_admin), name="Exam 3")
    db.session.expire_all()
    assert admin.institute_id

    statements = []
    listener = lambda *args: statements.append(args[2])  # noqa: E731
    event.listen(db.engine, "before_cursor_execute", listener)
    try:
        page = services.list_exams(admin, per_page=4)
        names = [(exam.name, exam.assessment.name) for exam in page.items]
    finally:
        event.remove(db.engine, "before_cursor_execute", listener)
    assert page.total == 6 and len(names) == 4
    # The count, the page and the assessments of its exams: never one query per exam.
    assert len(statements) == 3, statements

    assert [exam.name for exam in services.list_exams(admin, text="exam 3").items] == ["Exam 3"]
    assert sorted(exam.name for exam in services.list_exams(admin, assessment_id=assessments[1].id).items) == [
        "Exam 1", "Exam 4"]


# Permissions --------------------------------------------------------------------------------------

@pytest.mark.parametrize("role, may_edit", [("admin", True), ("examiner", True), ("proctor", False),
                                            ("support", False)])
def test_permissions_of_each_role(admin, factory, assessment, role, may_edit):
    exam = create(admin, assessment)
    user = admin if role == "admin" else factory.staff(admin.institute, role)
    assert services.get_exam(user, exam.id) == exam
    assert services.list_exams(user).total == 1
    assert services.pool_candidates(user)
    edits = [
        lambda: services.create_exam(user, ExamInput(name=f"By {role}", assessment_id=assessment.id)),
        lambda: services.update_exam(user, exam.id, ExamInput(name="Renamed", assessment_id=assessment.id)),
        lambda: services.set_active(user, exam.id, False),
        lambda: services.set_proctor_pool(user, exam.id, [admin.id]),
        lambda: services.delete_exam(user, exam.id),
    ]
    for edit in edits:
        if may_edit:
            edit()
        else:
            with pytest.raises(PermissionDenied):
                edit()


def test_the_assessment_of_an_exam_cannot_change_once_candidates_started(admin, factory):
    from datetime import datetime, timezone

    from webapp.exams.services import exam_input, update_exam
    from webapp.sittings import taking
    from webapp.sittings.models import Sitting
    from webapp.sittings.services import register_candidates

    exam = factory.exam(admin)
    other = factory.assessment(admin)
    outcome, = register_candidates(admin, exam.id, [{"Email Address": "a@example.com", "First Name": "A",
                                                     "Last Name": "B"}])
    sitting = db.session.get(Sitting, outcome.sitting_id)
    now = datetime.now(timezone.utc)
    taking.start_check(sitting, now=now)
    taking.complete_check(sitting, browser={}, now=now)
    taking.start_exam(sitting, now=now)
    db.session.commit()
    data = exam_input(exam)
    data.assessment_id = other.id
    with pytest.raises(ValidationError) as error:
        update_exam(admin, exam.id, data)
    assert error.value.field == "assessment_id"
    data = exam_input(exam)
    data.name = "Renamed"
    assert update_exam(admin, exam.id, data).name == "Renamed"


# The candidate pages' language -----------------------------------------------------------------------

def test_an_exam_speaks_one_of_our_languages_or_its_institutes(admin, assessment):
    assert create(admin, assessment, name="Default").language == ""
    german = create(admin, assessment, name="German", language="de")
    assert german.language == "de"
    error = refused(admin, assessment, language="fr")
    assert (error.code, error.field) == ("E789", "language")
    services.update_exam(admin, german.id, services.exam_input(german))
    assert german.language == "de", "an edit that does not name it keeps the language"
