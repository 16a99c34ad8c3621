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


def test_the_worker_gives_freed_memory_back_after_a_round_that_did_work(worker_app,
                                                                        monkeypatch):
    from portal.queue import worker

    released = []
    monkeypatch.setattr(worker, "release_free_memory", lambda: released.append(1) or True)
    run_worker(worker_app, once=True, jobs=[Job("work", lambda app: 3)])
    run_worker(worker_app, once=True, jobs=[Job("idle", lambda app: 0)])
    assert released == [1]


def test_releasing_free_memory_asks_glibc_where_there_is_one():
    import platform

    from portal.memory import release_free_memory

    assert release_free_memory() is (platform.libc_ver()[0] == "glibc")


def test_releasing_free_memory_collects_the_cycles_a_task_left():
    """WeasyPrint leaves reference cycles; collected after each task, not some tasks later."""
    import gc
    import weakref

    from portal.memory import release_free_memory

    class Box:
        pass

    was_enabled = gc.isenabled()
    gc.disable()  # as if the task made too few objects for a collection of its own
    try:
        cycle = Box()
        cycle.itself = cycle
        alive = weakref.ref(cycle)
        del cycle
        assert alive() is not None
        release_free_memory()
        assert alive() is None
    finally:
        if was_enabled:
            gc.enable()


def test_the_worker_sets_aside_what_it_made_before_its_first_task(worker_app, monkeypatch):
    """Frozen, the imports and the app are not passed over by each task's collection."""
    import gc

    from portal.queue import worker

    frozen_at_start = []
    monkeypatch.setattr(worker, "run_worker",
                        lambda app, once: frozen_at_start.append(gc.get_freeze_count()))
    try:
        worker.serve(worker_app, once=True)
    finally:
        gc.unfreeze()
    assert frozen_at_start[0] > 0


def test_the_worker_does_not_import_what_only_web_requests_need():
    """The worker's app and its jobs and task handlers, with ID-porten configured as in
    production, leave out Authlib and requests (the login), jsonschema (validating a payload
    at submission) and httpx's command-line client (rich, pygments): about 13 MB of resident
    memory (make bench, «memory: worker RSS after 1,000 PDFs»)."""
    import os
    import subprocess
    import sys

    code = ("import sys; from portal import create_app; app = create_app()\n"
            "from portal.queue.worker import all_jobs; from portal.queue.tasks import handlers\n"
            "all_jobs(); handlers()\n"
            "print(sorted(m for m in ('authlib', 'requests', 'jsonschema', 'rich', 'pygments')\n"
            "          if m in sys.modules))")
    environ = {**os.environ, "PORTAL_ENV": "development",
               "PORTAL_IDPORTEN_DISCOVERY_URL": "https://idporten.invalid/.well-known/x",
               "PORTAL_IDPORTEN_CLIENT_ID": "portal", "PORTAL_IDPORTEN_CLIENT_SECRET": "s"}
    result = subprocess.run([sys.executable, "-c", code],  # noqa: S603 - our own code
                            capture_output=True, text=True, check=True, env=environ)
    assert result.stdout.strip().splitlines()[-1] == "[]"


def test_freed_memory_goes_back_after_each_task(worker_app, monkeypatch):
    from portal.queue import tasks

    released = []
    monkeypatch.setattr(tasks, "release_free_memory", lambda: released.append(1) or True)
    monkeypatch.setattr(tasks, "claim_due_tasks", lambda session: [1, 2, 3])
    monkeypatch.setattr(tasks, "renew_locks", lambda session, ids: None)
    monkeypatch.setattr(tasks, "run_task", lambda app, task_id, registry: True)
    assert tasks.run_due_tasks(worker_app, registry={}) == 3
    assert released == [1, 1, 1]


def test_httpx_works_without_its_command_line_client():
    import httpx

    import portal  # noqa: F401 - marks httpx._main as absent

    transport = httpx.MockTransport(lambda request: httpx.Response(204))
    assert httpx.Client(transport=transport).get("https://example.invalid/").status_code == 204
