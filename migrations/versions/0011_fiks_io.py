"""fiks io: a municipality's Fiks IO account, what was sent and received; the digest of
undelivered messages

Revision ID: 0011
Revises: 0010
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "fiks_io_account",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("municipality_id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.String(length=36), nullable=False),
        sa.Column("integration_id", sa.String(length=36), nullable=False),
        sa.Column("integration_password_ref", sa.String(length=300), nullable=False),
        sa.Column("maskinporten_client_id", sa.String(length=100), nullable=False),
        sa.Column("maskinporten_key_id", sa.String(length=100), nullable=False),
        sa.Column("signing_key_ref", sa.String(length=300), nullable=False),
        sa.Column("signing_certificate_ref", sa.String(length=300), nullable=False),
        sa.Column("account_key_ref", sa.String(length=300), nullable=False),
        sa.Column("receiver_account_id", sa.String(length=36), nullable=False),
        sa.Column("protocol", sa.String(length=100), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["municipality_id"], ["municipality.id"],
                                name=op.f("fk_fiks_io_account_municipality_id_municipality")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fiks_io_account")),
        sa.UniqueConstraint("municipality_id", name=op.f("uq_fiks_io_account_municipality_id")),
    )
    op.create_table(
        "fiks_io_sending",
        sa.Column("melding_id", sa.String(length=36), nullable=False),
        sa.Column("outbox_message_id", sa.String(length=36), nullable=False),
        sa.Column("delivery", sa.Integer(), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("receipt_type", sa.String(length=100), nullable=False),
        sa.Column("receipt_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["outbox_message_id"], ["outbox_message.id"],
                                name=op.f("fk_fiks_io_sending_outbox_message_id_outbox_message")),
        sa.PrimaryKeyConstraint("melding_id", name=op.f("pk_fiks_io_sending")),
    )
    op.create_index(op.f("ix_fiks_io_sending_outbox_message_id"), "fiks_io_sending",
                    ["outbox_message_id"], unique=False)
    op.create_table(
        "fiks_io_incoming",
        sa.Column("melding_id", sa.String(length=36), nullable=False),
        sa.Column("municipality_id", sa.Integer(), nullable=False),
        sa.Column("type", sa.String(length=100), nullable=False),
        sa.Column("outcome", sa.String(length=500), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["municipality_id"], ["municipality.id"],
                                name=op.f("fk_fiks_io_incoming_municipality_id_municipality")),
        sa.PrimaryKeyConstraint("melding_id", name=op.f("pk_fiks_io_incoming")),
    )
    op.create_table(
        "undelivered_digest",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("municipality_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("messages", sa.Integer(), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["municipality_id"], ["municipality.id"],
                                name=op.f("fk_undelivered_digest_municipality_id_municipality")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_undelivered_digest")),
        sa.UniqueConstraint("municipality_id", "day",
                            name=op.f("uq_undelivered_digest_municipality_id_day")),
    )


def downgrade() -> None:
    op.drop_table("undelivered_digest")
    op.drop_table("fiks_io_incoming")
    op.drop_index(op.f("ix_fiks_io_sending_outbox_message_id"), table_name="fiks_io_sending")
    op.drop_table("fiks_io_sending")
    op.drop_table("fiks_io_account")
