"""Alembic, driven from Python: the CLI and the tests migrate the same way."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import command
from alembic.config import Config

from portal.config import PROJECT_ROOT

MIGRATIONS = PROJECT_ROOT / "migrations"


def alembic_config(connection: sa.Connection | None = None, url: str | None = None,
                   data_key: str | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    config.attributes["url"] = url
    # For migrations that change stored ciphertexts (0009); None on an empty database is fine.
    config.attributes["data_key"] = data_key
    return config


def upgrade(engine: sa.Engine, revision: str = "head", data_key: str | None = None) -> None:
    with engine.begin() as connection:
        command.upgrade(alembic_config(connection, data_key=data_key), revision)


def make_revision(engine: sa.Engine, message: str) -> None:
    with engine.begin() as connection:
        command.revision(alembic_config(connection), message=message, autogenerate=True)
