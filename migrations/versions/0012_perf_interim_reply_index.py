"""the caseworker queue by indexes alone: interim replies in a partial index, so the § 11 a
watch never scans every case event; cases by municipality, status and age

Revision ID: 0012_perf
Revises: 0011
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012_perf"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Partial: only the interim replies, a small share of all events, so the anti-join of
    # the § 11 a list reads this index and never the case_event table itself.
    op.create_index("ix_case_event_interim_reply", "case_event", ["case_id"],
                    postgresql_where=sa.text("type = 'interim_reply'"),
                    sqlite_where=sa.text("type = 'interim_reply'"))
    # The queue's counts, its pages (oldest first) and the § 11 a list read this index only
    # (index-only scans); it replaces the (municipality_id, status) index it extends.
    op.create_index("ix_case_municipality_status_created", "case",
                    ["municipality_id", "status", "created_at", "id"])
    op.drop_index("ix_case_municipality_status", table_name="case")


def downgrade() -> None:
    op.create_index("ix_case_municipality_status", "case", ["municipality_id", "status"])
    op.drop_index("ix_case_municipality_status_created", table_name="case")
    op.drop_index("ix_case_event_interim_reply", table_name="case_event")
