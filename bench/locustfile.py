"""Locust: virtual citizens who each log in with TestID, fill in and send one application.

They log in on the TestID server (development profile: production refuses TestID), then,
when BENCH_PRODUCTION_URL is set, fill in and send the application on the production
server, with the session cookie under production's name: the final POST is timed as shipped.

Run by bench/submit.py (``locust -f bench/locustfile.py --headless …``); it reads
BENCH_CITIZENS (how many, one each), BENCH_RUN (a name that makes the test people unique) and
writes what happened to BENCH_LOCUST_OUT as JSON when the last citizen is done.
BENCH_THINK_SECONDS ("0.5,1.5") makes each citizen pause a random time in that range before every
request, as a person reading the page and typing would ("0,0": no pause, so
each virtual citizen is a load generator of its own).
"""

from __future__ import annotations

import json
import os
import random
import threading

import gevent
from locust import HttpUser, constant, events, task
from locust.exception import StopUser

from bench.citizen import Page, apply, log_in, synthetic_nin

CITIZENS = int(os.environ.get("BENCH_CITIZENS", "20"))
RUN = os.environ.get("BENCH_RUN", "bench")
OUT = os.environ.get("BENCH_LOCUST_OUT", "locust-result.json")
FIRST_NUMBER = int(os.environ.get("BENCH_FIRST_CITIZEN", "1000"))
PRODUCTION = os.environ.get("BENCH_PRODUCTION_URL", "")
PRODUCTION_COOKIE = "__Host-portal_session"  # portal/config.py, the production profile
THINK = tuple(float(s) for s in os.environ.get("BENCH_THINK_SECONDS", "0,0").split(","))

_lock = threading.Lock()
_numbers = iter(range(FIRST_NUMBER, FIRST_NUMBER + CITIZENS))
_done: list[dict] = []
_failures: list[str] = []
_environment = None  # locust's Environment, set at init


class LocustBrowser:
    """Locust's client as a bench.citizen Browser; every request is named for the stats."""

    def __init__(self, client) -> None:
        self.client = client
        self.paused = False  # the pause before the next request is already over

    def think(self) -> None:
        """The citizen's pause before a request. bench.citizen calls it before it starts a
        timer (``pause``), so that no pause is ever inside a timed request."""
        if not self.paused:
            shortest, longest = THINK
            if longest > 0:
                gevent.sleep(random.uniform(shortest, longest))  # noqa: S311 - not security
        self.paused = False

    def pause(self) -> None:
        self.think()
        self.paused = True

    def get(self, path: str, name: str | None = None) -> Page:
        self.think()
        response = self.client.get(path, name=name or path, allow_redirects=False)
        return Page(response.status_code, response.text, response.headers.get("Location", ""))

    def post(self, path: str, data: dict, name: str | None = None) -> Page:
        self.think()
        response = self.client.post(path, data=data, name=f"POST {name or path}",
                                    allow_redirects=False)
        return Page(response.status_code, response.text, response.headers.get("Location", ""))


class ProductionBrowser(LocustBrowser):
    """The same client against the production server, carrying the TestID session in the
    cookie production reads (a Secure cookie, which the client would not send over HTTP)."""

    def __init__(self, client, base_url: str, session_value: str) -> None:
        super().__init__(client)
        self.base_url = base_url.rstrip("/")
        self.session_value = session_value

    def _send(self, method: str, path: str, name: str, **kwargs) -> Page:
        self.think()
        response = self.client.request(
            method, self.base_url + path, name=name, allow_redirects=False,
            headers={"Cookie": f"{PRODUCTION_COOKIE}={self.session_value}"}, **kwargs)
        self.session_value = response.cookies.get(PRODUCTION_COOKIE) or self.session_value
        return Page(response.status_code, response.text, response.headers.get("Location", ""))

    def get(self, path: str, name: str | None = None) -> Page:
        return self._send("GET", path, name or path)

    def post(self, path: str, data: dict, name: str | None = None) -> Page:
        return self._send("POST", path, f"POST {name or path}", data=data)


class Citizen(HttpUser):
    wait_time = constant(0)

    @task
    def apply_once(self) -> None:
        with _lock:
            number = next(_numbers, None)
        if number is None:
            raise StopUser()
        name = f"{RUN} citizen {number}"
        browser = LocustBrowser(self.client)
        try:
            log_in(browser, synthetic_nin(number), name)
            if PRODUCTION:
                browser = ProductionBrowser(self.client, PRODUCTION,
                                            self.client.cookies.get("portal_session"))
            application = apply(browser)
            _record({"name": name, "reference": application.reference,
                     "submit_started": application.submit_started,
                     "submit_seconds": application.submit_seconds})
        except Exception as error:  # the bench reports it; locust must not retry the citizen
            _record(None, f"{name}: {type(error).__name__}: {error}")
        raise StopUser()


def _record(result: dict | None, failure: str = "") -> None:
    with _lock:
        if result is not None:
            _done.append(result)
        if failure:
            _failures.append(failure)
        finished = len(_done) + len(_failures) >= CITIZENS
    if finished:
        _write()
        if _environment is not None and _environment.runner is not None:
            gevent.spawn(_environment.runner.quit)  # not from inside the user's own greenlet


def _write() -> None:
    with open(OUT, "w", encoding="utf-8") as out:
        json.dump({"citizens": _done, "failures": _failures}, out)


@events.init.add_listener
def _remember_environment(environment, **_kwargs) -> None:
    global _environment  # locust hands the environment over only here
    _environment = environment


@events.quitting.add_listener
def _write_on_quit(environment, **_kwargs) -> None:
    with _lock:
        _write()
    stats = environment.stats
    errors = {f"{e.method} {e.name}": e.occurrences for e in stats.errors.values()}
    with open(OUT + ".stats", "w", encoding="utf-8") as out:
        json.dump({"requests": stats.total.num_requests, "failures": stats.total.num_failures,
                   "errors": errors}, out)
