"""The proctoring fixtures (an exam with a pool, a running sitting, a frozen clock): most entries come from there."""
from tests.proctoring.conftest import _clock_at_t0, exam, make_exam, outsider, paper, pool_proctor, running  # noqa: F401
