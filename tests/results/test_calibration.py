"""Calibration: the estimate recovers known difficulties from simulated answers (Rasch and 2PL, with the
missing answers of targeted tests), flags a misfitting item, leaves items with too few answers on their
prior; the worker's run reads an institute's finished sittings only, a batch per poll, resumes after a
crash; the cut scores are suggested from the calibrated items and checked when saved; the console pages."""
from __future__ import annotations

import random

import numpy as np
import pytest
from bs4 import BeautifulSoup
from sqlalchemy import select

from tests.conftest import log_in, right_answer, wrong_answer
from tests.results.helpers import tagged_assessment
from webapp.bank.adaptive import DEFAULT_CUT_SCORES, prior_parameters
from webapp.bank.calibration import MIN_CALIBRATION_RESPONSES, cut_scores, item_parameters
from webapp.bank.models import CefrLevel, Difficulty, ItemCalibration, Question
from webapp.core.errors import Conflict, ValidationError
from webapp.core.extensions import db
from webapp.notifications.worker import run_periodic_jobs
from webapp.results import calibration
from webapp.results.models import CalibrationRun, RescoreState
from webapp.sittings.models import SittingItem

LEVELS = [level.value for level in list(CefrLevel)[1:]]          # A1 .. C2, priors -2 .. 3


def _simulate(abilities, difficulties, discriminations, rng):
    p = 1 / (1 + np.exp(-np.asarray(discriminations)[:, None] * (abilities[None, :] - np.asarray(difficulties)[:, None])))
    return (rng.random(p.shape) < p).astype(float)


def test_the_estimate_recovers_known_rasch_difficulties_on_the_priors_scale():
    rng = np.random.default_rng(7)
    truth = np.linspace(-2.5, 2.5, 16)
    scores = _simulate(rng.normal(0.2, 1.4, 180), truth, np.ones(16), rng)
    priors = np.round(truth) + rng.normal(0, 0.3, 16)        # the CEFR priors: right on average, coarse

    estimates = calibration.calibrate(list(range(16)), scores, priors)

    found = np.array([estimate.difficulty for estimate in estimates])
    assert [estimate.key for estimate in estimates] == list(range(16))
    assert {estimate.model for estimate in estimates} == {"1PL"} and {e.responses for e in estimates} == {180}
    assert abs(found.mean() - priors.mean()) < 1e-9                  # anchored on the priors' mean
    assert np.corrcoef(found, truth)[0, 1] > 0.97 and np.sqrt(np.mean((found - truth) ** 2)) < 0.4
    assert all(0.1 < estimate.difficulty_se < 0.4 and estimate.discrimination == 1 for estimate in estimates)


def test_2pl_with_enough_answers_and_the_missing_answers_of_targeted_tests():
    rng = np.random.default_rng(3)
    truth, slopes = np.linspace(-2.5, 2.5, 20), rng.uniform(0.6, 1.8, 20)
    abilities = rng.normal(0, 1.4, 1600)
    scores = _simulate(abilities, truth, slopes, rng)
    scores[np.abs(truth[:, None] - abilities[None, :]) > 1.8] = np.nan       # each asked the items near them

    estimates = calibration.calibrate(list(range(20)), scores, truth)

    by_key = {estimate.key: estimate for estimate in estimates}
    two = [key for key, estimate in by_key.items() if estimate.model == "2PL"]
    assert len(two) >= 8 and all(by_key[key].responses >= calibration.MIN_2PL_RESPONSES for key in two)
    assert all(by_key[key].discrimination_se for key in two)
    found = np.array([by_key[key].difficulty for key in sorted(by_key)])
    assert np.corrcoef(found, truth[sorted(by_key)])[0, 1] > 0.97
    assert np.sqrt(np.mean((found - truth[sorted(by_key)]) ** 2)) < 0.6
    assert np.corrcoef([by_key[key].discrimination for key in two], slopes[two])[0, 1] > 0.5


def test_a_misfitting_item_is_flagged_and_the_fitting_ones_are_not():
    rng = np.random.default_rng(11)
    abilities = rng.normal(0, 1.3, 400)
    truth = np.linspace(-2, 2, 12)
    scores = _simulate(abilities, truth, np.ones(12), rng)
    scores[5] = (rng.random(400) < 0.5).astype(float)       # answered at random: tells nothing of the ability

    estimates = calibration.calibrate(list(range(12)), scores, truth, min_responses=30)

    flagged = [estimate.key for estimate in estimates if estimate.misfit]
    assert flagged == [5]
    assert estimates[5].infit > calibration.FIT_RANGE[1] or estimates[5].outfit > calibration.FIT_RANGE[1]


def test_items_with_too_few_or_uniform_answers_are_not_estimated():
    rng = np.random.default_rng(5)
    scores = _simulate(rng.normal(0, 1, 100), np.linspace(-1, 1, 6), np.ones(6), rng)
    scores[0, MIN_CALIBRATION_RESPONSES - 1:] = np.nan       # one answer short of the threshold
    scores[1] = 1.0                                          # everybody right: no difficulty to find

    keys = [estimate.key for estimate in calibration.calibrate(list(range(6)), scores, np.zeros(6))]

    assert keys == [2, 3, 4, 5]
    assert calibration.calibrate([0], scores[:1], [0.0]) == []


# -- the worker's run over an institute's sittings ------------------------------------------------------

SITTINGS = MIN_CALIBRATION_RESPONSES + 6


def _take(factory, admin, exam, count, seed):
    """`count` candidates of abilities spread over the scale answering the exam's items under Rasch with
    their priors' difficulties."""
    rng = random.Random(seed)
    for number in range(count):
        ability = -3 + 6 * number / (count - 1)

        def answer(item, ability=ability):
            difficulty = prior_parameters(CefrLevel(item.cefr_level), Difficulty.EASY).difficulty
            return right_answer(item) if rng.random() < 1 / (1 + np.exp(difficulty - ability)) else wrong_answer(item)
        factory.finished_sitting(admin, exam, answer=answer)


@pytest.fixture
def two_institutes(admin, factory):
    exam = factory.exam(admin, tagged_assessment(admin, LEVELS))
    _take(factory, admin, exam, SITTINGS, 1)
    __, other_admin = factory.institute()
    other_exam = factory.exam(other_admin, tagged_assessment(other_admin, LEVELS))
    _take(factory, other_admin, other_exam, SITTINGS, 2)
    return exam, other_admin


def _questions(institute_id):
    return list(db.session.scalars(select(Question).where(Question.institute_id == institute_id)
                                   .order_by(Question.id)))


def test_the_worker_calibrates_the_institutes_items_a_batch_per_poll(app, admin, two_institutes, monkeypatch):
    exam, other_admin = two_institutes
    monkeypatch.setitem(app.config, "CALIBRATION_BATCH_SIZE", 20)
    run = calibration.start_calibration(admin)
    db.session.commit()
    assert (run.state, run.total, run.done) == (RescoreState.QUEUED, SITTINGS, 0)
    with pytest.raises(Conflict):
        calibration.start_calibration(admin)
    db.session.rollback()

    run_periodic_jobs()

    db.session.expire_all()
    assert (run.state, run.done, len(run.scores)) == (RescoreState.RUNNING, 20, 20 * len(LEVELS))
    assert db.session.scalar(select(ItemCalibration)) is None
    run_periodic_jobs()

    db.session.expire_all()
    assert (run.state, run.done, run.items_calibrated, run.scores) == (RescoreState.DONE, SITTINGS, 6, [])
    rows = {row.question_id: row for row in db.session.scalars(select(ItemCalibration))}
    mine, theirs = _questions(admin.institute_id), _questions(other_admin.institute_id)
    assert set(rows) == {question.id for question in mine}                  # the other institute's untouched
    assert {row.institute_id for row in rows.values()} == {admin.institute_id}
    assert all(row.responses == SITTINGS and row.model == "1PL" for row in rows.values())
    difficulties = [rows[question.id].difficulty for question in mine]
    assert np.corrcoef(difficulties, range(6))[0, 1] > 0.9                  # A1 easiest .. C2 hardest
    assert item_parameters(admin.institute_id, mine)[mine[0].id].difficulty == rows[mine[0].id].difficulty
    assert item_parameters(other_admin.institute_id, theirs)[theirs[0].id] == prior_parameters(CefrLevel.A1,
                                                                                               Difficulty.EASY)

    # A second calibration updates the rows in place.
    calibration.start_calibration(admin)
    db.session.commit()
    run_periodic_jobs()
    run_periodic_jobs()
    assert db.session.query(ItemCalibration).count() == 6


def test_a_crash_mid_run_resumes_where_it_stopped(app, admin, two_institutes, monkeypatch):
    monkeypatch.setitem(app.config, "CALIBRATION_BATCH_SIZE", 20)
    run_id = calibration.start_calibration(admin).id
    db.session.commit()
    assert calibration.run_calibrations() == 20
    db.session.commit()
    # The last batch is under way when the worker dies: its transaction never commits.
    assert calibration.run_calibrations() == SITTINGS - 20
    db.session.rollback()
    db.session.remove()                           # a fresh worker, a fresh session

    run = db.session.get(CalibrationRun, run_id)
    assert (run.state, run.done, len(run.scores)) == (RescoreState.RUNNING, 20, 20 * len(LEVELS))
    assert db.session.scalar(select(ItemCalibration)) is None
    assert calibration.run_calibrations() == SITTINGS - 20
    db.session.commit()
    db.session.expire_all()
    assert (run.state, run.items_calibrated) == (RescoreState.DONE, 6)


def test_essays_and_answers_a_person_marked_stay_out(admin, factory):
    exam = factory.exam(admin, tagged_assessment(admin, ["A1", "B1"], essay=True))
    sitting = factory.finished_sitting(admin, exam, answer=right_answer)

    scores = calibration._read_scores(admin.institute_id, [sitting.id])

    essay = db.session.scalar(select(SittingItem.question_id).where(SittingItem.question_type == "LONG_ANSWER"))
    assert len(scores) == 2 and essay not in {question_id for __, question_id, __ in scores}
    assert {score for __, __, score in scores} == {1}


# -- cut scores ------------------------------------------------------------------------------------------

def _calibrate(institute_id, questions, difficulties):
    for question, difficulty in zip(questions, difficulties):
        db.session.add(ItemCalibration(question_id=question.id, institute_id=institute_id, model="1PL",
                                       difficulty=difficulty, responses=MIN_CALIBRATION_RESPONSES))
    db.session.commit()


def test_the_suggested_cut_is_the_midpoint_of_adjacent_levels_mean_difficulty(admin):
    tagged_assessment(admin, ["A1", "A1", "A2", "B1"])
    _calibrate(admin.institute_id, _questions(admin.institute_id), [-2.4, -1.6, -0.6, 0.4])

    rows = {row.level: row for row in calibration.cut_score_rows(admin)}

    assert rows[CefrLevel.A2].suggested == -1.3 and rows[CefrLevel.B1].suggested == -0.1
    assert rows[CefrLevel.A1].suggested == DEFAULT_CUT_SCORES[CefrLevel.A1]      # no Pre-A1 item calibrated
    assert (rows[CefrLevel.A1].items, rows[CefrLevel.A1].mean_difficulty) == (2, -2.0)
    assert rows[CefrLevel.C2].current == DEFAULT_CUT_SCORES[CefrLevel.C2]


def test_cut_scores_must_increase_with_the_level_and_stay_on_the_scale(admin):
    cuts = {level: value + 0.1 for level, value in DEFAULT_CUT_SCORES.items()}
    with pytest.raises(ValidationError) as refused:
        calibration.set_cut_scores(admin, {**cuts, CefrLevel.B2: cuts[CefrLevel.B1]})
    assert refused.value.field == "b2"
    with pytest.raises(ValidationError):
        calibration.set_cut_scores(admin, {**cuts, CefrLevel.C2: 9.0})
    with pytest.raises(ValidationError):
        calibration.set_cut_scores(admin, {CefrLevel.A1: -2.5})

    calibration.set_cut_scores(admin, cuts)
    db.session.commit()

    assert cut_scores(admin.institute_id) == cuts


# -- the console -----------------------------------------------------------------------------------------

def _soup(response):
    assert response.status_code == 200
    return BeautifulSoup(response.get_data(as_text=True), "html.parser")


def test_the_console_starts_a_calibration_shows_its_progress_then_the_items(admin, admin_client, two_institutes):
    page = _soup(admin_client.get("/bank/calibration/"))
    assert page.select_one("[data-empty]") is not None and page.select_one("#calibration-run") is None

    response = admin_client.post("/bank/calibration/")
    assert response.headers["Location"].endswith("/bank/calibration/")
    fragment = _soup(admin_client.get("/bank/calibration/", headers={"HX-Request": "true"}))
    section = fragment.select_one("#calibration-run")
    assert fragment.select_one("h1") is None and section["hx-trigger"] == "every 2s"
    assert section.select_one("[data-progress]").get_text(strip=True) == \
        f"Reading the answers: 0 of {SITTINGS} finished sittings"

    run_periodic_jobs()
    page = _soup(admin_client.get("/bank/calibration/"))
    assert page.select_one("#calibration-run")["data-calibration-run"] == "done"
    rows = page.select("[data-calibrated-items] tbody tr")
    mine = {str(question.id) for question in _questions(admin.institute_id)}
    assert {row["data-question-id"] for row in rows} == mine
    first = rows[0]
    assert first.select_one("[data-prior]").get_text(strip=True) == "-2.25"
    assert first.select_one("[data-responses]").get_text(strip=True) == str(SITTINGS)
    assert first.select_one("[data-model]").get_text(strip=True) == "1PL"


def test_the_cut_score_page_fills_in_the_suggestion_and_refuses_a_decreasing_set(admin, admin_client):
    tagged_assessment(admin, ["A1", "A2"])
    _calibrate(admin.institute_id, _questions(admin.institute_id), [-2.2, -0.8])

    page = _soup(admin_client.get("/bank/calibration/cut-scores?suggested=1"))
    assert page.select_one("input[name=a2]")["value"] == "-1.5"
    assert page.select_one("tr[data-level=A2] [data-current]").get_text(strip=True) == "-1.50"

    values = {level.name.lower(): str(DEFAULT_CUT_SCORES[level]) for level in DEFAULT_CUT_SCORES}
    refused = _soup(admin_client.post("/bank/calibration/cut-scores", data={**values, "a2": "-1.2", "b1": "-1.3"}))
    assert "must be higher than that of A2" in refused.select_one("#b1-error").get_text()
    assert db.session.scalar(select(db.func.count()).select_from(calibration.CefrCutScore)) == 0

    saved = admin_client.post("/bank/calibration/cut-scores", data={**values, "a2": "-1.2"})
    assert saved.headers["Location"].endswith("/bank/calibration/cut-scores")
    assert cut_scores(admin.institute_id)[CefrLevel.A2] == -1.2


def test_a_proctor_may_not_calibrate(factory, admin, client):
    proctor = factory.staff(admin.institute, "proctor")
    log_in(client, proctor)
    assert client.get("/bank/calibration/").status_code == 403
    assert client.post("/bank/calibration/").status_code == 403
    assert client.get("/bank/calibration/cut-scores").status_code == 403
