import logging
import threading

import pytest

from portal.queue.worker import Job, run_round, run_worker


@pytest.fixture
def worker_app(tmp_path):
    from portal import create_app

    return create_app({"DATABASE_URL": f"sqlite:///{tmp_path / 'w.db'}",
                       "WORKER_POLL_SECONDS": 0}, environ={"PORTAL_ENV": "test"})


def test_a_round_runs_every_job_and_adds_up_what_they_handled(worker_app):
    jobs = [Job("a", lambda app: 2), Job("b", lambda app: 3)]
    assert run_round(worker_app, jobs, {}) == 5


def test_a_failing_job_is_logged_and_does_not_stop_the_others(worker_app, caplog):
    def broken(app):
        raise RuntimeError("boom")

    jobs = [Job("broken", broken), Job("fine", lambda app: 1)]
    with caplog.at_level(logging.ERROR):
        assert run_round(worker_app, jobs, {}) == 1
    assert "Worker job broken failed" in caplog.text


def test_a_job_with_an_interval_waits_for_it(worker_app):
    calls = []
    jobs = [Job("slow", lambda app: calls.append(1) or 1, every_seconds=3600)]
    last_run: dict[str, float] = {}
    run_round(worker_app, jobs, last_run)
    run_round(worker_app, jobs, last_run)
    assert calls == [1]


def test_worker_stops_when_asked(worker_app):
    stop = threading.Event()
    thread = threading.Thread(target=run_worker, args=(worker_app,), kwargs={"stop": stop})
    thread.start()
    stop.set()
    thread.join(timeout=5)
    assert not thread.is_alive()
