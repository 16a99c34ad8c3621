"""What a queue message looks like to the back office (API lease and webhook push alike)."""

from __future__ import annotations

import json

from sqlalchemy.orm import Session

from portal.cases.models import Case, Submission
from portal.cases.submissions import checked_payload
from portal.db import as_utc
from portal.identity.crypto import DataKeys
from portal.links import public_url_for
from portal.municipalities.models import Municipality
from portal.queue.models import OutboxMessage


def message_body(session: Session, keys: DataKeys, message: OutboxMessage) -> dict:
    """The message as JSON: its id is the consumer's idempotency key.

    Needs a request context: the API's request, or the worker's. The links are made from
    PORTAL_PUBLIC_URL, never from the request's Host header.
    """
    body, payload = _body(session, keys, message)
    if payload is not None:
        body["submission"]["payload"] = payload[0]
    return body


def messages_json(session: Session, keys: DataKeys, messages: list[OutboxMessage]) -> bytes:
    """``{"messages": [...]}`` of ``message_body`` for each, written as bytes: each
    submission's payload goes in as the JSON it was sealed as (``checked_payload``), not
    decoded into objects and encoded again (make bench, «queue»: the lease's largest cost).
    The same members as ``message_body``; only their order differs."""
    parts = []
    for message in messages:
        body, payload = _body(session, keys, message)
        if payload is None:
            parts.append(_dumps(body))
            continue
        submission = body.pop("submission")
        parts.append(b'%s,"submission":%s,"payload":%s}}' % (
            _dumps(body)[:-1], _dumps(submission)[:-1], payload[1]))
    return b'{"messages":[%s]}\n' % b",".join(parts)


def _dumps(value: dict) -> bytes:
    return json.dumps(value, separators=(",", ":")).encode()


def _body(session: Session, keys: DataKeys,
          message: OutboxMessage) -> tuple[dict, tuple[dict, bytes] | None]:
    """The message's members but the payload, and the payload (as an object and as the
    bytes it was read from) when the message carries a submission."""
    case = session.get(Case, message.case_id)
    municipality = session.get(Municipality, message.municipality_id)
    body = {
        "id": message.id,
        "type": message.type,
        "schema_version": message.schema_version,
        "created_at": as_utc(message.created_at).isoformat(),
        "deliveries": message.deliveries,
        "municipality": {"slug": municipality.slug,
                         "organisation_number": municipality.organisation_number},
        "case_reference": case.reference,
        "event": message.payload,
        "submission": None,
        "links": {},
    }
    if message.submission_id is None:
        return body, None
    submission = session.get(Submission, message.submission_id)
    payload = checked_payload(keys, submission)
    body["submission"] = {"id": submission.id, "kind": submission.kind,
                          "payload_sha256": submission.payload_sha256}
    body["links"] = {
        "receipt_pdf": public_url_for("api.receipt_pdf", submission_id=submission.id),
        "attachments": [public_url_for("api.attachment", attachment_id=a["id"])
                        for a in payload[0].get("attachments", [])],
    }
    return body, payload
