"""On PostgreSQL with 20,000 messages waiting: a lease walks the index of waiting messages in
its order and stops after the batch, instead of sorting every waiting message each time."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from portal.queue.service import lease_query
from tests.integration.test_worklist_explain import plan
from tests.support.cases import make_case

WAITING = 20_000


def test_a_lease_walks_the_waiting_messages_in_order(app, db_session):
    if db_session.get_bind().dialect.name != "postgresql":
        pytest.skip("EXPLAIN plans are PostgreSQL's")
    case = make_case(app, db_session)
    db_session.execute(sa.text(
        "INSERT INTO outbox_message (id, municipality_id, type, schema_version, case_id, "
        "payload, created_at, available_at, deliveries, last_error) "
        "SELECT md5(n::text)::uuid::text, :m, 'case.updated', 1, :c, '{}', "
        "now() - (n || ' seconds')::interval, now() - (n || ' seconds')::interval, 0, '' "
        "FROM generate_series(1, :count) AS n"),
        {"m": case.municipality_id, "c": case.id, "count": WAITING})
    db_session.execute(sa.text(
        "UPDATE outbox_message SET acked_at = now() WHERE municipality_id = :m "
        "AND created_at < now() - interval '3 hours'"), {"m": case.municipality_id})
    db_session.execute(sa.text("ANALYZE outbox_message"))
    text = plan(db_session, lease_query(case.municipality_id, 50))
    assert "ix_outbox_message_waiting" in text, text
    assert "Sort" not in text, text
    assert "Seq Scan" not in text, text
