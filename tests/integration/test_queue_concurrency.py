"""On PostgreSQL: four consumers lease 2,000 messages between them through the API.

Committed for real (parallel transactions are the point); cleaned up afterwards.
"""

from __future__ import annotations

import threading
import time
from collections import Counter

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from portal.api.clients import create_client
from portal.api.models import ApiClient
from portal.cases.models import Case
from portal.db import get_db
from portal.identity.models import Person
from portal.municipalities.service import get_by_slug
from portal.queue.models import OutboxMessage
from portal.queue.service import MAX_DELIVERIES
from tests.conftest import make_app

MESSAGES = 2000
CONSUMERS = 4


@pytest.fixture
def postgres_queue(database_url, engine):
    if engine.dialect.name != "postgresql":
        pytest.skip("concurrent consumers need PostgreSQL (SKIP LOCKED)")
    app = make_app(database_url)
    with Session(engine) as setup:
        municipality = get_by_slug(setup, "eksempel")
        person = setup.scalars(sa.select(Person)).first()
        case = Case(municipality_id=municipality.id, reference="IP-2026-LOAD-T1", kind="load",
                    subject_person_id=person.id)
        setup.add(case)
        setup.flush()
        client, token = create_client(setup, municipality_id=municipality.id, name="load",
                                      scopes=["queue"])
        setup.add_all(OutboxMessage(municipality_id=municipality.id, type="load.test",
                                    schema_version=1, case_id=case.id, payload={"n": n})
                      for n in range(MESSAGES))
        setup.commit()
        case_id, client_id = case.id, client.id
    yield app, token, case_id
    with engine.begin() as connection:
        connection.execute(sa.delete(OutboxMessage).where(OutboxMessage.case_id == case_id))
        connection.execute(sa.delete(Case).where(Case.id == case_id))
        connection.execute(sa.delete(ApiClient).where(ApiClient.id == client_id))
    get_db(app).engine.dispose()


def consume(app, token: str, leased: list, acked: Counter, lock: threading.Lock) -> None:
    client = app.test_client()
    headers = {"Authorization": f"Bearer {token}"}
    while True:
        body = client.post("/api/v1/queue/lease", json={"max_messages": 50, "lease_seconds": 300},
                           headers=headers).get_json()
        mine = [m["id"] for m in body["messages"] if m["type"] == "load.test"]
        if not body["messages"]:
            return
        with lock:
            leased.extend(mine)
        for message_id in mine:
            if client.post(f"/api/v1/queue/{message_id}/ack", headers=headers).status_code == 200:
                with lock:
                    acked[message_id] += 1


def test_four_consumers_share_2000_messages_without_overlap(postgres_queue, engine):
    app, token, case_id = postgres_queue
    leased: list[str] = []
    acked: Counter = Counter()
    lock = threading.Lock()
    consumers = [threading.Thread(target=consume, args=(app, token, leased, acked, lock))
                 for _ in range(CONSUMERS)]
    for consumer in consumers:
        consumer.start()
    for consumer in consumers:
        consumer.join(timeout=300)
    assert len(leased) == MESSAGES  # no message was held by two leases
    assert len(set(leased)) == MESSAGES
    assert set(acked.values()) == {1}
    assert len(acked) == MESSAGES
    with engine.connect() as connection:
        unacked = connection.scalar(sa.select(sa.func.count()).select_from(OutboxMessage).where(
            OutboxMessage.case_id == case_id, OutboxMessage.acked_at.is_(None)))
    assert unacked == 0


def test_a_consumer_that_dies_gets_its_messages_again_after_the_lease(postgres_queue):
    app, token, _ = postgres_queue
    client = app.test_client()
    headers = {"Authorization": f"Bearer {token}"}
    first = client.post("/api/v1/queue/lease", json={"max_messages": 5, "lease_seconds": 10},
                        headers=headers).get_json()["messages"]
    hidden = client.post("/api/v1/queue/lease", json={"max_messages": 100},
                         headers=headers).get_json()["messages"]
    assert {m["id"] for m in first}.isdisjoint(m["id"] for m in hidden)
    time.sleep(10.5)  # the first consumer died without acknowledging
    again = client.post("/api/v1/queue/lease", json={"max_messages": 5},
                        headers=headers).get_json()["messages"]
    assert {m["id"] for m in again} == {m["id"] for m in first}
    assert {m["deliveries"] for m in again} == {2}


def test_a_poison_message_ends_in_the_dead_letter_state(postgres_queue, engine):
    app, token, _ = postgres_queue
    client = app.test_client()
    headers = {"Authorization": f"Bearer {token}"}
    message_id = None
    for _ in range(MAX_DELIVERIES):
        [message] = client.post("/api/v1/queue/lease", json={"max_messages": 1},
                                headers=headers).get_json()["messages"]
        message_id = message_id or message["id"]
        assert message["id"] == message_id  # the oldest comes back each time
        client.post(f"/api/v1/queue/{message_id}/release", json={"reason": "cannot parse"},
                    headers=headers)
    with engine.connect() as connection:
        dead = connection.scalar(sa.select(OutboxMessage.dead_lettered_at).where(
            OutboxMessage.id == message_id))
    assert dead is not None


def test_batch_acks_of_the_same_messages_at_once_neither_deadlock_nor_ack_twice(
        postgres_queue, engine):
    """Three acknowledgements of overlapping batches, in opposite orders, at the same moment:
    each is answered 200 with all of its messages (no deadlock, no 500), and every message is
    acknowledged."""
    app, token, case_id = postgres_queue
    headers = {"Authorization": f"Bearer {token}"}
    with engine.connect() as connection:
        ids = sorted(connection.scalars(sa.select(OutboxMessage.id).where(
            OutboxMessage.case_id == case_id).limit(400)))
    answers: list = []

    def ack(batch: list[str]) -> None:
        answer = app.test_client().post("/api/v1/queue/ack", json={"message_ids": batch},
                                        headers=headers)
        answers.append((answer.status_code, sorted(answer.get_json()["acknowledged"]),
                        sorted(batch)))

    for first in range(0, 400, 100):
        batch = ids[first:first + 100]
        threads = [threading.Thread(target=ack, args=(order,))
                   for order in (batch, batch[::-1], batch[50:])]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
    assert len(answers) == 12
    assert {status for status, _, _ in answers} == {200}
    assert all(acknowledged == batch for _, acknowledged, batch in answers)
    with engine.connect() as connection:
        acked = connection.execute(sa.select(OutboxMessage.id, OutboxMessage.acked_at).where(
            OutboxMessage.id.in_(ids))).all()
    assert all(acked_at is not None for _, acked_at in acked)
