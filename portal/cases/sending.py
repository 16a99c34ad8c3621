"""Sending a document into a case: one transaction, exactly once.

Every submission that is not a new application (an answer to a request for information,
a withdrawal, a fullmakt) goes through ``send``: the submission row (payload validated by
its JSON Schema, encrypted), its attachments, the case event, the outbox message for the
back office, the receipt tasks and the audit event are committed together or not at all.
The idempotency key makes a resent POST land on the same submission.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from portal.applications.payloads import validate_payload
from portal.audit.service import record
from portal.cases.models import Case, CaseEvent, Submission
from portal.cases.submissions import seal_payload
from portal.clock import utcnow
from portal.identity.crypto import DataKeys
from portal.identity.models import Person
from portal.queue.models import OutboxMessage
from portal.queue.tasks import enqueue

SCHEMA_VERSION = 1


def find_submission(session: Session, idempotency_key: str) -> Submission | None:
    return session.scalar(sa.select(Submission).where(
        Submission.idempotency_key == idempotency_key))


def send(session: Session, keys: DataKeys, *, case: Case, kind: str, payload: dict,
         idempotency_key: str, sender: Person, language: str, event_type: str,
         event_data: dict | None = None, attachment_ids: Sequence[int] = (),
         channel: str = "web") -> tuple[Submission, bool]:
    """The submission, and whether it is new (False: this key was sent before)."""
    existing = find_submission(session, idempotency_key)
    if existing is not None:
        return existing, False
    try:
        with session.begin_nested():
            return _send(session, keys, case=case, kind=kind, payload=payload,
                         idempotency_key=idempotency_key, sender=sender, language=language,
                         event_type=event_type, event_data=event_data or {},
                         attachment_ids=attachment_ids, channel=channel), True
    except IntegrityError:  # the same key, sent a moment ago by another request
        existing = find_submission(session, idempotency_key)
        if existing is None:
            raise
        return existing, False


def _send(session, keys, *, case, kind, payload, idempotency_key, sender, language, event_type,
          event_data, attachment_ids, channel) -> Submission:
    from portal.documents.attachments import Attachment

    validate_payload(payload)
    submission = Submission(
        municipality_id=case.municipality_id, case_id=case.id, kind=kind,
        schema_version=SCHEMA_VERSION, payload_encrypted=b"", payload_sha256="",
        idempotency_key=idempotency_key, submitted_by_person_id=sender.id,
        subject_person_id=case.subject_person_id, channel=channel, language=language,
        created_at=utcnow())
    session.add(submission)
    session.flush()  # the unique idempotency key is checked here; the id binds the payload
    seal_payload(keys, submission, payload)
    if attachment_ids:
        session.execute(sa.update(Attachment).where(
            Attachment.id.in_(list(attachment_ids)), Attachment.submission_id.is_(None),
            Attachment.municipality_id == case.municipality_id,
        ).values(submission_id=submission.id, draft_id=None)
            .execution_options(synchronize_session="fetch"))
    announce(session, case, submission, sender, event_type=event_type, event_data=event_data,
             attachments=len(attachment_ids))
    case.updated_at = utcnow()
    session.flush()
    return submission


def announce(session: Session, case: Case, submission: Submission, sender: Person, *,
             event_type: str, event_data: dict, attachments: int) -> None:
    """What every new submission brings, in its transaction: the case event, the message to
    the back office, the receipt (PDF and e-mail, made by the worker) and the audit record."""
    session.add(CaseEvent(case_id=case.id, type=event_type, actor_person_id=sender.id,
                          data={"submission_id": submission.id, **event_data}))
    session.add(OutboxMessage(
        municipality_id=case.municipality_id, type=f"{submission.kind}.submitted",
        schema_version=submission.schema_version, case_id=case.id, submission_id=submission.id,
        payload={"reference": case.reference, "submission_id": submission.id,
                 "attachments": attachments}))
    enqueue(session, "receipt_pdf", case.municipality_id, submission_id=submission.id)
    enqueue(session, "receipt_email", case.municipality_id, submission_id=submission.id)
    record(session, "submission.created", municipality_id=case.municipality_id,
           actor_person_id=sender.id, subject_person_id=case.subject_person_id,
           target=f"case:{case.reference}", reason=submission.kind)
