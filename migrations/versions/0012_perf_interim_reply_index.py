"""interim replies found by an index: the § 11 a watch never scans every case event

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


def downgrade() -> None:
    op.drop_index("ix_case_event_interim_reply", table_name="case_event")
