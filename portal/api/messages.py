"""What a queue message looks like to the back office (API lease and webhook push alike)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from portal.cases.models import Case, Submission
from portal.cases.submissions import submission_payload
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
    if message.submission_id is not None:
        submission = session.get(Submission, message.submission_id)
        payload = submission_payload(keys, submission)
        body["submission"] = {"id": submission.id, "kind": submission.kind,
                              "payload_sha256": submission.payload_sha256, "payload": payload}
        body["links"] = {
            "receipt_pdf": public_url_for("api.receipt_pdf", submission_id=submission.id),
            "attachments": [public_url_for("api.attachment", attachment_id=a["id"])
                            for a in payload.get("attachments", [])],
        }
    return body
