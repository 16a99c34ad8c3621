"""The benchmark's own PostgreSQL databases: ``bench`` (reset each run) and ``bench_scale``.

Never the database ``test``: other people's test runs use it. ``bench`` is emptied, migrated
and given the demo municipality at the start of every run, so runs compare; ``bench_scale``
keeps the generated million cases between runs (see bench/generate.py).
"""

from __future__ import annotations

import os

import sqlalchemy as sa
from sqlalchemy.orm import Session

from portal.config import normalise_database_url
from portal.db import create_db_engine, get_db

SERVER = os.environ.get("BENCH_POSTGRES", "postgresql://postgres@127.0.0.1:5432")
BENCH_URL = os.environ.get("BENCH_DATABASE_URL", f"{SERVER}/bench")
SCALE_URL = os.environ.get("BENCH_SCALE_DATABASE_URL", f"{SERVER}/bench_scale")
FORBIDDEN = {"test", "postgres", "template0", "template1"}


def database_name(url: str) -> str:
    return sa.make_url(normalise_database_url(url)).database or ""


def engine_for(url: str) -> sa.Engine:
    return create_db_engine(normalise_database_url(url))


def ensure_database(url: str) -> None:
    """Create the database if it is missing (connecting to the server's ``postgres`` db)."""
    name = database_name(url)
    if name in FORBIDDEN:
        raise SystemExit(f"Refusing to benchmark in the database {name!r}: use your own.")
    admin = sa.make_url(normalise_database_url(url)).set(database="postgres")
    engine = sa.create_engine(admin, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            exists = connection.scalar(sa.text("SELECT 1 FROM pg_database WHERE datname = :n"),
                                       {"n": name})
            if not exists:
                connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    finally:
        engine.dispose()


def reset_database(url: str, *, demo: bool = True) -> None:
    """Empty the database, migrate it to the newest revision and load the demo municipality."""
    from portal import create_app
    from portal.demo.loader import load_demo
    from portal.migrations import upgrade

    ensure_database(url)
    engine = engine_for(url)
    try:
        with engine.begin() as connection:
            connection.exec_driver_sql("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
        upgrade(engine)
        if demo:
            app = create_app({"DATABASE_URL": url}, environ={"PORTAL_ENV": "development"})
            with app.app_context(), Session(engine) as session, session.begin():
                load_demo(session)
            get_db(app).engine.dispose()
    finally:
        engine.dispose()


def server_version(engine: sa.Engine) -> str:
    with engine.connect() as connection:
        return str(connection.scalar(sa.text("SHOW server_version")))
