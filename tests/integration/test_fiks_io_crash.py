"""Killing the worker between sending and the receipt loses nothing and delivers nothing
twice: the real worker (``flask --app portal portal worker``) runs as a process of its own
against a database file, and is killed with SIGKILL at the worst moments."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from datetime import timedelta

import pytest
import sqlalchemy as sa

from portal.cases.models import Case, CaseEvent, CaseStatus
from portal.clock import utcnow
from portal.db import get_db
from portal.municipalities.service import get_by_slug
from portal.queue.fiksio.accounts import set_account
from portal.queue.fiksio.models import FiksIoSending
from portal.queue.models import OutboxMessage
from tests.conftest import make_app, prepare_database
from tests.integration.test_backoffice import apply_as_kari
from tests.support.fiksio import double as fake
from tests.support.fiksio.world import fiks_io_keys, make_world, rabbitmq

__all__ = ["fiks_io_keys", "rabbitmq"]


def worker_environment(url: str, world, folder) -> dict:
    settings = world.settings
    return {**os.environ, "PORTAL_ENV": "test", "PORTAL_DATABASE_URL": url,
            "PORTAL_FIKSIO_API_URL": settings["FIKSIO_API_URL"],
            "PORTAL_FIKSIO_AMQP_URL": settings["FIKSIO_AMQP_URL"],
            "PORTAL_MASKINPORTEN_TOKEN_URL": settings["MASKINPORTEN_TOKEN_URL"],
            "PORTAL_MASKINPORTEN_AUDIENCE": settings["MASKINPORTEN_AUDIENCE"],
            "PORTAL_FIKSIO_TTL_SECONDS": "3600", "PORTAL_WORKER_POLL_SECONDS": "1",
            "PORTAL_MAIL_DIRECTORY": str(folder / "mail")}


def start_worker(environment: dict) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "flask", "--app", "portal", "portal",
                             "worker"], env=environment, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)


def wait_until(condition, seconds: float = 60.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.2)


@pytest.fixture
def world(rabbitmq, fiks_io_keys, tmp_path):
    url = f"sqlite:///{tmp_path / 'worker.db'}"
    prepare_database(url).dispose()
    world, (server, thread) = make_world(tmp_path, fiks_io_keys)
    app = make_app(url, **world.settings)
    with app.app_context(), get_db(app).session_scope() as session:
        set_account(session, get_by_slug(session, "eksempel").id, world.secrets)
    world.app, world.url = app, url
    yield world
    if world.double.hold_answer is not None:
        world.double.hold_answer.set()
    server.shutdown()
    thread.join(timeout=5)
    fake.delete_queues(world.double)
    get_db(app).engine.dispose()


def query(app, statement):
    with get_db(app).session_scope() as session:
        return session.execute(statement).all()


def the_message(app) -> OutboxMessage:
    with get_db(app).session_scope() as session:
        return session.scalars(sa.select(OutboxMessage)).one()


@pytest.mark.parametrize("moment", ["after Fiks IO took it, before it was recorded",
                                    "after it was recorded, before the receipt"])
def test_killing_the_worker_between_send_and_receipt_neither_loses_nor_doubles(
        world, tmp_path, moment):
    app, double, office = world.app, world.double, world.back_office
    environment = worker_environment(world.url, world, tmp_path)
    reference = apply_as_kari(app)
    recorded_first = moment.startswith("after it was recorded")
    if not recorded_first:
        double.hold_answer = threading.Event()  # Fiks IO has it; its answer never arrives

    worker = start_worker(environment)
    try:
        if recorded_first:
            wait_until(lambda: query(app, sa.select(FiksIoSending.melding_id)), 90)
        else:
            assert double.accepted.wait(90), "the worker sent nothing"
    finally:
        worker.send_signal(signal.SIGKILL)
        worker.wait(timeout=10)
    if double.hold_answer is not None:
        double.hold_answer.set()
        double.hold_answer = None
    message = the_message(app)
    assert message.acked_at is None
    assert bool(query(app, sa.select(FiksIoSending.melding_id))) == recorded_first
    if not recorded_first:  # as if the sending lease had run out meanwhile
        with get_db(app).session_scope() as session:
            session.get(OutboxMessage, message.id).lease_expires_at = utcnow() - timedelta(
                seconds=1)

    office.take_all()  # the first copy: stored, answered «mottatt», acked
    worker = start_worker(environment)
    try:
        wait_until(lambda: the_message(app).acked_at is not None)
        time.sleep(2)  # a resend, if there is one, has gone by now
        office.take_all()
        time.sleep(2)  # and its receipt has come back
    finally:
        worker.send_signal(signal.SIGTERM)
        worker.wait(timeout=20)

    message = the_message(app)
    assert list(office.stored) == [message.id]  # the back office has it once
    assert {d.client_message_id for d in office.deliveries} == {message.id}
    assert len(office.deliveries) == (1 if recorded_first else 2)
    [(status,)] = query(app, sa.select(Case.status).where(Case.reference == reference))
    assert status == CaseStatus.RECEIVED
    received = query(app, sa.select(CaseEvent.id).join(Case).where(
        Case.reference == reference, CaseEvent.type == "received"))
    assert len(received) == 1
