"""the caseworker's list: who has a case, its channel and next deadline; indexes for the
list's filters and sorts, and for an integration's «changed since»

Revision ID: 0012
Revises: 0011
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INDEXES = {
    # A status filter walks (municipality_id, status, created_at, id): 0012_perf's index.
    "ix_case_worklist_created": ["municipality_id", "created_at", "id"],
    "ix_case_worklist_assignee": ["municipality_id", "assignee_id", "created_at", "id"],
    "ix_case_worklist_deadline": ["municipality_id", "next_deadline", "id"],
    "ix_case_updated": ["municipality_id", "updated_at", "id"],
}
# Cases waiting for their first decision: an interim reply is due a month after they came
# (forvaltningsloven § 11 a). Later events keep the column up to date; this fills it for the
# cases already there (approximately: the day in UTC, not Norway's calendar).
AWAITING_DECISION = "('SUBMITTED', 'RECEIVED', 'IN_PROGRESS', 'AWAITING_INFO')"  # enum names
DUE = {"sqlite": "date(created_at, '+1 month')",
       "postgresql": "CAST(created_at + INTERVAL '1 month' AS DATE)"}


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    # Added without rebuilding the table (see 0007: SQLite's batch rebuild fails once other
    # tables point at it).
    if dialect == "sqlite":
        op.execute('ALTER TABLE "case" ADD COLUMN assignee_id INTEGER '
                   'CONSTRAINT fk_case_assignee_id_staff_user REFERENCES staff_user (id)')
    else:
        op.add_column("case", sa.Column("assignee_id", sa.Integer(), nullable=True))
        op.create_foreign_key("fk_case_assignee_id_staff_user", "case", "staff_user",
                              ["assignee_id"], ["id"])
    op.add_column("case", sa.Column("channel", sa.String(length=10), nullable=True))
    op.add_column("case", sa.Column("next_deadline", sa.Date(), nullable=True))
    op.add_column("case", sa.Column("next_deadline_kind", sa.String(length=30), nullable=True))
    op.execute('UPDATE "case" SET channel = (SELECT s.channel FROM submission s '
               'WHERE s.case_id = "case".id ORDER BY s.id LIMIT 1)')
    due = DUE.get(dialect, DUE["postgresql"])
    op.execute(f"UPDATE \"case\" SET next_deadline_kind = 'interim_reply', "  # noqa: S608 - constants
               f"next_deadline = {due} WHERE status IN {AWAITING_DECISION}")
    for name, columns in INDEXES.items():
        op.create_index(name, "case", columns, unique=False)


def downgrade() -> None:
    for name in INDEXES:
        op.drop_index(name, table_name="case")
    with op.batch_alter_table("case", schema=None) as batch_op:
        batch_op.drop_column("next_deadline_kind")
        batch_op.drop_column("next_deadline")
        batch_op.drop_column("channel")
        batch_op.drop_constraint("fk_case_assignee_id_staff_user", type_="foreignkey")
        batch_op.drop_column("assignee_id")
