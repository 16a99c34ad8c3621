"""The database: a declarative base, one engine per app and one session per request.

Services take a session and only flush. The request's single commit point is
``commit_request_session`` (an ``after_request`` hook): the session commits when the view
returned a response below 400 and rolls back otherwise, so a view never commits half a change.
What must be stored whatever the response (an audit record of a read: the person's right to
know who has read their case does not depend on a request ending well) is handed to
``keep_on_rollback``, and written again in a transaction of its own after the rollback.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

import psycopg
import sqlalchemy as sa
from flask import Flask, Response, current_app, g, has_request_context
from psycopg import pq
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, sessionmaker

from portal.clock import utcnow

# Named constraints make Alembic migrations reproducible on SQLite and PostgreSQL alike.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {datetime: sa.DateTime(timezone=True)}


def as_utc(moment: datetime) -> datetime:
    """SQLite returns naive datetimes; every datetime we store is UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def among(session: Session, column: sa.ColumnElement, values) -> sa.ColumnElement[bool]:
    """``column IN values``, as the session's database takes a batch best: on PostgreSQL
    ``column = ANY(array)``, one parameter whatever the batch, where ``IN`` gives one for each
    value. A statement of more than 50 parameters is parsed anew by psycopg at every call (it
    caches only smaller ones), and SQLAlchemy writes each value's placeholder into the text
    first: a batch of 100 spent more on that than on its rows (make bench, «queue»)."""
    values = list(values)
    if session.get_bind().dialect.name == "postgresql":
        return column == sa.any_(sa.bindparam(None, values,
                                              type_=postgresql.ARRAY(column.type)))
    return column.in_(values)


def rows_in_binary(session: Session, statement: sa.Select) -> list:
    """The rows of ``statement``, on PostgreSQL fetched in binary format: a large bytea
    column (a batch of receipt PDFs) comes back as its bytes, where the text format has
    PostgreSQL write it as hex and psycopg read the hex back, twice the size and most of the
    call's time (make bench, «queue»: a hundred receipts took 15 ms, 6 ms in binary). Rows
    are tuples with the statement's column names as attributes; SQLite runs it as usual.
    The statement goes through psycopg's own cursor (SQLAlchemy's has no binary format), so
    SQLAlchemy's cursor events do not see it; it runs in the session's transaction."""
    connection = session.connection()
    if connection.dialect.name != "postgresql":
        return list(session.execute(statement))
    compiled = statement.compile(dialect=connection.dialect,
                                 compile_kwargs={"render_postcompile": True})
    driver = connection.connection.driver_connection
    with driver.cursor(binary=True, row_factory=psycopg.rows.namedtuple_row) as cursor:
        cursor.execute(str(compiled), compiled.params)
        return cursor.fetchall()


class TimestampMixin:
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


def create_db_engine(url: str) -> sa.Engine:
    if url.startswith("sqlite"):
        engine = sa.create_engine(url, connect_args={"timeout": 15})
        _make_sqlite_transactional(engine)
        return engine
    engine = sa.create_engine(url)
    _begin_on_checkout(engine)
    return engine


# What may not change once a transaction has begun (psycopg refuses to while in one).
TRANSACTION_OPTIONS = frozenset({"isolation_level", "postgresql_readonly",
                                 "postgresql_deferrable"})


def _begin_on_checkout(engine: sa.Engine) -> None:
    """Check each pooled connection before use with the transaction's own BEGIN.

    ``pool_pre_ping`` asks a connection from the pool whether it still lives (a connection
    the database closed, or a database that restarted, would otherwise fail the request that
    gets it), then psycopg sends BEGIN before the first statement: two round trips before any
    work, on every request (make bench, «throughput»: a fifth of a form step's). The BEGIN is
    as good a check: sent here, it fails as the ping would, and the pool replaces the
    connection as it does after a failed ping ("Disconnect Handling - Pessimistic", custom,
    in SQLAlchemy's pooling documentation). psycopg then sees the transaction open and starts
    none of its own; the pool's rollback on return ends it if nothing did.
    """

    @sa.event.listens_for(engine, "checkout")
    def _begin(dbapi_connection, _record, _proxy):  # pragma: no cover - pool callback
        command = b"BEGIN" if _begins_as_psycopg_would(dbapi_connection) else b";"
        try:
            result = dbapi_connection.pgconn.exec_(command)
        except psycopg.Error as error:  # closed on our side already
            raise sa.exc.InvalidatePoolError(str(error)) from error
        if result.status not in (pq.ExecStatus.COMMAND_OK, pq.ExecStatus.EMPTY_QUERY):
            raise sa.exc.InvalidatePoolError(result.get_error_message())

    @sa.event.listens_for(engine, "set_connection_execution_options")
    def _end_before_options(connection, options):  # pragma: no cover - engine callback
        # Only our BEGIN can be open here (SQLAlchemy refuses while a transaction of its own
        # is): end it, so that the new options apply to the transaction psycopg begins.
        if TRANSACTION_OPTIONS.intersection(options) and not connection.in_transaction():
            connection.connection.dbapi_connection.rollback()


def _begins_as_psycopg_would(dbapi_connection) -> bool:
    """Whether psycopg would begin this connection's next transaction with a plain BEGIN:
    not in autocommit, no transaction open, no isolation level or access mode of its own
    (then ";", the ping itself, and psycopg's own BEGIN follows)."""
    return (not dbapi_connection.autocommit
            and dbapi_connection.pgconn.transaction_status == pq.TransactionStatus.IDLE
            and dbapi_connection.isolation_level is None
            and dbapi_connection.read_only is None
            and dbapi_connection.deferrable is None)


def _make_sqlite_transactional(engine: sa.Engine) -> None:
    """Let SQLAlchemy, not the sqlite3 module, decide where transactions begin.

    The sqlite3 module's own transaction handling breaks SAVEPOINT, which the tests use to
    isolate each test, and defers locks. See the SQLAlchemy documentation, "Serializable
    isolation / Savepoints / Transactional DDL" for the pysqlite driver.
    """

    @sa.event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):  # pragma: no cover - driver callback
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute("PRAGMA journal_mode = WAL")  # web and worker read while one writes
        cursor.execute("PRAGMA busy_timeout = 15000")
        cursor.close()

    @sa.event.listens_for(engine, "begin")
    def _on_begin(connection):  # pragma: no cover - driver callback
        # IMMEDIATE takes the write lock at once. A deferred transaction that read first and
        # writes later fails at once (SQLITE_BUSY) when another connection wrote in between,
        # instead of waiting: two tabs sending one draft must queue, not fail.
        connection.exec_driver_sql("BEGIN IMMEDIATE")


class AppDatabase:
    """The engine and the session factory of one Flask app."""

    def __init__(self, url: str) -> None:
        self.engine = create_db_engine(url)
        self.session_factory = sessionmaker(bind=self.engine, expire_on_commit=False)

    @contextmanager
    def session_scope(self) -> Iterator[Session]:
        """A session for work outside a request (CLI, worker): commit on success."""
        session = self.session_factory()
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()


class Database:
    """The extension: gives each app its own ``AppDatabase`` and the request hooks."""

    def init_app(self, app: Flask) -> None:
        app.extensions["portal.db"] = AppDatabase(app.config["DATABASE_URL"])
        app.after_request(commit_request_session)
        app.teardown_appcontext(close_request_session)


def get_db(app: Flask | None = None) -> AppDatabase:
    return (app or current_app).extensions["portal.db"]


def session() -> Session:
    """The current request's (or app context's) session, created on first use."""
    if "db_session" not in g:
        g.db_session = get_db().session_factory()
    return g.db_session


def keep_on_rollback(add_again: Callable[[Session], None]) -> None:
    """Outside a request nothing is needed: the caller's transaction decides."""
    if has_request_context():
        g.setdefault("kept_on_rollback", []).append(add_again)


def commit_request_session(response: Response) -> Response:
    current = g.get("db_session")
    kept = g.pop("kept_on_rollback", [])
    if current is not None:
        if response.status_code < 400:
            current.commit()
        else:
            current.rollback()
            _store_kept(current, kept)
    return response


def _store_kept(current: Session, kept: list[Callable[[Session], None]]) -> None:
    if not kept:
        return
    for add_again in kept:
        add_again(current)
    current.commit()


def close_request_session(_exc: BaseException | None = None) -> None:
    current = g.pop("db_session", None)
    if current is not None:
        current.close()
