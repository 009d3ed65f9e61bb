"""The Locust user of bench/candidates.py: a candidate on the exam page, as static/js/candidate/*.js behave.
Open loop: each candidate's requests are sent on their own schedule, whatever the answers' delays, as a
browser's timers do (a slow answer does not slow the next clock poll).

- the page: loaded when the candidate arrives, and reloaded now and then (RELOAD_EVERY on average);
- the clock (the heartbeat): every CLOCK_EVERY seconds (clock.js);
- a move to another question (position) and its answer saved a few seconds later (autosave.js), every
  SAVE_EVERY seconds on average;
- an event (a copy attempt) every EVENT_EVERY seconds on average.

A save the server refuses as busy (503) or does not answer is sent again every RESEND_EVERY seconds until it
is acknowledged, as autosave.js does; such a refusal is counted as the failure "shed". When the run stops,
the highest acknowledged version of each answer is written to BENCH_ACKNOWLEDGED (JSON), so that the
benchmark can check that the database holds every acknowledged answer.

BENCH_SITTINGS names a file of `token|item,item,...` lines; every candidate takes the next line."""
from __future__ import annotations

import itertools
import json
import os
import random

import gevent
from locust import FastHttpUser, constant, events, task

CLOCK_EVERY = 15
SAVE_EVERY = (20, 30)
EVENT_EVERY = 120
RELOAD_EVERY = 600
RESEND_EVERY = 5
ARRIVAL_WITHIN = float(os.environ.get("BENCH_ARRIVAL_SECONDS", "60"))

SITTINGS = [(token, items.split(",")) for token, items in
            (line.split("|") for line in open(os.environ["BENCH_SITTINGS"]).read().split())]
NEXT_SITTING = itertools.count()
JSON = {"Content-Type": "application/json", "Accept": "application/json"}
ACKNOWLEDGED: dict[str, int] = {}   # "token item" -> the highest version the server acknowledged


@events.quitting.add_listener
def write_acknowledged(**_arguments):
    if os.environ.get("BENCH_ACKNOWLEDGED"):
        with open(os.environ["BENCH_ACKNOWLEDGED"], "w") as handle:
            json.dump(ACKNOWLEDGED, handle)


class Candidate(FastHttpUser):
    wait_time = constant(3600)   # the one task runs the candidate's whole schedule
    connection_timeout = 30.0
    network_timeout = 30.0

    @task
    def sit(self):
        token, items = SITTINGS[next(NEXT_SITTING) % len(SITTINGS)]
        self.link, self.items = f"/s/{token}", items
        self.version = int(os.environ.get("BENCH_VERSION_BASE", "0"))
        gevent.sleep(random.uniform(0, ARRIVAL_WITHIN))
        self.page()
        timers = [gevent.spawn(self.every, CLOCK_EVERY, self.clock),
                  gevent.spawn(self.every, SAVE_EVERY, self.answer),
                  gevent.spawn(self.every, EVENT_EVERY, self.event, randomly=True),
                  gevent.spawn(self.every, RELOAD_EVERY, self.page, randomly=True)]
        try:
            gevent.joinall(timers)
        finally:
            gevent.killall(timers)

    def every(self, seconds, send, *, randomly=False):
        """Call `send` in a greenlet of its own on schedule (open loop), for ever."""
        while True:
            if randomly:
                pause = random.expovariate(1 / seconds)
            elif isinstance(seconds, tuple):
                pause = random.uniform(*seconds)
            else:
                pause = seconds
            gevent.sleep(pause)
            gevent.spawn(send)

    def page(self):
        self.client.get(self.link, name="page")

    def clock(self):
        with self.client.get(f"{self.link}/clock", name="clock", headers={"Accept": "application/json"},
                             catch_response=True) as response:
            if response.status_code == 503:
                response.failure("shed")

    def answer(self):
        position = random.randrange(len(self.items))
        self.client.post(f"{self.link}/position", name="position", headers=JSON,
                         data=json.dumps({"position": position}))
        gevent.sleep(random.uniform(2, 8))   # reading and answering the question
        self.version += 1
        item, version = self.items[position], self.version
        body = json.dumps({"item_id": int(item), "answer": {"option": "a"}, "version": version, "flagged": False})
        while True:
            with self.client.post(f"{self.link}/answers", name="save", headers=JSON, data=body,
                                  catch_response=True) as response:
                if response.status_code == 200:
                    key = f"{self.link.rsplit('/', 1)[1]} {item}"
                    ACKNOWLEDGED[key] = max(ACKNOWLEDGED.get(key, 0), version)
                    return
                response.failure("shed" if response.status_code == 503 else f"HTTP {response.status_code}")
            gevent.sleep(RESEND_EVERY)

    def event(self):
        self.client.post(f"{self.link}/events", name="events", headers=JSON, data=json.dumps({"kind": "copy_attempt"}))
