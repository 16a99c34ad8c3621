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

import sqlalchemy as sa
from flask import Flask, Response, current_app, g, has_request_context
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


class TimestampMixin:
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


def create_db_engine(url: str) -> sa.Engine:
    if url.startswith("sqlite"):
        engine = sa.create_engine(url, connect_args={"timeout": 15})
        _make_sqlite_transactional(engine)
        return engine
    return sa.create_engine(url, pool_pre_ping=True)


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
