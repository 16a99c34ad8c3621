"""Fixtures: an app and a client per test, on SQLite and on PostgreSQL.

Each database is migrated once per test run with Alembic and holds the demo municipality.
Each test then runs inside a transaction that is rolled back afterwards; the app's commits
only release a SAVEPOINT, so tests never see each other's data.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask
from sqlalchemy.orm import Session, sessionmaker

from portal import create_app
from portal.db import create_db_engine, get_db
from portal.demo.loader import load_demo
from portal.migrations import upgrade
from tests.support.clamd import Clamd, require_clamd
from tests.support.clock import start_test_clock
from tests.support.pages import CheckedClient

TEST_ENVIRON = {"PORTAL_ENV": "test"}


def pytest_configure(config: pytest.Config) -> None:
    # PORTAL_TEST_CLOCK=23:30 runs the tests with the clock at the next 23:30 UTC, moving on
    # from there (make test does this for the date rules): see tests/support/clock.py.
    config.stash[TEST_CLOCK] = start_test_clock(os.environ.get("PORTAL_TEST_CLOCK", ""))


def pytest_report_header(config: pytest.Config) -> str | None:
    started = config.stash.get(TEST_CLOCK, None)
    return f"clock: starts at {started.isoformat()} (PORTAL_TEST_CLOCK)" if started else None


TEST_CLOCK = pytest.StashKey["datetime | None"]()
BACKENDS = ("sqlite", "postgresql")


def postgres_url() -> str | None:
    url = os.environ.get("PORTAL_TEST_DATABASE_URL", "")
    if url:
        return url
    if os.environ.get("PORTAL_REQUIRE_POSTGRES") == "1":
        pytest.fail("PORTAL_REQUIRE_POSTGRES=1 but PORTAL_TEST_DATABASE_URL is not set")
    pytest.skip("PostgreSQL tests skipped: PORTAL_TEST_DATABASE_URL is not set")
    return None


def make_app(database_url: str, **overrides) -> Flask:
    return create_app({"DATABASE_URL": database_url, **overrides}, environ=TEST_ENVIRON)


def prepare_database(url: str) -> sa.Engine:
    """Empty the database, migrate it to the newest revision and load the demo data."""
    from portal.config import normalise_database_url

    engine = create_db_engine(normalise_database_url(url))
    if engine.dialect.name == "postgresql":
        with engine.begin() as connection:
            connection.exec_driver_sql("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
    upgrade(engine)
    app = make_app(url)
    with app.app_context(), Session(engine) as session, session.begin():
        load_demo(session)
    get_db(app).engine.dispose()
    return engine


@pytest.fixture(scope="session", params=BACKENDS)
def database_url(request, tmp_path_factory) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"
    return postgres_url()


@pytest.fixture(scope="session")
def engine(database_url: str) -> Iterator[sa.Engine]:
    engine = prepare_database(database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def connection(engine: sa.Engine) -> Iterator[sa.Connection]:
    with engine.connect() as connection:
        transaction = connection.begin()
        yield connection
        transaction.rollback()


@pytest.fixture
def app_factory(connection: sa.Connection, database_url: str):
    """Make apps with changed settings, all on the test's transaction."""
    apps: list[Flask] = []

    def factory(**overrides) -> Flask:
        app = make_app(database_url, **overrides)
        app.test_client_class = CheckedClient
        get_db(app).session_factory = sessionmaker(
            bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False
        )
        apps.append(app)
        return app

    yield factory
    for app in apps:
        get_db(app).engine.dispose()


@pytest.fixture
def app(app_factory) -> Flask:
    return app_factory()


@pytest.fixture
def db_session(app: Flask) -> Iterator[Session]:
    """A session on the test's transaction, for arranging data and checking results."""
    session = get_db(app).session_factory()
    yield session
    session.close()


@pytest.fixture
def client(app: Flask) -> CheckedClient:
    return app.test_client()


@pytest.fixture
def runner(app: Flask):
    return app.test_cli_runner()


@pytest.fixture(scope="session")
def project_root() -> Path:
    return Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def clamd(tmp_path_factory) -> Iterator[Clamd]:
    """A real ClamAV daemon for the whole run, knowing the EICAR test signature only."""
    daemon = Clamd(tmp_path_factory.mktemp("clamd"), require_clamd()).start()
    yield daemon
    daemon.stop()


@pytest.fixture
def own_clamd(tmp_path) -> Iterator[Clamd]:
    """A clamd of the test's own, which the test may stop."""
    daemon = Clamd(tmp_path / "clamd", require_clamd()).start()
    yield daemon
    daemon.stop()
