"""The background worker: ``flask --app portal portal worker``.

It runs periodic jobs (each in its own transaction) until it gets SIGTERM or SIGINT. Work
that must not happen inside a web request (PDF receipts, e-mail, webhooks, expiring drafts,
retention)
is listed in ``all_jobs``; each job lives in the capability that owns it. A failing job is
logged and tried again on the next round; it never stops the other jobs.
"""

from __future__ import annotations

import logging
import signal
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from flask import Flask
from sqlalchemy.orm import Session

from portal.db import get_db
from portal.memory import freeze_long_lived, release_free_memory

log = logging.getLogger(__name__)
LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s %(message)s"


@dataclass(frozen=True)
class Job:
    name: str
    run: Callable[[Flask], int]  # returns how many items it handled
    every_seconds: float = 0.0  # 0: every round


def in_transaction(work: Callable[[Session], int]) -> Callable[[Flask], int]:
    """A job that does all its work in one transaction."""

    def run(app: Flask) -> int:
        with get_db(app).session_scope() as session:
            return work(session)

    return run


def all_jobs() -> list[Job]:
    """Every capability's background jobs, listed in one place."""
    from portal.cases.counts import compact as compact_case_counts
    from portal.drafts.service import delete_expired_drafts
    from portal.identity.saved_forms import delete_old_saved_forms
    from portal.queue.fiksio.receiving import receive_fiks_io
    from portal.queue.fiksio.sending import send_fiks_io
    from portal.queue.tasks import run_due_tasks
    from portal.queue.watch import send_digests
    from portal.queue.webhook import deliver_webhooks
    from portal.representation.service import expire_ended
    from portal.retention import apply_retention

    return [
        Job("tasks", run_due_tasks),
        Job("webhooks", deliver_webhooks),
        Job("fiks-io-send", send_fiks_io),
        Job("fiks-io-receive", receive_fiks_io),
        Job("delete-expired-drafts", in_transaction(delete_expired_drafts), every_seconds=600),
        Job("delete-old-saved-forms", in_transaction(delete_old_saved_forms), every_seconds=600),
        Job("expire-representations", in_transaction(expire_ended), every_seconds=600),
        Job("undelivered-digest", send_digests, every_seconds=600),
        Job("retention", apply_retention, every_seconds=3600),
        Job("compact-case-counts", in_transaction(compact_case_counts), every_seconds=60),
    ]


def run_round(app: Flask, jobs: list[Job], last_run: dict[str, float]) -> int:
    """Run every job that is due once; return how many items were handled in all."""
    handled = 0
    now = time.monotonic()
    for job in jobs:
        if now - last_run.get(job.name, float("-inf")) < job.every_seconds:
            continue
        last_run[job.name] = now
        try:
            with app.app_context():
                handled += job.run(app)
        except Exception:
            log.exception("Worker job %s failed; it runs again next round", job.name)
    return handled


def run_worker(
    app: Flask, *, once: bool = False, stop: threading.Event | None = None,
    jobs: list[Job] | None = None,
) -> None:
    stop = stop or threading.Event()
    jobs = all_jobs() if jobs is None else jobs
    if threading.current_thread() is threading.main_thread():
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, lambda *_: stop.set())
    last_run: dict[str, float] = {}
    log.info("Worker started with jobs: %s", ", ".join(job.name for job in jobs) or "none")
    while not stop.is_set():
        handled = run_round(app, jobs, last_run)
        if handled:
            release_free_memory()
        if once:
            break
        if handled == 0:  # idle: wait, but wake at once for a stop
            stop.wait(app.config["WORKER_POLL_SECONDS"])
    log.info("Worker stopped")


def serve(app: Flask, *, once: bool = False) -> None:
    """The worker as a service (``python -m portal.queue`` and ``flask … portal worker``):
    its log on standard error from INFO up, then :func:`run_worker` until stopped."""
    logging.basicConfig(level=logging.INFO, format=LOG_FORMAT)
    freeze_long_lived()
    run_worker(app, once=once)
