"""Rotating PORTAL_DATA_KEY: re-encrypt every stored ciphertext with the current key.

How to rotate (README, «Rotating the data key»): set the new key as ``PORTAL_DATA_KEY`` and
the old one in ``PORTAL_DATA_KEY_PREVIOUS`` on every web and worker process, so that both are
read; run ``flask --app portal portal rotate-data-key``; then remove the old key. The command
works in batches, each in its own short transaction with its rows locked (``FOR UPDATE`` on
PostgreSQL), so the portal keeps running meanwhile; it can be stopped and run again, and rows
already under the current key are skipped. The keyed look-up hashes (identity numbers,
tracking codes) are made again under the new key in the same transaction.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import sqlalchemy as sa
from cryptography.exceptions import InvalidTag
from sqlalchemy.orm import Session, undefer

from portal.applications.models import Receipt
from portal.applications.receipts import receipt_context
from portal.cases.models import Case, Submission
from portal.cases.submissions import payload_context
from portal.cases.tracking import CONTEXT as TRACKING_HASH_CONTEXT
from portal.cases.tracking import tracking_context
from portal.db import AppDatabase
from portal.documents.attachments import Attachment, attachment_context
from portal.drafts.models import Draft
from portal.drafts.service import answers_context
from portal.identity.crypto import DataKeys
from portal.identity.models import Person, SavedForm, StaffUser, UserSession
from portal.identity.persons import NIN_CONTEXT, nin_context
from portal.identity.saved_forms import saved_form_context
from portal.identity.sessions import id_token_context
from portal.identity.staff import totp_context
from portal.municipalities.models import Municipality
from portal.queue.webhook import secret_context

Rehash = Callable[[DataKeys, object, bytes], None]


def _rehash_nin(keys: DataKeys, person: Person, plaintext: bytes) -> None:
    person.nin_hash = keys.lookup_hash(plaintext.decode(), NIN_CONTEXT)


def _rehash_tracking_code(keys: DataKeys, case: Case, plaintext: bytes) -> None:
    case.tracking_code_hash = keys.lookup_hash(plaintext.decode(), TRACKING_HASH_CONTEXT)


@dataclass(frozen=True)
class EncryptedColumn:
    model: type
    attribute: str
    context: Callable[[object], bytes]
    batch: int = 200
    rehash: Rehash | None = None

    @property
    def name(self) -> str:
        return f"{self.model.__tablename__}.{self.attribute}"


# Every column that holds a ciphertext. A new one must be added here (and to migration 0009's
# list if it held data before that migration).
COLUMNS = (
    EncryptedColumn(Person, "nin_encrypted", nin_context, rehash=_rehash_nin),
    EncryptedColumn(StaffUser, "totp_secret_encrypted", totp_context),
    EncryptedColumn(UserSession, "id_token_encrypted", id_token_context),
    EncryptedColumn(SavedForm, "data_encrypted", saved_form_context),
    EncryptedColumn(Case, "tracking_code_encrypted", tracking_context,
                    rehash=_rehash_tracking_code),
    EncryptedColumn(Submission, "payload_encrypted", payload_context),
    EncryptedColumn(Draft, "answers_encrypted", answers_context),
    EncryptedColumn(Receipt, "pdf_encrypted", receipt_context, batch=20),
    EncryptedColumn(Attachment, "data_encrypted", attachment_context, batch=10),
    EncryptedColumn(Municipality, "webhook_secret_encrypted", secret_context),
)


@dataclass
class Outcome:
    re_encrypted: int = 0
    current: int = 0
    unreadable: list[int] = field(default_factory=list)


def rotate(database: AppDatabase, keys: DataKeys, *, batch: int | None = None,
           ) -> Iterator[tuple[EncryptedColumn, Outcome]]:
    """Re-encrypt column by column; yields each column's outcome when it is done."""
    for column in COLUMNS:
        outcome, last_id = Outcome(), 0
        while (last_id := _rotate_batch(database, keys, column, last_id, batch or column.batch,
                                        outcome)) is not None:
            pass
        yield column, outcome


def _rotate_batch(database: AppDatabase, keys: DataKeys, column: EncryptedColumn,
                  after_id: int, size: int, outcome: Outcome) -> int | None:
    """One batch in its own transaction; the last id done, or None when there are no more."""
    with database.session_scope() as session:
        rows = _batch(session, column, after_id, size)
        for row in rows:
            _rotate_row(keys, column, row, outcome)
        return rows[-1].id if rows else None


def _batch(session: Session, column: EncryptedColumn, after_id: int, size: int) -> list:
    model, attribute = column.model, getattr(column.model, column.attribute)
    # Nothing to re-encrypt in an empty value (a payload deleted at the end of its retention).
    query = (sa.select(model).where(model.id > after_id, attribute.is_not(None),
                                    sa.func.length(attribute) > 0)
             .order_by(model.id).limit(size).with_for_update())
    if column.model is Attachment:
        query = query.options(undefer(Attachment.data_encrypted))
    return list(session.scalars(query))


def _rotate_row(keys: DataKeys, column: EncryptedColumn, row, outcome: Outcome) -> None:
    blob = getattr(row, column.attribute)
    if keys.is_current(blob):
        outcome.current += 1
        return
    context = column.context(row)
    try:
        plaintext = keys.decrypt_bytes(blob, context)
    except InvalidTag:
        outcome.unreadable.append(row.id)
        return
    setattr(row, column.attribute, keys.encrypt_bytes(plaintext, context))
    if column.rehash is not None:
        column.rehash(keys, row, plaintext)
    outcome.re_encrypted += 1
