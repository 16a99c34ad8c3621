"""What to do with one message from our account's queue (portal.queue.fiksio.receiving).

Each message is handled once: its ``melding-id`` is recorded with the outcome in the same
transaction as what it caused, so a redelivery (the worker died before its AMQP ack)
changes nothing.
"""

from __future__ import annotations

import json
import logging

from sqlalchemy.orm import Session

from portal.audit.service import record
from portal.cases.event_requests import EventRequestError, parse_event_request
from portal.cases.models import Case
from portal.cases.service import (
    EventDataError,
    TransitionRefusedError,
    apply_event,
    case_by_reference,
)
from portal.clock import utcnow
from portal.queue.fiksio import asice, cms
from portal.queue.fiksio.accounts import Account
from portal.queue.fiksio.models import FiksIoIncoming, FiksIoSending
from portal.queue.fiksio.protocol import (
    CLIENT_CORRELATION_ID,
    CUSTOM_PREFIX,
    FIKS_SERVER_ERROR,
    FIKS_TIMEOUT,
    HEADER_DOCUMENT_STORE,
    HEADER_MESSAGE_ID,
    HEADER_REPLY_TO,
    HEADER_SENDER,
    HEADER_TYPE,
    RECEIVED,
    RECEIVER_INVALID,
    RETRY_LATER,
    STATUS_EVENT,
)
from portal.queue.models import OutboxMessage
from portal.queue.service import ack, dead_letter, release
from portal.queue.tasks import backoff

log = logging.getLogger(__name__)
FROM_FIKS_IO = frozenset({FIKS_TIMEOUT, FIKS_SERVER_ERROR})


def handle(session: Session, account: Account, headers: dict[str, str], body: bytes) -> str:
    """Handle one delivery; return (and record) what came of it."""
    melding_id = headers.get(HEADER_MESSAGE_ID, "")
    kind = headers.get(HEADER_TYPE, "")
    if not melding_id or session.get(FiksIoIncoming, melding_id) is not None:
        return "already handled" if melding_id else "ignored: no melding-id"
    outcome = _outcome(session, account, kind, headers, body)
    session.add(FiksIoIncoming(melding_id=melding_id, municipality_id=account.municipality_id,
                               type=kind[:100], outcome=outcome[:500]))
    session.flush()
    log.info("Fiks IO %s %s on %s's queue: %s", kind, melding_id, account.slug, outcome)
    return outcome


def _outcome(session: Session, account: Account, kind: str, headers: dict[str, str],
             body: bytes) -> str:
    if kind not in FROM_FIKS_IO and headers.get(HEADER_SENDER) != account.receiver_account_id:
        return f"ignored: from account {headers.get(HEADER_SENDER)!r}, not the back office's"
    if kind == STATUS_EVENT:
        return _status_event(session, account, headers, body)
    if kind not in RETRY_LATER | {RECEIVED, RECEIVER_INVALID}:
        return f"ignored: unknown type {kind!r}"
    found = _answered(session, account, headers)
    if found is None:
        return "ignored: answers no message we know of"
    message, sending = found
    if sending is not None:
        sending.receipt_type, sending.receipt_at = kind[:100], utcnow()
    if kind == RECEIVED:
        ack(session, message)  # idempotent; marks the case received
        return f"delivered: {message.id}"
    if sending is not None and sending.delivery != message.deliveries:
        return f"stale: about delivery {sending.delivery} of {message.id}"
    if kind == RECEIVER_INVALID:
        dead_letter(session, message, f"the back office refused it: {_reason(account, body)}")
        return f"dead-lettered: {message.id}"
    release(session, message, _retry_reason(kind), delay=backoff(message.deliveries))
    return f"to be sent again: {message.id}"


def _answered(session: Session, account: Account,
              headers: dict[str, str]) -> tuple[OutboxMessage, FiksIoSending | None] | None:
    sending = session.get(FiksIoSending, headers.get(HEADER_REPLY_TO, "")[:36])
    message_id = sending.outbox_message_id if sending else headers.get(
        CUSTOM_PREFIX + CLIENT_CORRELATION_ID, "")[:36]
    message = session.get(OutboxMessage, message_id, with_for_update=True) if message_id else None
    if message is None or message.municipality_id != account.municipality_id:
        return None
    return message, sending


def _retry_reason(kind: str) -> str:
    return {FIKS_TIMEOUT: "Fiks IO: the message's time to live ran out (tidsavbrudd)",
            FIKS_SERVER_ERROR: "Fiks IO: the receiver took it three times without an ack "
                               "(serverfeil)"}.get(kind, "the back office failed (serverfeil)")


def _reason(account: Account, body: bytes) -> str:
    """The receiver's explanation (``{"melding": …}``), when it sent one we can read."""
    if not body:
        return "no reason given"
    try:
        opened = _open(account, body)
        return str(json.loads(opened.files[opened.root]).get("melding", ""))[:300]
    except (asice.ContainerError, cms.CmsError, ValueError, KeyError, AttributeError):
        return "a reason that could not be read"


def _open(account: Account, body: bytes) -> asice.Opened:
    return asice.open_signed(cms.decrypt(body, account.account_key()))


def _status_event(session: Session, account: Account, headers: dict[str, str],
                  body: bytes) -> str:
    """A case event from the back office, as ``POST /api/v1/cases/{reference}/events``."""
    if headers.get(HEADER_DOCUMENT_STORE):
        return "refused: a status event must be small enough to come without Fiks Dokumentlager"
    try:
        opened = _open(account, body)
        request = json.loads(opened.files[opened.root])
        if not isinstance(request, dict):
            raise EventRequestError("The message must be a JSON object.")
        reference = request.get("case_reference")
        event_type, data = parse_event_request(request, extra_fields=frozenset({
            "case_reference"}))
    except (asice.ContainerError, cms.CmsError) as error:
        return f"refused: {error}"
    except (EventRequestError, ValueError, KeyError) as error:
        return f"refused: {error}"
    case = case_by_reference(session, account.municipality_id, str(reference or ""))
    if case is None:
        return f"refused: no case {reference!r} in this municipality"
    return _apply(session, account, case, event_type, data)


def _apply(session: Session, account: Account, case: Case, event_type: str, data: dict) -> str:
    try:
        with session.begin_nested():  # a refused event leaves nothing behind
            apply_event(session, case, event_type, data)
    except (EventDataError, TransitionRefusedError) as error:
        return f"refused: {error}"
    record(session, "fiks_io.status_event", municipality_id=case.municipality_id,
           subject_person_id=case.subject_person_id, target=f"case:{case.reference}",
           reason=f"{event_type} from Fiks IO account {account.receiver_account_id}")
    return f"applied: {event_type} on {case.reference}"
