"""security (issue 16): TOTP on the server; ciphertexts bound to their rows, with a key id

Revision ID: 0009
Revises: 0006

Ciphertexts stored before this migration had a constant associated data per purpose (one
case's payload copied into another case's row decrypted there) and no key id. This migration
re-encrypts every one of them in the v2 format of ``portal.identity.crypto``: bound to its
row and naming its key. It needs the data key, which ``flask --app portal portal migrate``
hands it; on an empty database (a new installation, the tests) nothing needs it. The formats
and contexts are written out here, not imported, so that this migration keeps doing what it
did when the portal's code moves on.
"""

import os
from collections.abc import Callable, Sequence

import sqlalchemy as sa
from alembic import context, op
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

revision: str = "0009"
down_revision: str | None = "0006"
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


def downgrade() -> None:
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
