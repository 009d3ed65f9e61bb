"""The clock of CI's clock-ahead run (PROCTORA_CLOCK_AHEAD_DAYS days ahead; no test may depend on the
day it runs). The test process moves its clock in pytest_configure; run as a script,
`python tests/clock_ahead.py MODULE ARGS...` starts a module as `python -m` would, with its clock moved
the same way, so that a worker or a server a test starts agrees with the test on the date."""
import os
import runpy
import sys
from datetime import datetime, timedelta, timezone

import time_machine

DAYS = int(os.environ.get("PROCTORA_CLOCK_AHEAD_DAYS") or 0)


def move_clock_ahead() -> None:
    """time-machine moves time.time, datetime.now and date.today for every thread and lets them tick on;
    sleeps and timeouts are untouched. (Debian's libfaketime 0.9.10 breaks Python's sleeps and timed
    waits, so it cannot do this.)"""
    if DAYS:
        time_machine.travel(datetime.now(timezone.utc) + timedelta(days=DAYS), tick=True).start()


def module_command(module: str, *args: str) -> list[str]:
    """The command line of `python -m module args` with this process's clock."""
    return [sys.executable, os.path.abspath(__file__), module, *args]


if __name__ == "__main__":
    move_clock_ahead()
    sys.argv = sys.argv[1:]
    sys.path[0] = os.getcwd()   # as with `python -m`
    runpy.run_module(sys.argv[0], run_name="__main__", alter_sys=True)
