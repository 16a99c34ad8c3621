"""The back-office queue asks the database a fixed number of times per call, whatever the
batch: an N+1 (a query or a write per message) that comes back fails here, not only in
make bench. Counted are the statements sent, an executemany as one per row."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa
import time_machine
from sqlalchemy.engine.interfaces import ExecuteStyle

from portal.api.models import ApiClient
from portal.applications.receipts import store_receipt
from portal.audit.models import AuditEvent
from portal.cases.models import Case, CaseEvent, CaseStatus, Submission
from portal.clock import utcnow
from tests.integration.test_api import ack_batch, auth, lease
from tests.integration.test_api_receipts import receipts
from tests.support.apply import fill_application, send
from tests.support.flows import log_in_with_testid


class Statements:
    def __init__(self, engine: sa.Engine) -> None:
        self.engine, self.sent = engine, []

    def __enter__(self) -> list[str]:
        sa.event.listen(self.engine, "before_cursor_execute", self.remember)
        return self.sent

    def __exit__(self, *_exc) -> None:
        sa.event.remove(self.engine, "before_cursor_execute", self.remember)

    def remember(self, _conn, _cursor, statement, parameters, context, _executemany) -> None:
        # An executemany is one statement per row on the wire (psycopg pipelines them);
        # insertmanyvalues is one INSERT … VALUES (…), (…) per batch.
        one_per_row = context is not None and context.execute_style is ExecuteStyle.EXECUTEMANY
        self.sent.extend([statement] * (len(parameters) if one_per_row else 1))


def test_a_lease_and_its_batch_ack_make_as_many_statements_for_five_messages_as_for_one(
        client, db_session, token, engine):
    log_in_with_testid(client, "kari")
    lease(client, token)  # the client's «last used» is written on the first call only
    one = lease_and_ack_statements(client, token, engine, 1)
    assert len(lease_and_ack_statements(client, token, engine, 5)) == len(one)


def lease_and_ack_statements(client, token, engine, count: int) -> list[str]:
    """The statements of a lease of ``count`` new submissions and its batch ack."""
    for _ in range(count):
        send(client, fill_application(client))
    with Statements(engine) as sent:
        messages = lease(client, token, max_messages=count).get_json()["messages"]
        ids = [message["id"] for message in messages]
        assert ack_batch(client, token, ids).get_json()["acknowledged"] == ids
    assert len(ids) == count
    return sent


def test_on_postgresql_the_statements_of_a_batch_are_the_same_texts_for_five_as_for_one(
        client, db_session, token, engine):
    """A batch goes as arrays (portal.db.among, the events unnested, the audit rows through
    audit_append), never as a placeholder per message: psycopg parses a statement of more
    than 50 parameters anew at every call, and SQLAlchemy writes each placeholder first."""
    if engine.dialect.name != "postgresql":
        pytest.skip("SQLite takes a batch as IN (…), one parameter a message")
    log_in_with_testid(client, "kari")
    lease(client, token)  # the client's «last used» is written on the first call only

    def statements_for(count: int) -> list[str]:
        return [statement for statement in lease_and_ack_statements(client, token, engine, count)
                if "SAVEPOINT" not in statement]

    one, five = statements_for(1), statements_for(5)
    assert five == one
    assert any("= ANY (" in statement for statement in one)


def test_a_batch_ack_of_many_marks_each_case_received_with_its_event_and_audit_record(
        client, db_session, token):
    log_in_with_testid(client, "kari")
    for _ in range(3):
        send(client, fill_application(client))
    messages = lease(client, token, max_messages=10).get_json()["messages"]
    references = {message["case_reference"] for message in messages}
    assert ack_batch(client, token, [m["id"] for m in messages]).status_code == 200
    db_session.expire_all()
    cases = db_session.scalars(sa.select(Case).where(Case.reference.in_(references))).all()
    assert {case.status for case in cases} == {CaseStatus.RECEIVED}
    for case in cases:
        assert [e.type for e in case.events].count("received") == 1
    targets = [f"case:{message['case_reference']}" for message in messages]

    def audited(action: str) -> list[str]:
        return sorted(db_session.scalars(sa.select(AuditEvent.target).where(
            AuditEvent.action == action, AuditEvent.target.in_(targets))))

    assert audited("case.received") == sorted(targets)
    assert audited("queue.leased") == sorted(targets)
    events = db_session.scalar(sa.select(sa.func.count()).select_from(CaseEvent).where(
        CaseEvent.type == "received"))
    assert ack_batch(client, token, [m["id"] for m in messages]).status_code == 200  # again
    assert db_session.scalar(sa.select(sa.func.count()).select_from(CaseEvent).where(
        CaseEvent.type == "received")) == events


def test_a_client_s_last_use_is_written_at_most_once_a_minute(client, db_session, token):
    """Written on every call, it locked the client's row until each call's commit: the
    client's consumers took turns however many there were."""
    def last_used():
        db_session.expire_all()
        return db_session.scalars(sa.select(ApiClient.last_used_at)).one()

    lease(client, token)
    first = last_used()
    assert first is not None
    lease(client, token)
    assert last_used() == first
    with time_machine.travel(utcnow() + timedelta(minutes=2)):
        lease(client, token)
    assert last_used() > first


def sent_receipts(app, client, db_session, count: int) -> list[int]:
    for _ in range(count):
        send(client, fill_application(client))
    ids = list(db_session.scalars(sa.select(Submission.id).order_by(Submission.id.desc())
                                  .limit(count)))
    with app.app_context():
        for submission_id in ids:
            store_receipt(db_session, submission_id, b"%PDF-1.7 receipt")
        db_session.commit()
    return ids


def not_audit(sent: list[str]) -> list[str]:
    """The statements of the request itself: no savepoint, nothing of the audit chain."""
    return [s for s in sent if "audit_event" not in s and "pg_advisory" not in s
            and "SAVEPOINT" not in s]


def test_the_receipts_of_a_batch_take_as_many_statements_for_five_as_for_one(
        app, client, db_session, token, engine):
    log_in_with_testid(client, "kari")
    lease(client, token)  # the client's «last used» is written on the first call only

    def statements_for(count: int) -> int:
        ids = sent_receipts(app, client, db_session, count)
        with Statements(engine) as sent:
            body = receipts(client, token, ids).get_json()
        assert len(body["receipts"]) == count
        return len(sent)

    assert statements_for(5) == statements_for(1)


def test_a_receipt_download_reads_its_submission_case_and_receipt_in_one_query(
        app, client, db_session, token, engine):
    """Three queries before (submission, receipt, case); with the token's, two."""
    log_in_with_testid(client, "kari")
    lease(client, token)
    [submission_id] = sent_receipts(app, client, db_session, 1)
    with Statements(engine) as sent:
        answer = client.get(f"/api/v1/submissions/{submission_id}/receipt.pdf",
                            headers=auth(token))
    assert answer.data == b"%PDF-1.7 receipt"
    assert len(not_audit(sent)) == 2
    assert "api_client" in not_audit(sent)[0]


def test_a_batch_ack_locks_and_acknowledges_its_messages_in_one_statement_on_postgresql(
        client, db_session, token, engine):
    """A SELECT … FOR UPDATE and an UPDATE before; one data-modifying WITH now. A message
    acknowledged already is found, and not acknowledged again."""
    if engine.dialect.name != "postgresql":
        pytest.skip("SQLite takes the SELECT and the UPDATE (it has no FOR UPDATE)")
    log_in_with_testid(client, "kari")
    for _ in range(2):
        send(client, fill_application(client))
    ids = [m["id"] for m in lease(client, token, max_messages=10).get_json()["messages"]]
    assert ack_batch(client, token, ids[:1]).get_json()["acknowledged"] == ids[:1]
    with Statements(engine) as sent:
        answer = ack_batch(client, token, ids).get_json()
    assert answer == {"acknowledged": ids, "not_found": []}
    outbox = [s for s in sent if "outbox_message" in s]
    assert len(outbox) == 1
    assert "FOR UPDATE" in outbox[0]
    assert "UPDATE outbox_message SET" in outbox[0]
    db_session.expire_all()
    events = db_session.scalars(sa.select(CaseEvent.case_id).where(
        CaseEvent.type == "received")).all()
    assert len(events) == len(set(events))  # each case received once
