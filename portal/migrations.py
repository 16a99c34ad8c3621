"""Alembic, driven from Python: the CLI and the tests migrate the same way."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import command
from alembic.config import Config

from portal.config import PROJECT_ROOT

MIGRATIONS = PROJECT_ROOT / "migrations"


def alembic_config(connection: sa.Connection | None = None, url: str | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    config.attributes["url"] = url
    return config


def upgrade(engine: sa.Engine, revision: str = "head") -> None:
    with engine.begin() as connection:
        command.upgrade(alembic_config(connection), revision)


def make_revision(engine: sa.Engine, message: str) -> None:
    with engine.begin() as connection:
        command.revision(alembic_config(connection), message=message, autogenerate=True)
