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

def upgrade() -> None:
    add_reference("case", "concerns_case_id", "case", "fk_case_concerns_case_id_case")
    with op.batch_alter_table("case", schema=None) as batch_op:
        batch_op.add_column(sa.Column("submitted_late", sa.Boolean(), nullable=True))
        batch_op.create_index(batch_op.f("ix_case_concerns_case_id"), ["concerns_case_id"],
                              unique=False)
    # The new status (statsforvalteren_decided) needs no change: the column is a VARCHAR(30)
    # without a CHECK constraint (a non-native enum).


def add_reference(table: str, column: str, target: str, name: str) -> None:
    """A nullable column referencing ``target.id``, added without rebuilding ``table``: on
    SQLite a batch rebuild drops the table, which fails (foreign keys are checked) once other
    tables' rows point at it."""
    if op.get_bind().dialect.name == "sqlite":
        op.execute(f'ALTER TABLE "{table}" ADD COLUMN {column} INTEGER '
                   f'CONSTRAINT {name} REFERENCES "{target}" (id)')
    else:
        op.add_column(table, sa.Column(column, sa.Integer(), nullable=True))
        op.create_foreign_key(name, table, target, [column], ["id"])


def downgrade() -> None:
    with op.batch_alter_table("case", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_case_concerns_case_id"))
        batch_op.drop_constraint(batch_op.f("fk_case_concerns_case_id_case"), type_="foreignkey")
        batch_op.drop_column("submitted_late")
        batch_op.drop_column("concerns_case_id")
