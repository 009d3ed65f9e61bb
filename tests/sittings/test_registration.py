"""Registering candidates to exams: per-row outcomes, candidates found or created, bulk without N+1."""
import pytest
from sqlalchemy import event, select

from webapp.assessments.services import FieldInput, set_registration_fields
from webapp.candidates.models import Candidate
from webapp.core.errors import IllegalTransition, PermissionDenied, ValidationError
from webapp.core.extensions import db
from webapp.sittings.models import Sitting, SittingStatus
from webapp.sittings.services import change_invitees, register_candidates
from webapp.sittings.state_machine import transition


def _row(email, first="Ann", last="Lee", **extra):
    return {"Email Address": email, "First Name": first, "Last Name": last, **extra}


@pytest.fixture
def exam(factory, admin):
    return factory.exam(admin, access_type="ByInvitation")


def test_each_row_gets_its_own_outcome(admin, exam):
    outcomes = register_candidates(admin, exam.id, [
        _row("ann@example.com"),
        _row("not-an-email"),
        _row("bob@example.com", first=""),
        _row("ANN@example.com"),
        {"First Name": "No", "Last Name": "Mail"},
        _row("cy@example.com", first="Cy", last="Young"),
    ])
    db.session.commit()
    summary = [(o.row, o.status, o.field) for o in outcomes]
    assert summary == [(1, "ToBeTaken", None), (2, "Error", "Email Address"), (3, "Error", "First Name"),
                       (4, "Error", "Email Address"), (5, "Error", "Email Address"), (6, "ToBeTaken", None)]
    assert outcomes[1].message == "Invalid format for parameter email id"
    assert outcomes[2].message == "Mandatory parameter (First Name) for registration not supplied"
    assert "listed twice" in outcomes[3].message
    sittings = db.session.scalars(select(Sitting).where(Sitting.exam_id == exam.id).order_by(Sitting.id)).all()
    assert [s.candidate.email for s in sittings] == ["ann@example.com", "cy@example.com"]
    assert all(s.status == SittingStatus.REGISTERED for s in sittings)
    assert outcomes[0].url == f"http://proctora.localhost/s/{sittings[0].access_token}"
    assert len(sittings[0].access_token) >= 32 and sittings[0].access_token != sittings[1].access_token
    assert sittings[1].registration == {"Email Address": "cy@example.com", "First Name": "Cy", "Last Name": "Young"}


def test_registering_again_reports_the_existing_sitting(admin, exam):
    register_candidates(admin, exam.id, [_row("ann@example.com"), _row("bo@example.com"), _row("cy@example.com")])
    db.session.commit()
    by_email = {s.candidate.email: s for s in db.session.scalars(select(Sitting))}
    started, finished = by_email["bo@example.com"], by_email["cy@example.com"]
    for sitting, path in ((started, ["check_started", "check_completed", "exam_session_opened", "exam_started"]),
                          (finished, ["check_started", "check_completed", "exam_session_opened", "exam_started",
                                      "exam_finished"])):
        for status in path:
            transition(sitting, SittingStatus(status))
    db.session.commit()

    outcomes = register_candidates(admin, exam.id, [_row("ann@example.com"), _row("bo@example.com"),
                                                    _row("cy@example.com")])
    assert [(o.status, o.message) for o in outcomes] == [
        ("ToBeTaken", "Candidate successfully registered for the test"),      # Mettl's 6.1.2 CASE 1
        ("InProgress", "The test is in progress"),
        ("Completed", "Email ID has already taken this test"),
    ]
    assert outcomes[0].url.endswith(by_email["ann@example.com"].access_token) and outcomes[0].existing
    assert not outcomes[0].registered and outcomes[0].already_registered
    assert outcomes[1].url.endswith(started.access_token) and outcomes[2].url is None
    assert db.session.query(Sitting).count() == 3


def test_a_candidate_is_reused_across_exams_of_the_institute(admin, factory, exam):
    other_exam = factory.exam(admin)
    register_candidates(admin, exam.id, [_row("ann@example.com")])
    register_candidates(admin, other_exam.id, [_row("Ann@Example.com", first="Annie")])
    db.session.commit()
    candidate = db.session.scalars(select(Candidate)).one()
    assert candidate.first_name == "Ann" and candidate.username == "ann@example.com"
    assert db.session.query(Sitting).filter_by(candidate_id=candidate.id).count() == 2


def test_custom_registration_fields_are_checked(admin, factory):
    assessment = factory.assessment(admin)
    set_registration_fields(admin, assessment.id, [
        FieldInput("First Name", required=True), FieldInput("Last Name", required=True),
        FieldInput("Employee number", required=True),
        FieldInput("Site", field_type="SelectBox", values=["Berlin", "Pune"]),
    ])
    exam = factory.exam(admin, assessment=assessment)
    outcomes = register_candidates(admin, exam.id, [
        _row("a@example.com", **{"Employee number": "E1", "Site": "Pune"}),
        _row("b@example.com", **{"Site": "Pune"}),
        _row("c@example.com", **{"Employee number": "E3", "Site": "Paris"}),
    ])
    assert [(o.status, o.field) for o in outcomes] == [("ToBeTaken", None), ("Error", "Employee number"),
                                                       ("Error", "Site")]
    assert "Berlin, Pune" in outcomes[2].message


@pytest.mark.parametrize("role", ["proctor", "support"])
def test_only_admins_and_examiners_register(role, admin, factory, exam):
    with pytest.raises(PermissionDenied):
        register_candidates(factory.staff(admin.institute, role), exam.id, [_row("x@example.com")])


def test_illegal_transitions_are_refused(admin, exam):
    register_candidates(admin, exam.id, [_row("ann@example.com")])
    sitting = db.session.scalars(select(Sitting)).one()
    with pytest.raises(IllegalTransition):
        transition(sitting, SittingStatus.EXAM_STARTED)
    transition(sitting, SittingStatus.MAIL_SENT)
    with pytest.raises(IllegalTransition):
        transition(sitting, SittingStatus.REGISTERED)


def test_a_thousand_candidates_register_in_a_bounded_number_of_queries(admin, exam):
    rows = [_row(f"candidate{n}@example.com", first=f"First{n}", last=f"Last{n}") for n in range(1000)]
    statements = []
    listener = lambda *args: statements.append(args[2])  # noqa: E731
    event.listen(db.engine, "before_cursor_execute", listener)
    try:
        outcomes = register_candidates(admin, exam.id, rows, send_email=True)
        db.session.commit()
    finally:
        event.remove(db.engine, "before_cursor_execute", listener)
    assert [o.status for o in outcomes] == ["ToBeTaken"] * 1000
    assert db.session.query(Sitting).count() == 1000
    # Lookups in chunks of 500 and batched inserts: a few dozen statements, never one per row.
    assert len(statements) < 60, len(statements)


def test_open_link_registration_never_reveals_another_persons_link(admin, factory):
    from webapp.notifications.models import OutboxMessage
    from webapp.sittings.services import register_through_open_link

    exam = factory.exam(admin, access_type="OpenForAll")
    first = register_through_open_link(exam, _row("ann@example.com"))
    db.session.commit()
    assert first.status == "ToBeTaken" and first.url
    again = register_through_open_link(exam, _row("ann@example.com", first="Impostor"))
    db.session.commit()
    assert again.url is None and again.message.startswith("Email already registered")
    message = db.session.scalars(select(OutboxMessage)).one()
    assert message.recipient == "ann@example.com" and first.url in message.payload["text"]


def test_open_link_registration_is_refused_for_invitation_only_exams(admin, exam):
    from webapp.core.errors import Conflict
    from webapp.sittings.services import register_through_open_link

    with pytest.raises(Conflict):
        register_through_open_link(exam, _row("ann@example.com"))


def test_a_schedules_invitees_change_in_one_go_or_not_at_all(admin, exam):
    def invited():
        return sorted(db.session.scalars(select(Candidate.email).join(Sitting, Sitting.candidate_id == Candidate.id)
                                         .where(Sitting.exam_id == exam.id)))

    change_invitees(admin, exam, add=[_row("ann@example.com"), _row("bob@example.com")], send_email=False)
    change_invitees(admin, exam, add=[_row("cat@example.com")], remove=["ann@example.com", "nobody@example.com"],
                    send_email=False)
    assert invited() == ["bob@example.com", "cat@example.com"]
    with pytest.raises(ValidationError) as refused:
        change_invitees(admin, exam, add=[_row("dan@example.com"), _row("not-an-address")], send_email=False)
    assert refused.value.code == "E003"
