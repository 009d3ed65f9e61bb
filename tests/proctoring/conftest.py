"""An exam with a proctor pool, candidates at every stage and a controlled clock."""
from datetime import datetime, timezone

import pytest

from tests.candidate.helpers import build_paper, paper_assessment, register
from webapp.core import clock
from webapp.core.extensions import db
from webapp.exams.services import set_proctor_pool
from webapp.proctoring import services as proctoring
from webapp.sittings import taking

T0 = datetime(2026, 11, 23, 9, 0, tzinfo=timezone.utc)


@pytest.fixture(autouse=True)
def _clock_at_t0():
    """Sittings here start at T0; requests served in a test read the same frozen clock."""
    clock.freeze(T0)


@pytest.fixture
def paper(admin):
    return build_paper(admin)


@pytest.fixture
def pool_proctor(factory, admin):
    return factory.staff(admin.institute, "proctor", "Pat Pool")


@pytest.fixture
def outsider(factory, admin):
    """A proctor of the same institute, not in the exam's pool."""
    return factory.staff(admin.institute, "proctor", "Olly Outside")


@pytest.fixture
def make_exam(factory, admin, paper, pool_proctor):
    def make(pool=None, **settings):
        exam = factory.exam(admin, assessment=paper_assessment(admin, paper, name=f"Test {factory._next()}"),
                            access_type="ByInvitation", **settings)
        set_proctor_pool(admin, exam.id, [user.id for user in (pool if pool is not None else [pool_proctor])])
        db.session.commit()
        return exam
    return make


@pytest.fixture
def exam(make_exam):
    return make_exam(web_proctoring_enabled=True, web_proctoring_count=2)


def started(admin, exam, email="ann@example.com", now=T0):
    sitting = register(admin, exam, email)
    taking.start_check(sitting, ip_address="127.0.0.1", now=now)
    taking.complete_check(sitting, browser={"userAgent": "test"}, consent=True, now=now)
    if sitting.status.value == "check_completed":
        proctoring.admit(admin, sitting.id, now=now)
    taking.start_exam(sitting, now=now)
    db.session.commit()
    return sitting


@pytest.fixture
def running(admin, exam):
    return started(admin, exam)
