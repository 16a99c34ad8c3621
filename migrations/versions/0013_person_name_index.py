"""the caseworker's search by name: an index of people's names in lower case, which a prefix
search (``lower(name) LIKE 'kari%'``) walks on PostgreSQL (text_pattern_ops), on PostgreSQL

Revision ID: 0013
Revises: 0012_perf
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012_perf"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # PostgreSQL only: SQLite's LIKE cannot use an index of an expression.
    if op.get_bind().dialect.name == "postgresql":
        op.create_index("ix_person_name_lower", "person",
                        [sa.text("lower(name) text_pattern_ops")])


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.drop_index("ix_person_name_lower", table_name="person")
