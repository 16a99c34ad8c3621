"""The worker's task queue: claim due tasks, run each in its own transaction, retry with
exponential backoff and jitter, and park a task that keeps failing (admins see parked tasks).

Several workers may run against one PostgreSQL: a task is claimed with
``SELECT … FOR UPDATE SKIP LOCKED`` and a lock time, so no task runs twice at the same time.
SQLite has one writer at a time, which gives the same guarantee there.

The lock is short (``LOCK_TIME``, a minute), so that the tasks of a worker that crashed come
back to the others within a minute; a live worker renews the locks of the tasks it has
claimed and not yet run before it starts each one (``renew_locks``), so a batch that takes
longer than a minute is never taken from it. Each task is bounded well below the lock by the
timeouts of what it calls (SMTP 10 s, SMS 10 s, a receipt PDF well under a second).
"""

from __future__ import annotations

import logging
import random
from collections.abc import Callable
from datetime import timedelta

import sqlalchemy as sa
from flask import Flask
from sqlalchemy.orm import Session

from portal.clock import utcnow
from portal.db import get_db
from portal.memory import release_free_memory
from portal.queue.models import Task

log = logging.getLogger(__name__)
LOCK_TIME = timedelta(seconds=60)
MAX_ATTEMPTS = 8
BATCH = 10
Handler = Callable[[Session, dict], None]
# Task kinds that a capability registers for itself (in create_app), so that the queue does
# not need to know its callers.
_REGISTERED: dict[str, Handler] = {}


def register_handler(kind: str, handler: Handler) -> None:
    _REGISTERED[kind] = handler


def handlers() -> dict[str, Handler]:
    """Every task kind and the function that does it."""
    from portal.applications.receipts import make_receipt_pdf, send_receipt_email
    from portal.notifications.news import (
        send_case_news,
        send_consent_request,
        send_notification,
        send_representation_news,
    )

    return {"receipt_pdf": make_receipt_pdf, "receipt_email": send_receipt_email,
            "case_news": send_case_news, "representation_news": send_representation_news,
            "consent_request": send_consent_request, "notify": send_notification,
            **_REGISTERED}


def enqueue(session: Session, kind: str, municipality_id: int | None = None, **payload) -> Task:
    """Add a task to the caller's transaction: it exists only if the caller commits."""
    task = Task(kind=kind, payload=payload, municipality_id=municipality_id)
    session.add(task)
    return task


def backoff(attempts: int) -> timedelta:
    """30 s, 1 min, 2 min … capped at an hour, with up to 20 % jitter so retries spread out."""
    seconds = min(30 * 2 ** (attempts - 1), 3600)
    return timedelta(seconds=seconds * (1 + random.random() * 0.2))  # noqa: S311 - not crypto


def claim_due_tasks(session: Session, limit: int = BATCH) -> list[int]:
    now = utcnow()
    query = (
        sa.select(Task)
        .where(Task.done_at.is_(None), Task.parked_at.is_(None), Task.run_after <= now)
        .where(sa.or_(Task.locked_until.is_(None), Task.locked_until < now))
        .order_by(Task.run_after)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    tasks = list(session.scalars(query))
    for task in tasks:
        task.locked_until = now + LOCK_TIME
    return [task.id for task in tasks]


def run_task(app: Flask, task_id: int, registry: dict[str, Handler]) -> bool:
    """Run one claimed task in its own transaction; record success, retry or parking."""
    database = get_db(app)
    try:
        # Links in e-mails and PDFs are built as in a request to the public address.
        with app.test_request_context("/", base_url=app.config["PUBLIC_URL"]), \
                database.session_scope() as session:
            task = session.get(Task, task_id)
            registry[task.kind](session, task.payload)
            task.done_at = utcnow()
            task.locked_until = None
        return True
    except Exception as error:
        log.exception("Task %s failed", task_id)
        with database.session_scope() as session:
            _record_failure(session.get(Task, task_id), error)
        return False


def _record_failure(task: Task, error: Exception) -> None:
    task.attempts += 1
    task.locked_until = None
    task.last_error = f"{type(error).__name__}: {error}"[:500]
    if task.attempts >= MAX_ATTEMPTS:
        task.parked_at = utcnow()
    else:
        task.run_after = utcnow() + backoff(task.attempts)


def renew_locks(session: Session, task_ids: list[int]) -> None:
    """Keep the claimed, not yet finished tasks locked for another ``LOCK_TIME``."""
    session.execute(sa.update(Task).where(Task.id.in_(task_ids), Task.done_at.is_(None))
                    .values(locked_until=utcnow() + LOCK_TIME))


def run_due_tasks(app: Flask, registry: dict[str, Handler] | None = None) -> int:
    registry = registry if registry is not None else handlers()
    database = get_db(app)
    with database.session_scope() as session:
        claimed = claim_due_tasks(session)
    handled = 0
    for position, task_id in enumerate(claimed):
        if position:  # the first was locked by the claim just now
            with database.session_scope() as session:
                renew_locks(session, claimed[position:])
        handled += run_task(app, task_id, registry)
        release_free_memory()  # what a PDF freed, before the next one
    return handled


def parked_tasks(session: Session, municipality_id: int) -> list[Task]:
    query = sa.select(Task).where(Task.parked_at.is_not(None),
                                  Task.municipality_id == municipality_id)
    return list(session.scalars(query.order_by(Task.parked_at.desc())))


def retry_parked(session: Session, municipality_id: int, task_id: int) -> bool:
    """An admin sends a parked task back to the worker, with a fresh count of attempts."""
    task = session.get(Task, task_id)
    if task is None or task.municipality_id != municipality_id or task.parked_at is None:
        return False
    task.parked_at = None
    task.attempts = 0
    task.run_after = utcnow()
    return True
