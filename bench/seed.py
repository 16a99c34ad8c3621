"""Data the queue and receipt benchmarks start from: copies of one real submission.

Each copy is a case, a submission (the same payload, encrypted again for each copy: a
ciphertext is bound to its row, see portal.identity.crypto) and, as asked, its outbox message
or receipt task, written with SQLAlchemy bulk inserts so that the models' defaults apply.
"""

from __future__ import annotations

import secrets

import sqlalchemy as sa
from sqlalchemy.orm import Session

from portal.applications.models import Receipt
from portal.applications.receipts import receipt_context
from portal.cases.models import Case, CaseStatus, Submission
from portal.cases.submissions import canonical_json, payload_context, submission_payload
from portal.clock import utcnow
from portal.identity.crypto import DataKeys
from portal.queue.models import OutboxMessage, Task

BATCH = 2000


def template_submission(session: Session) -> Submission:
    found = session.scalar(sa.select(Submission).order_by(Submission.id).limit(1))
    if found is None:
        raise RuntimeError("no submission to copy: the submit benchmark makes the first ones")
    return found


def copy_submissions(session: Session, keys: DataKeys, template: Submission, count: int,
                     label: str) -> list[tuple[int, int]]:
    """``count`` new cases with one submission each; returns (case id, submission id) pairs."""
    template_case = session.get(Case, template.case_id)
    payload = submission_payload(keys, template)
    pairs: list[tuple[int, int]] = []
    for start in range(0, count, BATCH):
        size = min(BATCH, count - start)
        now = utcnow()
        cases = [{"municipality_id": template.municipality_id, "kind": template.kind,
                  "reference": f"{label}-{secrets.token_hex(6).upper()}",
                  "subject_person_id": template_case.subject_person_id,
                  "status": CaseStatus.SUBMITTED, "created_at": now, "updated_at": now}
                 for _ in range(size)]
        case_ids = list(session.scalars(
            sa.insert(Case).returning(Case.id, sort_by_parameter_order=True), cases))
        submissions = [{
            "municipality_id": template.municipality_id, "case_id": case_id,
            "kind": template.kind, "schema_version": template.schema_version,
            "payload_encrypted": b"",
            "payload_sha256": template.payload_sha256,
            "idempotency_key": f"{label}-{case_id}-{secrets.token_hex(4)}",
            "submitted_by_person_id": template.submitted_by_person_id,
            "subject_person_id": template.subject_person_id, "channel": template.channel,
            "language": template.language, "created_at": now,
        } for case_id in case_ids]
        submission_ids = list(session.scalars(
            sa.insert(Submission).returning(Submission.id, sort_by_parameter_order=True),
            submissions))
        _seal_copies(session, keys, template, payload, list(zip(case_ids, submission_ids,
                                                                strict=True)))
        pairs += list(zip(case_ids, submission_ids, strict=True))
    return pairs


def _seal_copies(session: Session, keys: DataKeys, template: Submission, payload: dict,
                 pairs: list[tuple[int, int]]) -> None:
    """Each copy's payload encrypted for its own row (the template's does not decrypt there)."""
    text = canonical_json(payload).decode()
    session.execute(sa.update(Submission), [
        {"id": submission_id, "payload_encrypted": keys.encrypt(text, payload_context(
            Submission(id=submission_id, case_id=case_id,
                       municipality_id=template.municipality_id)))}
        for case_id, submission_id in pairs])



def add_outbox_messages(session: Session, municipality_id: int, kind: str,
                        pairs: list[tuple[int, int]]) -> None:
    """One '<kind>.submitted' message per copied submission, as sending would add it."""
    for start in range(0, len(pairs), BATCH):
        session.execute(sa.insert(OutboxMessage), [
            {"municipality_id": municipality_id, "type": f"{kind}.submitted",
             "schema_version": 1, "case_id": case_id, "submission_id": submission_id,
             "payload": {"submission_id": submission_id, "attachments": 0}}
            for case_id, submission_id in pairs[start:start + BATCH]])


def copy_receipts(session: Session, keys: DataKeys, template: Submission,
                  pairs: list[tuple[int, int]]) -> None:
    """The template's receipt PDF for each copy, encrypted for the copy's own receipt row, as
    if the worker had made it: a back office fetches each submission's receipt, and a copy
    without one answers 404 at once, which costs the server next to nothing. (The bytes name
    the template's reference; rendering 10,000 PDFs would take the worker most of an hour.)"""
    found = session.scalar(sa.select(Receipt).where(Receipt.submission_id == template.id))
    if found is None:
        raise RuntimeError("the template submission has no receipt: make it first")
    pdf = keys.decrypt_bytes(found.pdf_encrypted, receipt_context(found))
    for start in range(0, len(pairs), BATCH):
        ids = [submission_id for _case_id, submission_id in pairs[start:start + BATCH]]
        receipt_ids = list(session.scalars(
            sa.insert(Receipt).returning(Receipt.id, sort_by_parameter_order=True),
            [{"submission_id": submission_id, "pdf_encrypted": b""} for submission_id in ids]))
        session.execute(sa.update(Receipt), [
            {"id": receipt_id, "pdf_encrypted": keys.encrypt_bytes(pdf, receipt_context(
                Receipt(id=receipt_id, submission_id=submission_id)))}
            for receipt_id, submission_id in zip(receipt_ids, ids, strict=True)])


def add_receipt_tasks(session: Session, municipality_id: int,
                      pairs: list[tuple[int, int]]) -> None:
    for start in range(0, len(pairs), BATCH):
        session.execute(sa.insert(Task), [
            {"kind": "receipt_pdf", "municipality_id": municipality_id,
             "payload": {"submission_id": submission_id}}
            for _case_id, submission_id in pairs[start:start + BATCH]])
