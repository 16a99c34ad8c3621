"""complaints: a complaint is a case about another case; late complaints are marked

Revision ID: 0007
Revises: 0006
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

STATUSES = ("SUBMITTED", "RECEIVED", "IN_PROGRESS", "AWAITING_INFO", "DECIDED", "CLOSED",
            "WITHDRAWN", "COMPLAINT_IN_PROGRESS", "SENT_TO_STATSFORVALTEREN")


def upgrade() -> None:
    with op.batch_alter_table("case", schema=None) as batch_op:
        batch_op.add_column(sa.Column("concerns_case_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("submitted_late", sa.Boolean(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_case_concerns_case_id_case"), "case", ["concerns_case_id"], ["id"])
        batch_op.create_index(batch_op.f("ix_case_concerns_case_id"), ["concerns_case_id"],
                              unique=False)
        batch_op.alter_column(
            "status", existing_type=sa.Enum(*STATUSES, name="casestatus", native_enum=False,
                                            length=30),
            type_=sa.Enum(*STATUSES, "STATSFORVALTEREN_DECIDED", name="casestatus",
                          native_enum=False, length=30),
            existing_nullable=False)


def downgrade() -> None:
    with op.batch_alter_table("case", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_case_concerns_case_id"))
        batch_op.drop_constraint(batch_op.f("fk_case_concerns_case_id_case"), type_="foreignkey")
        batch_op.drop_column("submitted_late")
        batch_op.drop_column("concerns_case_id")
