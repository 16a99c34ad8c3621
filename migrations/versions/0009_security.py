"""security (issue 16): TOTP on the server; ciphertexts bound to their rows, with a key id;
the audit log hash-chained and append-only

Revision ID: 0009
Revises: 0008

The audit rows written before this migration are chained here, in the order they were
written, so that the chain covers the whole log from now on (what happened to a row before
today cannot be proven, only that nothing changes after). Then UPDATE, DELETE (and, on
PostgreSQL, TRUNCATE) on audit_event are refused by triggers. On SQLite a later batch
migration of audit_event recreates the table and must create the triggers again.

Ciphertexts stored before this migration had a constant associated data per purpose (one
case's payload copied into another case's row decrypted there) and no key id. This migration
re-encrypts every one of them in the v2 format of ``portal.identity.crypto``: bound to its
row and naming its key. It needs the data key, which ``flask --app portal portal migrate``
hands it; on an empty database (a new installation, the tests) nothing needs it. The formats
and contexts are written out here, not imported, so that this migration keeps doing what it
did when the portal's code moves on.
"""

import hashlib
import json
import os
from collections.abc import Callable, Sequence
from datetime import UTC

import sqlalchemy as sa
from alembic import context, op
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("staff_user", schema=None) as batch_op:
        batch_op.add_column(sa.Column("totp_last_step", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("totp_failures", sa.Integer(), server_default="0",
                                      nullable=False))
        batch_op.add_column(sa.Column("totp_failed_at", sa.DateTime(timezone=True),
                                      nullable=True))
    _bind_ciphertexts_to_their_rows()
    _chain_the_audit_log()
    _retention()


def downgrade() -> None:
    with op.batch_alter_table("submission", schema=None) as batch_op:
        batch_op.drop_column("payload_deleted_at")
    with op.batch_alter_table("case", schema=None) as batch_op:
        batch_op.drop_column("documents_deleted_at")
    with op.batch_alter_table("municipality", schema=None) as batch_op:
        batch_op.drop_column("retention_days")
    _drop_audit_triggers()
    with op.batch_alter_table("audit_event", schema=None) as batch_op:
        batch_op.drop_constraint("uq_audit_event_chain_chain_seq", type_="unique")
        for column in ("row_hash", "prev_hash", "chain_seq", "chain"):
            batch_op.drop_column(column)
    # The v2 ciphertexts stay: the code before 0009 cannot read them. Restore a backup instead.
    with op.batch_alter_table("staff_user", schema=None) as batch_op:
        batch_op.drop_column("totp_failed_at")
        batch_op.drop_column("totp_failures")
        batch_op.drop_column("totp_last_step")


# --- Re-encrypting what was stored before -----------------------------------------------------

Row = sa.Row
# table, column, the other columns it needs, the old (constant) context, the new row context.
COLUMNS: list[tuple[str, str, tuple[str, ...], Callable[[Row], bytes],
                    Callable[[Row], str]]] = [
    ("person", "nin_encrypted", (), lambda r: b"person.nin",
     lambda r: f"person.nin_encrypted|id={r.id}"),
    ("staff_user", "totp_secret_encrypted", ("municipality_id",), lambda r: b"staff.totp",
     lambda r: f"staff_user.totp_secret_encrypted|id={r.id}|municipality={r.municipality_id}"),
    ("user_session", "id_token_encrypted", (), lambda r: b"session.id_token",
     lambda r: f"user_session.id_token_encrypted|id={r.id}"),
    ("saved_form", "data_encrypted", (), lambda r: b"saved_form",
     lambda r: f"saved_form.data_encrypted|id={r.id}"),
    ("case", "tracking_code_encrypted", ("municipality_id",), lambda r: b"case.tracking",
     lambda r: f"case.tracking_code_encrypted|id={r.id}|municipality={r.municipality_id}"),
    ("submission", "payload_encrypted", ("case_id", "municipality_id"),
     lambda r: b"submission.payload",
     lambda r: (f"submission.payload_encrypted|id={r.id}|case={r.case_id}"
                f"|municipality={r.municipality_id}")),
    ("draft", "answers_encrypted", ("owner_person_id", "municipality_id"),
     lambda r: b"draft.answers",
     lambda r: (f"draft.answers_encrypted|id={r.id}|municipality={r.municipality_id}"
                f"|owner={r.owner_person_id}")),
    ("receipt", "pdf_encrypted", ("submission_id",), lambda r: b"receipt.pdf",
     lambda r: f"receipt.pdf_encrypted|id={r.id}|submission={r.submission_id}"),
    ("attachment", "data_encrypted", ("municipality_id", "sha256"),
     lambda r: b"attachment:" + r.sha256.encode(),
     lambda r: (f"attachment.data_encrypted|id={r.id}|municipality={r.municipality_id}"
                f"|sha256={r.sha256}")),
    ("municipality", "webhook_secret_encrypted", (), lambda r: b"municipality.webhook_secret",
     lambda r: f"municipality.webhook_secret_encrypted|id={r.id}"),
]
BATCH = 100


def _bind_ciphertexts_to_their_rows() -> None:
    connection = op.get_bind()
    keys = None
    for table, column, extra, old_context, new_context in COLUMNS:
        rows_left = connection.execute(sa.text(
            f'SELECT count(*) FROM "{table}" WHERE {column} IS NOT NULL')).scalar()  # noqa: S608
        if not rows_left:
            continue
        keys = keys or _keys()
        _re_encrypt(connection, keys, table, column, extra, old_context, new_context)


def _keys() -> tuple[bytes, bytes]:
    master = context.config.attributes.get("data_key") or os.environ.get("PORTAL_DATA_KEY")
    if not master:
        raise RuntimeError("Migration 0009 re-encrypts the data stored so far and needs the "
                           "data key: run it with 'flask --app portal portal migrate' and "
                           "PORTAL_DATA_KEY set.")
    return _hkdf(master, b"portal encryption v1"), _hkdf(master, b"portal key id v1")[:4]


def _hkdf(master: str, info: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=info).derive(
        master.encode())


def _re_encrypt(connection, keys, table, column, extra, old_context, new_context) -> None:
    encryption, key_id = keys
    names = ", ".join(["id", column, *extra])
    last_id = 0
    while True:
        rows = connection.execute(sa.text(
            f'SELECT {names} FROM "{table}" WHERE {column} IS NOT NULL AND id > :after '  # noqa: S608
            f"ORDER BY id LIMIT {BATCH}"), {"after": last_id}).all()
        if not rows:
            return
        for row in rows:
            blob = bytes(getattr(row, column))
            try:
                plaintext = AESGCM(encryption).decrypt(blob[:12], blob[12:], old_context(row))
            except Exception as error:
                raise RuntimeError(f"Migration 0009: {table}.{column} of row {row.id} cannot be "
                                   "decrypted with PORTAL_DATA_KEY. Is it the key the data was "
                                   "stored with?") from error
            nonce = os.urandom(12)
            associated = b"ip-portal/v2|" + key_id + b"|" + new_context(row).encode()
            sealed = b"\x02" + key_id + nonce + AESGCM(encryption).encrypt(
                nonce, plaintext, associated)
            connection.execute(sa.text(
                f'UPDATE "{table}" SET {column} = :sealed WHERE id = :id'),  # noqa: S608
                {"sealed": sealed, "id": row.id})
        last_id = rows[-1].id


# --- The audit log: chained, then append-only ---------------------------------------------------

GENESIS_HASH = "0" * 64
HASH_VERSION = b"ip-portal audit v1\n"
AUDIT = sa.table(
    "audit_event", sa.column("id", sa.Integer), sa.column("municipality_id", sa.Integer),
    sa.column("action", sa.String), sa.column("actor_person_id", sa.Integer),
    sa.column("actor_staff_user_id", sa.Integer), sa.column("subject_person_id", sa.Integer),
    sa.column("target", sa.String), sa.column("reason", sa.String),
    sa.column("created_at", sa.DateTime(timezone=True)), sa.column("chain", sa.Integer),
    sa.column("chain_seq", sa.Integer), sa.column("prev_hash", sa.String),
    sa.column("row_hash", sa.String))
REFUSE = "audit_event is append-only: UPDATE, DELETE and TRUNCATE are refused"


def _chain_the_audit_log() -> None:
    with op.batch_alter_table("audit_event", schema=None) as batch_op:
        batch_op.add_column(sa.Column("chain", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("chain_seq", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("prev_hash", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("row_hash", sa.String(length=64), nullable=True))
    _chain_existing_rows(op.get_bind())
    with op.batch_alter_table("audit_event", schema=None) as batch_op:
        for column, kind in (("chain", sa.Integer()), ("chain_seq", sa.Integer()),
                             ("prev_hash", sa.String(length=64)),
                             ("row_hash", sa.String(length=64))):
            batch_op.alter_column(column, existing_type=kind, nullable=False)
        batch_op.create_unique_constraint("uq_audit_event_chain_chain_seq", ["chain", "chain_seq"])
    _create_audit_triggers()


def _chain_existing_rows(connection) -> None:
    """The same chaining as portal.audit.chain, written out: in id order, per municipality."""
    heads: dict[int, tuple[int, str]] = {}
    last_id = 0
    while True:
        rows = connection.execute(sa.select(AUDIT).where(AUDIT.c.id > last_id)
                                  .order_by(AUDIT.c.id).limit(1000)).all()
        if not rows:
            return
        for row in rows:
            chain = row.municipality_id or 0
            seq, previous = heads.get(chain, (0, GENESIS_HASH))
            values = {"chain": chain, "chain_seq": seq + 1, "prev_hash": previous}
            values["row_hash"] = _row_hash(row, values)
            connection.execute(AUDIT.update().where(AUDIT.c.id == row.id).values(**values))
            heads[chain] = (seq + 1, values["row_hash"])
        last_id = rows[-1].id


def _row_hash(row, chained: dict) -> str:
    created = row.created_at if row.created_at.tzinfo else row.created_at.replace(tzinfo=UTC)
    canonical = json.dumps([
        chained["chain"], chained["chain_seq"], chained["prev_hash"], row.municipality_id,
        row.action, row.actor_person_id, row.actor_staff_user_id, row.subject_person_id,
        row.target or "", row.reason or "",
        created.astimezone(UTC).isoformat(timespec="microseconds"),
    ], ensure_ascii=False, separators=(",", ":")).encode()
    return hashlib.sha256(HASH_VERSION + canonical).hexdigest()


def _create_audit_triggers() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"""
            CREATE FUNCTION audit_event_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
              RAISE EXCEPTION '{REFUSE} (%)', TG_OP USING ERRCODE = 'insufficient_privilege';
            END $$""")
        op.execute("CREATE TRIGGER audit_event_append_only BEFORE UPDATE OR DELETE ON "
                   "audit_event FOR EACH ROW EXECUTE FUNCTION audit_event_append_only()")
        op.execute("CREATE TRIGGER audit_event_no_truncate BEFORE TRUNCATE ON audit_event "
                   "FOR EACH STATEMENT EXECUTE FUNCTION audit_event_append_only()")
        return
    for operation in ("UPDATE", "DELETE"):
        op.execute(f"CREATE TRIGGER audit_event_no_{operation.lower()} BEFORE {operation} ON "
                   f"audit_event BEGIN SELECT RAISE(ABORT, '{REFUSE}'); END")


def _drop_audit_triggers() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS audit_event_no_truncate ON audit_event")
        op.execute("DROP TRIGGER IF EXISTS audit_event_append_only ON audit_event")
        op.execute("DROP FUNCTION IF EXISTS audit_event_append_only()")
        return
    for operation in ("update", "delete"):
        op.execute(f"DROP TRIGGER IF EXISTS audit_event_no_{operation}")


# --- Retention ------------------------------------------------------------------------------

def _retention() -> None:
    with op.batch_alter_table("municipality", schema=None) as batch_op:
        batch_op.add_column(sa.Column("retention_days", sa.JSON(), server_default="{}",
                                      nullable=False))
    with op.batch_alter_table("case", schema=None) as batch_op:
        batch_op.add_column(sa.Column("documents_deleted_at", sa.DateTime(timezone=True),
                                      nullable=True))
    # The payload itself is emptied, not set to NULL: making the column nullable would make
    # SQLite recreate the submission table, which other tables' foreign keys refer to.
    with op.batch_alter_table("submission", schema=None) as batch_op:
        batch_op.add_column(sa.Column("payload_deleted_at", sa.DateTime(timezone=True),
                                      nullable=True))
