"""Acting from the live monitor on a selection (one service call that checks each sitting and says per
candidate what was done or why not), what the candidate is told (minutes added, a termination's reason),
presence on a frozen clock and the warning on activating an exam nobody can admit to."""
import json
from datetime import timedelta

import pytest
from bs4 import BeautifulSoup
from sqlalchemy import select

from tests.conftest import log_in
from tests.proctoring.conftest import T0, started
from webapp.audit.models import AuditEntry
from webapp.core import clock
from webapp.core.errors import Conflict, PermissionDenied, ValidationError
from webapp.core.extensions import db
from webapp.exams.services import set_active, set_proctor_pool
from webapp.proctoring import services
from webapp.proctoring.models import CandidateMessage, Flag
from webapp.sittings import taking
from webapp.sittings.models import FinishMode, Sitting, SittingStatus
from webapp.sittings.services import register_candidates

S = SittingStatus


def _register(admin, exam, first_name: str) -> Sitting:
    outcome, = register_candidates(admin, exam.id, [{"Email Address": f"{first_name.lower()}@example.com",
                                                     "First Name": first_name, "Last Name": "Lee"}])
    db.session.commit()
    return db.session.get(Sitting, outcome.sitting_id)


def _waiting(admin, exam, first_name: str) -> Sitting:
    sitting = _register(admin, exam, first_name)
    taking.start_check(sitting, ip_address="127.0.0.1", now=T0)
    taking.complete_check(sitting, browser={"userAgent": "test"}, consent=True, now=T0)
    db.session.commit()
    assert sitting.status == S.CHECK_COMPLETED
    return sitting


def _audited(action: str) -> list[int]:
    return sorted(db.session.scalars(select(AuditEntry.target_id).where(AuditEntry.action == action)))


@pytest.fixture
def gated(make_exam):
    """An exam whose candidates wait for a proctor's admission."""
    return make_exam(admission_required=True)


def _soup(response) -> BeautifulSoup:
    return BeautifulSoup(response.get_data(as_text=True), "html.parser")


# One call, a verdict per candidate ------------------------------------------------------------------------

def test_bulk_admission_admits_the_waiting_and_says_why_the_others_were_not(admin, gated, make_exam, pool_proctor):
    ann, bob, cem = (_waiting(admin, gated, name) for name in ("Ann", "Bob", "Cem"))
    dan = _register(admin, gated, "Dan")                       # has not done the check: not waiting
    elsewhere = _waiting(admin, make_exam(admission_required=True), "Eve")   # another exam's candidate
    exam, outcomes = services.act_on_selection(pool_proctor, gated.id, "admit",
                                               [str(ann.id), bob.id, dan.id, cem.id, elsewhere.id, ann.id], now=T0)
    db.session.commit()
    assert exam.id == gated.id
    assert [(outcome.sitting_id, outcome.name, outcome.done) for outcome in outcomes] == [
        (ann.id, "Ann Lee", True), (bob.id, "Bob Lee", True), (dan.id, "Dan Lee", False), (cem.id, "Cem Lee", True),
        (elsewhere.id, "", False)]
    assert outcomes[2].refusal == "Only a candidate who has completed the check and waits can be admitted."
    assert outcomes[4].refusal == "Not a candidate of this exam."
    assert [sitting.status for sitting in (ann, bob, cem, dan, elsewhere)] == [
        S.EXAM_SESSION_OPENED] * 3 + [S.REGISTERED, S.CHECK_COMPLETED]
    # Audited one by one, like an admission from the sitting's page; the refused left no trace.
    assert _audited("sitting.admit") == sorted([ann.id, bob.id, cem.id])


def test_a_selection_outside_the_pool_or_without_candidates_or_words_is_refused_whole(admin, gated, outsider,
                                                                                      pool_proctor):
    ann = _waiting(admin, gated, "Ann")
    with pytest.raises(PermissionDenied):
        services.act_on_selection(outsider, gated.id, "admit", [ann.id])
    for action, ids, params in (("admit", [], {}), ("admit", ["x"], {}), ("admit", ["99999999999999999999"], {}),
                                ("reject", [ann.id], {"text": "  "}), ("extend", [ann.id], {"minutes": "soon"}),
                                ("flag", [ann.id], {"category": "nonsense"}), ("dance", [ann.id], {})):
        with pytest.raises(ValidationError):
            services.act_on_selection(pool_proctor, gated.id, action, ids, **params)
    assert ann.status == S.CHECK_COMPLETED and _audited("sitting.admit") == []


def test_message_time_and_flag_for_a_selection(admin, exam, pool_proctor):
    ann, bob = started(admin, exam), started(admin, exam, "bob@example.com")
    deadline = ann.deadline
    __, outcomes = services.act_on_selection(pool_proctor, exam.id, "extend", [ann.id, bob.id], minutes="10",
                                             text="The fire alarm", now=T0)
    assert all(outcome.done for outcome in outcomes)
    assert ann.deadline == bob.deadline == deadline + timedelta(minutes=10)
    services.act_on_selection(pool_proctor, exam.id, "flag", [bob.id], category="phone", text="On the desk")
    services.act_on_selection(pool_proctor, exam.id, "message", [ann.id], text="Eyes on the screen")
    db.session.commit()
    assert db.session.scalar(select(Flag.note).where(Flag.sitting_id == bob.id)) == "On the desk"
    assert db.session.scalars(select(CandidateMessage.body).where(CandidateMessage.sitting_id == ann.id)
                              .order_by(CandidateMessage.id)).all() == ["The fire alarm", "Eyes on the screen"]
    assert _audited("sitting.extend") == sorted([ann.id, bob.id]) and _audited("sitting.flag") == [bob.id]


def test_terminating_is_rehearsed_for_the_confirmation_then_done(admin, exam, pool_proctor):
    ann = started(admin, exam)
    waiting = _register(admin, exam, "Bob")
    __, rehearsal = services.act_on_selection(pool_proctor, exam.id, "terminate", [ann.id, waiting.id], rehearse=True)
    db.session.commit()
    assert [(outcome.name, outcome.done) for outcome in rehearsal] == [("Ann Lee", True), ("Bob Lee", False)]
    assert rehearsal[1].refusal == "Only a running test can be terminated."
    db.session.expire_all()
    assert ann.status == S.EXAM_STARTED and _audited("sitting.terminate") == []
    with pytest.raises(ValidationError):    # done for real, a reason is needed
        services.act_on_selection(pool_proctor, exam.id, "terminate", [ann.id])
    services.act_on_selection(pool_proctor, exam.id, "terminate", [ann.id], text="A second screen", now=T0)
    db.session.commit()
    assert (ann.status, ann.finish_mode) == (S.EXAM_FINISHED, FinishMode.TERMINATED_BY_PROCTOR)
    assert services.termination_reason(ann) == "A second screen"
    assert _audited("sitting.terminate") == [ann.id]


# What the candidate is told -------------------------------------------------------------------------------

def test_the_candidate_reads_the_reason_of_the_termination(client, admin, exam, pool_proctor):
    ann = started(admin, exam)
    services.terminate(pool_proctor, ann.id, "Talking to someone off camera", now=T0)
    db.session.commit()
    page = _soup(client.get(f"/s/{ann.access_token}?lang=de"))
    assert page.select_one("[data-termination-reason]").get_text(strip=True) == \
        "Begründung der Aufsicht: Talking to someone off camera"


def test_minutes_added_reach_the_clock_with_their_reason_and_the_page_knows_the_words(client, admin, exam,
                                                                                    pool_proctor):
    ann = started(admin, exam)
    before = client.get(f"/s/{ann.access_token}/clock").json
    services.extend(pool_proctor, ann.id, 10, reason="The network was down", now=T0)
    db.session.commit()
    after = client.get(f"/s/{ann.access_token}/clock").json
    # The page sees the clock jump by 10 minutes and the reason come with it (clock.js: showTimeAdded).
    assert after["remaining"] - before["remaining"] == 600
    assert after["messages"] == ["The network was down"]
    assert client.get(f"/s/{ann.access_token}/clock").json["messages"] == []
    page = _soup(client.get(f"/s/{ann.access_token}?lang=es"))
    texts = json.loads(page.select_one("[data-exam]")["data-messages"])
    assert texts["timeAddedBecause"]["other"] == "El supervisor ha añadido %(num)d minutos: %(reason)s"
    assert texts["timeAdded"]["one"] == "El supervisor ha añadido %(num)d minuto a su tiempo."
    # Without a reason the jump alone says it; nothing is queued for the candidate.
    services.extend(pool_proctor, ann.id, 1, now=T0)
    db.session.commit()
    assert db.session.scalars(select(CandidateMessage.body)).all() == ["The network was down"]


# Presence --------------------------------------------------------------------------------------------------

def _online(proctor, exam) -> bool:
    __, rows = services.monitor(proctor, exam.id)
    row, = rows.items
    return row.online


def test_presence_is_online_from_the_start_and_offline_only_after_the_heartbeat_stopped(client, admin, exam,
                                                                                      pool_proctor):
    ann = started(admin, exam)
    assert _online(pool_proctor, exam)
    # A hidden tab beats once a minute: a page silent that long is still there.
    clock.move(taking.HIDDEN_HEARTBEAT_EVERY)
    assert _online(pool_proctor, exam)
    clock.move(taking.ONLINE_FOR - taking.HIDDEN_HEARTBEAT_EVERY)
    assert _online(pool_proctor, exam)
    clock.move(timedelta(seconds=1))
    assert not _online(pool_proctor, exam)
    client.get(f"/s/{ann.access_token}/clock")
    assert _online(pool_proctor, exam)
    assert taking.ONLINE_FOR == taking.HIDDEN_HEARTBEAT_EVERY + taking.HEARTBEAT_EVERY


# Activation with nobody to admit -------------------------------------------------------------------------

def test_activating_an_exam_nobody_can_admit_to_warns_and_may_be_confirmed(admin, make_exam, pool_proctor):
    exam = make_exam(pool=[], admission_required=True)
    set_active(admin, exam.id, False)
    with pytest.raises(Conflict, match="its proctor pool is empty"):
        set_active(admin, exam.id, True)
    assert not exam.is_active
    assert set_active(admin, exam.id, True, despite_warning=True).is_active
    set_active(admin, exam.id, False)
    set_proctor_pool(admin, exam.id, [pool_proctor.id])
    assert set_active(admin, exam.id, True).is_active
    open_exam = make_exam(pool=[])       # candidates are let in without a proctor: nothing to warn about
    set_active(admin, open_exam.id, False)
    assert set_active(admin, open_exam.id, True).is_active


def test_the_exam_page_names_its_proctors_and_warns_of_an_empty_pool(admin_client, admin, make_exam, pool_proctor):
    exam = make_exam(pool=[], admission_required=True)
    admin_client.post(f"/exams/{exam.id}/active", data={"active": "0"})
    page = _soup(admin_client.get(f"/exams/{exam.id}"))
    assert "its proctor pool is empty" in page.select_one("[data-pool-warning]").get_text()
    assert page.select_one("[data-despite-warning] input[name=despite_warning]") is not None
    admin_client.post(f"/exams/{exam.id}/active", data={"active": "1"})
    assert not db.session.get(type(exam), exam.id).is_active
    admin_client.post(f"/exams/{exam.id}/active", data={"active": "1", "despite_warning": "1"})
    assert db.session.get(type(exam), exam.id).is_active
    set_proctor_pool(admin, exam.id, [pool_proctor.id])
    db.session.commit()
    page = _soup(admin_client.get(f"/exams/{exam.id}"))
    assert page.select_one("[data-pool-warning]") is None
    assert page.select_one("[data-proctors]").get_text(strip=True) == "Proctored by: Pat Pool"


# The monitor's pages --------------------------------------------------------------------------------------

HTMX = {"HX-Request": "true"}


def test_the_monitor_acts_on_ticked_rows_and_on_one_row_with_htmx(client, admin, gated, pool_proctor):
    ann, bob, cem = (_waiting(admin, gated, name) for name in ("Ann", "Bob", "Cem"))
    log_in(client, pool_proctor)
    page = _soup(client.get(f"/proctoring/exams/{gated.id}/monitor"))
    form = page.select_one("form#monitor-actions")
    assert [box["value"] for box in page.select("input[name=sitting][form=monitor-actions]")] == \
        [str(ann.id), str(bob.id), str(cem.id)]
    assert [button["value"] for button in form.select("button[name=action]")] == list(services.SELECTION_ACTIONS)
    # A refresh keeps the rows that were ticked.
    fragment = _soup(client.get(f"/proctoring/exams/{gated.id}/monitor?sitting={bob.id}&sitting=x", headers=HTMX))
    assert [box["value"] for box in fragment.select("input[name=sitting][checked]")] == [str(bob.id)]
    response = client.post(form["action"], data={"action": "admit", "sitting": [ann.id, bob.id]}, headers=HTMX)
    assert response.headers["HX-Trigger"] == "monitor-changed"
    outcome = _soup(response)
    assert outcome.select_one("[data-done-count]")["data-done-count"] == "2"
    assert "Ann Lee, Bob Lee" in outcome.get_text()
    # A row's own button: this candidate alone, whatever else is ticked.
    row_button = page.select_one(f"tr[data-sitting-id='{cem.id}'] button[value=admit]")
    response = client.post(row_button["formaction"], data={"action": "admit", "sitting": [ann.id]}, headers=HTMX)
    assert _soup(response).select_one("[data-done-count]")["data-done-count"] == "1"
    db.session.expire_all()
    assert [sitting.status for sitting in (ann, bob, cem)] == [S.EXAM_SESSION_OPENED] * 3
    # Bad input is said where the outcome goes, and nothing happens.
    problem = _soup(client.post(form["action"], data={"action": "admit"}, headers=HTMX))
    assert problem.select_one("[data-action-problem]").get_text(strip=True) == "Please choose at least one candidate."


def test_terminate_from_the_monitor_asks_first_naming_the_candidates(client, admin, exam, pool_proctor):
    ann, bob = started(admin, exam), started(admin, exam, "bob@example.com")
    log_in(client, pool_proctor)
    url = f"/proctoring/exams/{exam.id}/act"
    confirmation = _soup(client.post(url, data={"action": "terminate", "sitting": [ann.id]}, headers=HTMX))
    dialog = confirmation.select_one("dialog[data-confirm=terminate]")
    assert [item.get_text(strip=True) for item in dialog.select("[data-confirm-names] li")] == ["Ann Lee"]
    db.session.expire_all()
    assert ann.status == S.EXAM_STARTED
    form = dialog.select_one("form[method=post]")
    data = {field["name"]: field.get("value", "") for field in form.select("input[type=hidden]")}
    assert (data["action"], data["confirmed"], data["sitting"]) == ("terminate", "1", str(ann.id))
    # Without JavaScript the same steps are pages of their own.
    done = _soup(client.post(url, data={**data, "text": "Phone in hand"}))
    assert done.select_one("h1") is not None and done.select_one("[data-done-count]")["data-done-count"] == "1"
    assert done.select_one("a[href$='/monitor']") is not None
    db.session.expire_all()
    assert (ann.finish_mode, bob.status) == (FinishMode.TERMINATED_BY_PROCTOR, S.EXAM_STARTED)
    assert services.termination_reason(ann) == "Phone in hand"


def test_more_time_from_the_sitting_page_with_its_reason_in_the_log(client, admin, exam, pool_proctor):
    ann = started(admin, exam)
    log_in(client, pool_proctor)
    client.post(f"/proctoring/sittings/{ann.id}/extend", data={"minutes": "3", "reason": "Slow connection"})
    page = _soup(client.get(f"/proctoring/sittings/{ann.id}"))
    row = page.select_one("table.events tr[data-event=time_extended]")
    assert [cell.get_text(strip=True) for cell in row.select("td")[1:]] == [
        "Time extended", "Pat Pool gave 3 more minutes: Slow connection"]
    assert db.session.scalars(select(CandidateMessage.body)).all() == ["Slow connection"]
