"""What goes in a Fiks IO message: the container's files and the send metadata.

``melding.json`` is the same JSON as the API's lease and the webhook (portal.api.messages);
then the receipt PDF and the attachments, so that the back office needs no second call.
"""

from __future__ import annotations

import json
import re
from datetime import timedelta

from sqlalchemy.orm import Session

from portal import clock
from portal.api.messages import message_body
from portal.applications.receipts import receipt_pdf
from portal.cases.models import Submission
from portal.db import as_utc
from portal.documents.attachments import Attachment, read_attachment
from portal.identity.crypto import DataKeys
from portal.queue.fiksio.accounts import Account
from portal.queue.fiksio.asice import File
from portal.queue.fiksio.protocol import (
    ATTACHMENT_FOLDER,
    CLIENT_CORRELATION_ID,
    CLIENT_MESSAGE_ID,
    PAYLOAD_FILE,
    RECEIPT_FILE,
    message_type,
)
from portal.queue.models import OutboxMessage

# The worker makes the receipt PDF seconds after sending; a message waits for it this long at
# most, then goes without it (the back office can still fetch it by its link).
RECEIPT_PDF_WAIT = timedelta(minutes=10)
SAFE_NAME = re.compile(r"[^A-Za-z0-9._-]+")


class NotReadyError(Exception):
    """The receipt PDF is still being made: send the message a little later."""


def container_files(session: Session, keys: DataKeys, message: OutboxMessage) -> list[File]:
    body = message_body(session, keys, message)
    payload = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    files = [File(PAYLOAD_FILE, payload.encode(), "application/json")]
    if message.submission_id is None:
        return files
    pdf = receipt_pdf(session, message.submission_id)
    if pdf is None and clock.utcnow() - as_utc(message.created_at) < RECEIPT_PDF_WAIT:
        raise NotReadyError(message.id)
    if pdf is not None:
        files.append(File(RECEIPT_FILE, pdf, "application/pdf"))
    for item in (body["submission"]["payload"] or {}).get("attachments", []):
        attachment = session.get(Attachment, item["id"])
        name = SAFE_NAME.sub("_", attachment.display_name)[:80]
        files.append(File(f"{ATTACHMENT_FOLDER}{attachment.id}-{name}",
                          read_attachment(keys, attachment), attachment.content_type))
    return files


def submission_kind(session: Session, message: OutboxMessage) -> str | None:
    if message.submission_id is None:
        return None
    return session.get(Submission, message.submission_id).kind


def metadata(account: Account, message: OutboxMessage, kind: str | None,
             ttl_seconds: int) -> dict:
    """The send endpoint's ``metadata`` part (fiks-io-send-klient MeldingSpesifikasjonApiModel).

    The outbox message's id is ``klientMeldingId`` (the same on every resend, so that the
    receiver can tell a resend from a new message) and ``klientKorrelasjonsId`` (copied into
    the receiver's replies, so that a reply still finds its message when the ``melding-id``
    it answers was never recorded: a worker that died just after Fiks IO took the message).
    """
    return {
        "avsenderKontoId": account.account_id,
        "mottakerKontoId": account.receiver_account_id,
        "meldingType": message_type(kind),
        "svarPaMelding": None,
        "ttl": ttl_seconds * 1000,  # milliseconds
        "headere": {CLIENT_MESSAGE_ID: message.id, CLIENT_CORRELATION_ID: message.id},
    }
