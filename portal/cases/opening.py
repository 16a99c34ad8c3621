"""Opening a case: a new case with its first submission, in one transaction, exactly once.

Every kind that starts a case of its own (an application, access to the electronic plan, a
complaint, a fullmakt) opens it here: the case (a random reference with a check character,
a tracking code for the status page), the submission (payload sealed), its attachments, the
first case event, the back-office outbox message, the receipt tasks and the audit record.
The caller's draft idempotency key is unique on the submission: a resent POST or a second tab
finds the submission already made (``submission_once``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from portal.audit.service import record
from portal.cases import next_deadline
from portal.cases.models import Case, CaseEvent, CaseStatus, Submission
from portal.cases.references import new_reference
from portal.cases.submissions import seal_payload
from portal.cases.tracking import issue_tracking_code
from portal.clock import utcnow
from portal.identity.crypto import DataKeys
from portal.identity.models import Person
from portal.queue.models import OutboxMessage
from portal.queue.tasks import enqueue

REFERENCE_PREFIX = {"ip_application": "IP", "eip_access": "EIP", "power_of_attorney": "FM",
                    "complaint": "KL", "consent": "SA"}
SCHEMA_VERSION = 1


def unused_reference(session: Session, kind: str, year: int) -> str:
    while True:
        reference = new_reference(year, REFERENCE_PREFIX[kind])
        if session.scalar(sa.select(Case.id).where(Case.reference == reference)) is None:
            return reference


def find_submission(session: Session, idempotency_key: str) -> Submission | None:
    return session.scalar(sa.select(Submission).where(
        Submission.idempotency_key == idempotency_key))


def submission_once(session: Session, idempotency_key: str,
                    make: Callable[[], Submission]) -> Submission:
    """``make()`` the submission, unless this key was sent before: then that submission.

    A race between two requests with one key is decided by the unique constraint: the loser's
    savepoint is rolled back and it returns the winner's submission.
    """
    existing = find_submission(session, idempotency_key)
    if existing is not None:
        return existing
    try:
        with session.begin_nested():
            return make()
    except IntegrityError:
        existing = find_submission(session, idempotency_key)
        if existing is None:
            raise
        return existing


def open_case(session: Session, keys: DataKeys, *, municipality_id: int, kind: str,
              subject: Person, sender: Person, payload: dict, idempotency_key: str,
              language: str, channel: str, attachment_ids: Sequence[int] = (),
              event_data: dict | None = None, concerns: Case | None = None,
              submitted_late: bool | None = None, sender_staff_user_id: int | None = None,
              desk_visit_id: int | None = None) -> tuple[Case, Submission]:
    """The new case and its first submission (the payload is validated by the caller)."""
    from portal.documents.attachments import move_to_submission_ids

    now = utcnow()
    case = Case(municipality_id=municipality_id, kind=kind, status=CaseStatus.SUBMITTED,
                reference=unused_reference(session, kind, now.year),
                subject_person_id=subject.id, created_at=now, updated_at=now,
                concerns_case_id=concerns.id if concerns else None,
                submitted_late=submitted_late, channel=channel)
    session.add(case)
    session.flush()  # ciphertexts are bound to their row's id
    submission = Submission(
        municipality_id=municipality_id, case_id=case.id, kind=kind,
        schema_version=SCHEMA_VERSION, payload_encrypted=b"", payload_sha256="",
        idempotency_key=idempotency_key, submitted_by_person_id=sender.id,
        submitted_by_staff_user_id=sender_staff_user_id, desk_visit_id=desk_visit_id,
        subject_person_id=subject.id, channel=channel, language=language, created_at=now)
    session.add(submission)
    session.flush()  # the unique idempotency key is checked here; the id binds the payload
    # After that flush: the tracking code, the channel and the next deadline (announce) are
    # then one UPDATE of the case.
    issue_tracking_code(keys, case)
    seal_payload(keys, submission, payload)
    move_to_submission_ids(session, municipality_id, attachment_ids, submission.id)
    announce(session, case, submission, sender, event_type="submitted",
             event_data={"kind": kind, **(event_data or {})}, attachments=len(attachment_ids),
             staff_user_id=sender_staff_user_id)
    return case, submission


def announce(session: Session, case: Case, submission: Submission, sender: Person, *,
             event_type: str, event_data: dict, attachments: int,
             staff_user_id: int | None = None) -> None:
    """What every new submission brings, in its transaction: the case event, the message to
    the back office, the receipt (PDF and e-mail, made by the worker) and the audit record."""
    event = CaseEvent(case_id=case.id, type=event_type, actor_person_id=sender.id,
                      actor_staff_user_id=staff_user_id,
                      data={"submission_id": submission.id, **event_data})
    session.add(event)
    if case.channel is None:
        case.channel = submission.channel
    if event_type == "submitted":
        next_deadline.refresh(case, [event])
    session.add(OutboxMessage(
        municipality_id=case.municipality_id, type=f"{submission.kind}.submitted",
        schema_version=submission.schema_version, case_id=case.id, submission_id=submission.id,
        payload={"reference": case.reference, "submission_id": submission.id,
                 "attachments": attachments}))
    enqueue(session, "receipt_pdf", case.municipality_id, submission_id=submission.id)
    enqueue(session, "receipt_email", case.municipality_id, submission_id=submission.id)
    record(session, "submission.created", municipality_id=case.municipality_id,
           actor_person_id=sender.id, actor_staff_user_id=staff_user_id,
           subject_person_id=case.subject_person_id,
           target=f"case:{case.reference}", reason=submission.kind)
