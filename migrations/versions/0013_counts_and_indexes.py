"""the caseworker's list at a million cases: how many cases each municipality has of each kind
in each status, kept by triggers on ``case`` that append each change (the list's counts read
these few rows instead of counting the cases); an index of people's names in lower case for
the search by name, which a prefix search (``lower(name) LIKE 'kari%'``) walks on PostgreSQL
(text_pattern_ops); an index of the queue's waiting messages, oldest first, for a lease

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

# Each change of a case appends its changes of the counts: -1 for the old (kind, status), +1
# for the new, in the case's own transaction. Appending never waits for another transaction
# (one row per municipality, kind and status updated by every submission and every
# acknowledgement would make them wait for each other); the worker adds the changes into
# case_count now and then (portal.cases.counts.compact). (On SQLite, a later batch migration
# that recreates "case" must create the triggers again: SQLITE_TRIGGERS.)
_OLD_COUNT_DOWN = ("INSERT INTO case_count_change (municipality_id, kind, status, change) "
           "VALUES (OLD.municipality_id, OLD.kind, OLD.status, -1);")
_NEW_COUNT_UP = ("INSERT INTO case_count_change (municipality_id, kind, status, change) "
           "VALUES (NEW.municipality_id, NEW.kind, NEW.status, 1);")
POSTGRESQL_TRIGGERS = [
    f"""CREATE FUNCTION case_count_keep() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF TG_OP IN ('UPDATE', 'DELETE') THEN {_OLD_COUNT_DOWN} END IF;
      IF TG_OP IN ('INSERT', 'UPDATE') THEN {_NEW_COUNT_UP} END IF;
      RETURN NULL;
    END $$""",
    'CREATE TRIGGER case_count_insert_delete AFTER INSERT OR DELETE ON "case" '
    "FOR EACH ROW EXECUTE FUNCTION case_count_keep()",
    'CREATE TRIGGER case_count_update AFTER UPDATE OF municipality_id, kind, status ON "case" '
    "FOR EACH ROW WHEN (OLD.municipality_id IS DISTINCT FROM NEW.municipality_id "
    "OR OLD.kind IS DISTINCT FROM NEW.kind OR OLD.status IS DISTINCT FROM NEW.status) "
    "EXECUTE FUNCTION case_count_keep()",
]
SQLITE_TRIGGERS = [
    f'CREATE TRIGGER case_count_insert AFTER INSERT ON "case" BEGIN {_NEW_COUNT_UP} END',
    f'CREATE TRIGGER case_count_delete AFTER DELETE ON "case" BEGIN {_OLD_COUNT_DOWN} END',
    'CREATE TRIGGER case_count_update AFTER UPDATE OF municipality_id, kind, status ON "case" '
    "WHEN OLD.municipality_id IS NOT NEW.municipality_id OR OLD.kind IS NOT NEW.kind "
    f"OR OLD.status IS NOT NEW.status BEGIN {_OLD_COUNT_DOWN} {_NEW_COUNT_UP} END",
]
STATUS = ("SUBMITTED", "RECEIVED", "IN_PROGRESS", "AWAITING_INFO", "DECIDED", "CLOSED",
          "WITHDRAWN", "COMPLAINT_IN_PROGRESS", "SENT_TO_STATSFORVALTEREN",
          "STATSFORVALTEREN_DECIDED")


def upgrade() -> None:
    postgresql = op.get_bind().dialect.name == "postgresql"
    op.create_table(
        "case_count",
        sa.Column("municipality_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("status", sa.Enum(*STATUS, name="casestatus", native_enum=False, length=30),
                  nullable=False),
        sa.Column("cases", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["municipality_id"], ["municipality.id"],
                                name=op.f("fk_case_count_municipality_id_municipality")),
        sa.PrimaryKeyConstraint("municipality_id", "kind", "status", name=op.f("pk_case_count")),
    )
    op.create_table(
        "case_count_change",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("municipality_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("status", sa.Enum(*STATUS, name="casestatus", native_enum=False, length=30),
                  nullable=False),
        sa.Column("change", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_count_change")),
    )
    op.create_index("ix_case_count_change_municipality_id", "case_count_change",
                    ["municipality_id"])
    op.execute('INSERT INTO case_count (municipality_id, kind, status, cases) '
               'SELECT municipality_id, kind, status, count(*) FROM "case" GROUP BY 1, 2, 3')
    for statement in POSTGRESQL_TRIGGERS if postgresql else SQLITE_TRIGGERS:
        op.execute(statement)
    op.create_index("ix_outbox_message_waiting", "outbox_message",
                    ["municipality_id", "created_at", "id"],
                    postgresql_where=sa.text("acked_at IS NULL AND dead_lettered_at IS NULL"),
                    sqlite_where=sa.text("acked_at IS NULL AND dead_lettered_at IS NULL"))
    # PostgreSQL only: SQLite's LIKE cannot use an index of an expression.
    if postgresql:
        op.create_index("ix_person_name_lower", "person",
                        [sa.text("lower(name) text_pattern_ops")])


def downgrade() -> None:
    op.drop_index("ix_outbox_message_waiting", table_name="outbox_message")
    if op.get_bind().dialect.name == "postgresql":
        op.drop_index("ix_person_name_lower", table_name="person")
        op.execute('DROP TRIGGER case_count_update ON "case"')
        op.execute('DROP TRIGGER case_count_insert_delete ON "case"')
        op.execute("DROP FUNCTION case_count_keep()")
    else:
        for name in ("case_count_insert", "case_count_delete", "case_count_update"):
            op.execute(f"DROP TRIGGER {name}")
    op.drop_table("case_count_change")
    op.drop_table("case_count")
