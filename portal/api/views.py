"""/api/v1: the back-office queue, case events and documents. Described in openapi.json."""

from __future__ import annotations

import base64
import io
import json
import zipfile
from pathlib import Path
from typing import NoReturn

import sqlalchemy as sa
from flask import Blueprint, Response, jsonify, request
from werkzeug.exceptions import default_exceptions

from portal import access
from portal.api.auth import current_client, scope
from portal.api.messages import messages_json
from portal.applications.receipts import receipts_of
from portal.audit.service import record_reads
from portal.cases.event_requests import EventRequestError, parse_event_request
from portal.cases.models import Case, CaseEvent, Submission
from portal.cases.service import (
    EventDataError,
    TransitionRefusedError,
    apply_event,
    case_by_reference,
)
from portal.complaints.service import about_case
from portal.consents.api import consents_json
from portal.db import among, as_utc, session
from portal.documents.attachments import Attachment, read_attachment
from portal.identity.crypto import data_keys
from portal.municipalities.models import Municipality
from portal.queue import service as queue

blueprint = Blueprint("api", __name__, url_prefix="/api/v1")
OPENAPI = Path(__file__).parent / "openapi.json"
LEASE_LIMITS = {
    "max_messages": (1, 100, 10),
    "lease_seconds": (10, 3600, queue.DEFAULT_LEASE_SECONDS),
}
MAX_BATCH_ACK = 500
MAX_BATCH_RECEIPTS = 100  # a lease's largest batch


def problem(status: int, detail: str) -> NoReturn:
    """Stop with an RFC 9457 problem response (see portal.security.api_problem)."""
    error = default_exceptions[status](description=detail)
    error.api_detail = detail
    raise error


def json_object() -> dict:
    body = request.get_json(silent=True) if request.content_length else {}
    if not isinstance(body, dict):
        problem(400, "The body must be a JSON object.")
    return body


def closed(body: dict, allowed: set[str]) -> dict:
    """Refuse fields the schema does not name (its ``additionalProperties: false``)."""
    unknown = sorted(set(body) - allowed)
    if unknown:
        problem(422, f"Unknown fields: {', '.join(unknown)}.")
    return body


def bounded_int(body: dict, name: str) -> int:
    low, high, default = LEASE_LIMITS[name]
    value = body.get(name, default)
    if isinstance(value, float) and value.is_integer():  # JSON Schema: 95.0 is an integer
        value = int(value)
    if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
        problem(422, f"{name} must be a whole number from {low} to {high}.")
    return value


@blueprint.get("/openapi.json")
@access.public
def openapi():
    return Response(OPENAPI.read_text(), mimetype="application/json")


@blueprint.post("/queue/lease")
@scope("queue")
def lease():
    body = closed(json_object(), {"max_messages", "lease_seconds"})
    messages = queue.lease(session(), current_client().municipality_id,
                           max_messages=bounded_int(body, "max_messages"),
                           lease_seconds=bounded_int(body, "lease_seconds"))
    loaded = _load_for(messages)  # noqa: F841 - held until the response is made, see below
    _audit_reads([session().get(Case, message.case_id) for message in messages],
                 "queue.leased")
    return Response(messages_json(session(), data_keys(), messages), mimetype="application/json")


def _load_for(messages) -> list:
    """The messages' municipality, cases and submissions in three queries: what follows finds
    them in the session instead of asking the database once per message (make bench,
    «queue»). The session's identity map holds its objects weakly, so the caller keeps the
    returned list until it is done."""
    case_ids = {message.case_id for message in messages}
    submission_ids = {m.submission_id for m in messages if m.submission_id is not None}
    loaded: list = [session().get(Municipality, current_client().municipality_id)]
    if case_ids:
        loaded += session().scalars(
            sa.select(Case).where(among(session(), Case.id, case_ids))).all()
    if submission_ids:
        loaded += session().scalars(
            sa.select(Submission).where(among(session(), Submission.id, submission_ids))).all()
    return loaded


def _message(message_id: str):
    message = queue.find_message(session(), current_client().municipality_id, message_id)
    if message is None:
        problem(404, "No such message in this municipality's queue.")
    return message


@blueprint.post("/queue/ack")
@scope("queue")
def ack_batch():
    """Acknowledge 1 to 500 messages in one transaction, each as the single ack would."""
    body = request.get_json(silent=True)
    message_ids = body.get("message_ids") if isinstance(body, dict) else None
    if (not isinstance(message_ids, list) or not 1 <= len(message_ids) <= MAX_BATCH_ACK
            or not all(isinstance(message_id, str) for message_id in message_ids)):
        problem(422, f"The body must be a JSON object with message_ids: a list of 1 to "
                     f"{MAX_BATCH_ACK} message ids (texts).")
    closed(body, {"message_ids"})
    acknowledged, not_found = queue.ack_many(session(), current_client().municipality_id,
                                             message_ids)
    return jsonify(acknowledged=acknowledged, not_found=not_found)


@blueprint.post("/queue/<message_id>/ack")
@scope("queue")
def ack(message_id: str):
    message = queue.ack(session(), _message(message_id))
    return jsonify(id=message.id, acked_at=as_utc(message.acked_at).isoformat())


@blueprint.post("/queue/<message_id>/release")
@scope("queue")
def release(message_id: str):
    reason = closed(json_object(), {"reason"}).get("reason", "")
    if not isinstance(reason, str) or not reason or len(reason) > 500:
        problem(422, "reason must be a text of 1 to 500 characters.")
    message = _message(message_id)
    if message.acked_at is not None:
        problem(409, "The message is acknowledged already.")
    queue.release(session(), message, reason)
    return jsonify(id=message.id, dead_lettered=message.dead_lettered_at is not None)


@blueprint.get("/submissions/<int:submission_id>/receipt.pdf", endpoint="receipt_pdf")
@scope("queue")
def receipt_pdf_download(submission_id: int):
    found = receipts_of(session(), current_client().municipality_id, [submission_id])
    receipt = found.get(submission_id)
    if receipt is None:
        problem(404, "No such submission.")
    if receipt.pdf is None:
        problem(404, "The receipt is not made yet. Try again in a minute.")
    _audit_reads([receipt], "receipt.read")
    return Response(receipt.pdf, mimetype="application/pdf")


@blueprint.post("/submissions/receipts")
@scope("queue")
def receipts_batch():
    """The receipts of 1 to 100 submissions in one call (a lease's batch): one request and
    one audit append for the batch instead of one each (make bench, «queue»)."""
    body = request.get_json(silent=True)
    ids = body.get("submission_ids") if isinstance(body, dict) else None
    if isinstance(ids, list):  # JSON Schema: 95.0 is an integer
        ids = [int(i) if isinstance(i, float) and i.is_integer() else i for i in ids]
    if (not isinstance(ids, list) or not 1 <= len(ids) <= MAX_BATCH_RECEIPTS
            or not all(isinstance(i, int) and not isinstance(i, bool) for i in ids)):
        problem(422, f"The body must be a JSON object with submission_ids: a list of 1 to "
                     f"{MAX_BATCH_RECEIPTS} submission ids (whole numbers).")
    closed(body, {"submission_ids"})
    wanted = list(dict.fromkeys(ids))
    found = receipts_of(session(), current_client().municipality_id,
                        [i for i in wanted if 0 < i < 2**31])
    ready = [found[i] for i in wanted if i in found and found[i].pdf is not None]
    _audit_reads(ready, "receipt.read")  # each one handed out, before it leaves
    answer = receipts_zip if request.accept_mimetypes.best_match(
        ["application/json", "application/zip"]) == "application/zip" else receipts_response
    response = answer(ready, not_found=[i for i in wanted if i not in found],
                      not_ready=[i for i in wanted if i in found and found[i].pdf is None])
    response.vary.add("Accept")
    return response


def receipts_response(ready: list, *, not_ready: list[int], not_found: list[int]) -> Response:
    """The batch's JSON written as bytes: base64 (A-Z a-z 0-9 + / =) needs no JSON escaping,
    so each PDF's base64 goes into the body as ``b64encode`` made it. ``jsonify`` turned each
    into a text and scanned it again for characters to escape, a megabyte and more for a
    lease of 50, the largest share of the call's time (make bench, «queue»)."""
    receipts = b",".join(b'{"submission_id":%d,"pdf_base64":"%s"}'
                         % (r.submission_id, base64.b64encode(r.pdf)) for r in ready)
    body = b'{"receipts":[%s],"not_ready":%s,"not_found":%s}\n' % (
        receipts, json.dumps(not_ready).encode(), json.dumps(not_found).encode())
    return Response(body, mimetype="application/json")


# The entries' time: a ZIP entry must have one, and the receipts' own is in the PDFs.
ZIP_ENTRY_TIME = (1980, 1, 1, 0, 0, 0)


def receipts_zip(ready: list, *, not_ready: list[int], not_found: list[int]) -> Response:
    """The batch as a ZIP (``Accept: application/zip``): ``receipts.json`` first, with the
    same lists as the JSON answer (each receipt names its file instead of carrying it), then
    each receipt as ``<submission_id>.pdf``, stored as it is (a PDF is compressed already).
    No base64 to write and read back: for a batch of 100 the JSON answer was 3.6 MB, and
    encoding it and decoding it on the back office's side was most of the call's time on
    both sides (make bench, «queue»). Each entry has its CRC-32, which any ZIP reader checks."""
    manifest = {"receipts": [{"submission_id": r.submission_id,
                              "file": f"{r.submission_id}.pdf"} for r in ready],
                "not_ready": not_ready, "not_found": not_found}
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
        archive.writestr(zipfile.ZipInfo("receipts.json", ZIP_ENTRY_TIME),
                         json.dumps(manifest, separators=(",", ":")))
        for receipt in ready:
            archive.writestr(zipfile.ZipInfo(f"{receipt.submission_id}.pdf", ZIP_ENTRY_TIME),
                             receipt.pdf)
    return Response(buffer.getvalue(), mimetype="application/zip")


@blueprint.get("/attachments/<int:attachment_id>")
@scope("queue")
def attachment(attachment_id: int):
    found = session().get(Attachment, attachment_id)
    if (found is None or found.municipality_id != current_client().municipality_id
            or found.submission_id is None):
        problem(404, "No such attachment.")
    case_id = session().get(Submission, found.submission_id).case_id
    _audit_read(case_id, "attachment.read")
    return Response(read_attachment(data_keys(), found), mimetype=found.content_type)


def _case(reference: str) -> Case:
    case = case_by_reference(session(), current_client().municipality_id, reference)
    if case is None:
        problem(404, "No such case in this municipality.")
    return case


@blueprint.get("/cases/<reference>")
@scope("cases")
def case_status(reference: str):
    case = _case(reference)
    _audit_read(case.id, "case.read")
    return jsonify(case_json(case))


@blueprint.get("/cases/<reference>/consents")
@scope("cases")
def case_consents(reference: str):
    """The consents that hold now for the person the case is about, and whose consent to
    the plan work is still missing. The read is audit-logged (the person sees it)."""
    case = _case(reference)
    _audit_read(case.id, "consents.read")
    return jsonify(consents_json(session(), case))


@blueprint.post("/cases/<reference>/events")
@scope("cases")
def case_event(reference: str):
    try:
        event_type, data = parse_event_request(json_object())
    except EventRequestError as error:
        problem(422, str(error))
    case = _case(reference)
    try:
        event = apply_event(session(), case, event_type, data,
                            api_client_id=current_client().id)
    except EventDataError as error:
        problem(422, str(error))
    except TransitionRefusedError as error:
        problem(409, str(error))
    response = jsonify(event_json(event) | {"case_status": str(case.status)})
    response.status_code = 201
    return response


def case_json(case: Case) -> dict:
    return {"reference": case.reference, "kind": case.kind, "status": str(case.status),
            "created_at": as_utc(case.created_at).isoformat(),
            "updated_at": as_utc(case.updated_at).isoformat(),
            "concerns": case.concerns.reference if case.concerns else None,
            "complaints": [complaint.reference for complaint in about_case(session(), case)],
            "events": [event_json(event) for event in case.events]}


def event_json(event: CaseEvent) -> dict:
    return {"id": event.id, "type": event.type, "data": json.loads(json.dumps(event.data)),
            "created_at": as_utc(event.created_at).isoformat()}


def _audit_read(case_id: int, action: str) -> None:
    """Every read of a case through the API is audit-logged (who, which case, when)."""
    _audit_reads([session().get(Case, case_id)], action)


def _audit_reads(cases: list, action: str) -> None:
    """One audit event per case read (a lease: per message; a receipt: per receipt), recorded
    together. ``cases``: cases, or rows that name one as a case does (``ReceiptRead``)."""
    if not cases:
        return
    client = current_client()
    reason = f"api client {client.id} ({client.name})"
    record_reads(session(), action, [
        {"municipality_id": case.municipality_id, "subject_person_id": case.subject_person_id,
         "target": f"case:{case.reference}", "reason": reason} for case in cases])
