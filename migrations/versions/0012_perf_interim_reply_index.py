"""the caseworker queue by indexes alone: cases by municipality, status and age; the time
of a case's first interim reply kept on the case, so the § 11 a watch never reads the events

Revision ID: 0012_perf
Revises: 0012
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012_perf"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("case") as batch:
        batch.add_column(sa.Column("interim_reply_at", sa.DateTime(timezone=True),
                                   nullable=True))
    op.execute(sa.text(
        'UPDATE "case" SET interim_reply_at = (SELECT min(e.created_at) FROM case_event e'
        " WHERE e.case_id = \"case\".id AND e.type = 'interim_reply')"))
    # The queue's counts and its pages (oldest first) read this index only (index-only
    # scans); it replaces the (municipality_id, status) index it extends.
    op.create_index("ix_case_municipality_status_created", "case",
                    ["municipality_id", "status", "created_at", "id"])
    op.drop_index("ix_case_municipality_status", table_name="case")
    # Partial: only the cases that have had no interim reply, for the § 11 a count (with
    # the id, so that the count is an index-only scan).
    op.create_index("ix_case_without_interim_reply", "case",
                    ["municipality_id", "status", "created_at", "id"],
                    postgresql_where=sa.text("interim_reply_at IS NULL"),
                    sqlite_where=sa.text("interim_reply_at IS NULL"))


def downgrade() -> None:
    op.drop_index("ix_case_without_interim_reply", table_name="case")
    op.create_index("ix_case_municipality_status", "case", ["municipality_id", "status"])
    op.drop_index("ix_case_municipality_status_created", table_name="case")
    with op.batch_alter_table("case") as batch:
        batch.drop_column("interim_reply_at")
