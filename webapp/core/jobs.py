"""The periodic jobs the worker runs each poll: housekeeping that must happen with nobody looking
(sittings whose time ran out, old images, spent signatures). Each job does one bounded batch; the worker
commits after each. Jobs are registered in `webapp.wiring`, the one place that lists them."""
from __future__ import annotations

from collections.abc import Callable

PERIODIC_JOBS: list[Callable[[], object]] = []


def register_periodic_job(job: Callable[[], object]) -> None:
    if job not in PERIODIC_JOBS:
        PERIODIC_JOBS.append(job)
