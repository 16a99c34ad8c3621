"""PostgreSQL connections from the pool: checked before use, in the round trip that begins
the transaction (portal.db, ``_begin_on_checkout``)."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from psycopg import pq

from portal.db import create_db_engine


@pytest.fixture
def pool_engine(engine: sa.Engine) -> Iterator[sa.Engine]:
    """An engine of the portal's own making, with its pool (the tests' apps share one
    connection instead), on the migrated test database."""
    if engine.dialect.name != "postgresql":
        pytest.skip("a PostgreSQL pool's connections")
    engine = create_db_engine(engine.url.render_as_string(hide_password=False))
    yield engine
    engine.dispose()


def sent_to_the_server(engine: sa.Engine, work) -> list[str]:
    """What psycopg sends while ``work`` runs on the pool's connection, from the checkout
    on (libpq's trace, started while the connection waits in the pool): each simple query
    or extended-protocol Sync is a round trip."""
    with engine.connect() as connection:  # in the pool after this, no longer fresh
        pooled = connection.connection.dbapi_connection
    with tempfile.TemporaryFile() as trace:
        pooled.pgconn.trace(trace.fileno())
        pooled.pgconn.set_trace_flags(pq.Trace.SUPPRESS_TIMESTAMPS)
        with engine.connect() as connection:
            assert connection.connection.dbapi_connection is pooled
            work(connection)
            connection.commit()
            pooled.pgconn.untrace()
        trace.seek(0)
        lines = trace.read().decode().splitlines()
    return [line.split("\t")[3].strip() for line in lines
            if line.startswith("F\t") and line.split("\t")[2] in ("Query", "Sync")]


def backend_pid(connection: sa.Connection) -> int:
    return connection.scalar(sa.text("SELECT pg_backend_pid()"))


def test_a_pooled_connection_is_checked_by_the_begin_of_its_transaction(pool_engine):
    sent = sent_to_the_server(pool_engine, lambda c: c.execute(sa.text("SELECT 1")))
    assert sent == ['"BEGIN"', '"SELECT 1"', '"COMMIT"']  # no ping of its own before BEGIN


def test_a_connection_the_database_closed_is_replaced_before_it_is_used(engine, pool_engine):
    with pool_engine.connect() as connection:
        closed = backend_pid(connection)
    with engine.connect() as other:  # as when the database restarts, or an admin ends it
        assert other.scalar(sa.text("SELECT pg_terminate_backend(:pid)"), {"pid": closed})
    with pool_engine.connect() as connection:  # the request would have failed with it
        assert backend_pid(connection) != closed


def test_a_transaction_of_another_isolation_level_is_still_possible(pool_engine):
    with pool_engine.connect().execution_options(isolation_level="SERIALIZABLE") as connection:
        assert connection.scalar(sa.text("SHOW transaction_isolation")) == "serializable"
    with pool_engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(sa.text("VACUUM ANALYZE municipality"))  # refused in a transaction
    with pool_engine.connect() as connection:
        assert connection.scalar(sa.text("SHOW transaction_isolation")) == "read committed"
