"""Sending a document into a case: one transaction, exactly once.

Every submission that is not a new application (an answer to a request for information,
a withdrawal, a fullmakt) goes through ``send``: the submission row (payload validated by
its JSON Schema, encrypted), its attachments, the case event, the outbox message for the
back office, the receipt tasks and the audit event are committed together or not at all.
The idempotency key makes a resent POST land on the same submission.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.orm import Session

from portal.applications.payloads import validate_payload
from portal.cases.models import Case, Submission
from portal.cases.opening import announce, submission_once
from portal.cases.submissions import seal_payload
from portal.clock import utcnow
from portal.identity.crypto import DataKeys
from portal.identity.models import Person

SCHEMA_VERSION = 1


def send(session: Session, keys: DataKeys, *, case: Case, kind: str, payload: dict,
         idempotency_key: str, sender: Person, language: str, event_type: str,
         event_data: dict | None = None, attachment_ids: Sequence[int] = (),
         channel: str = "web", staff_user_id: int | None = None,
         desk_visit_id: int | None = None) -> tuple[Submission, bool]:
    """The submission, and whether it is new (False: this key was sent before). At the
    service desk the sender is still the person; the staff member and visit are recorded."""
    made: list[Submission] = []

    def make() -> Submission:
        made.append(_send(session, keys, case=case, kind=kind, payload=payload,
                          idempotency_key=idempotency_key, sender=sender, language=language,
                          event_type=event_type, event_data=event_data or {},
                          attachment_ids=attachment_ids, channel=channel,
                          staff_user_id=staff_user_id, desk_visit_id=desk_visit_id))
        return made[0]

    submission = submission_once(session, idempotency_key, make)
    return submission, bool(made) and made[0] is submission


def _send(session, keys, *, case, kind, payload, idempotency_key, sender, language, event_type,
          event_data, attachment_ids, channel, staff_user_id, desk_visit_id) -> Submission:
    from portal.documents.attachments import move_to_submission_ids

    validate_payload(payload)
    submission = Submission(
        municipality_id=case.municipality_id, case_id=case.id, kind=kind,
        schema_version=SCHEMA_VERSION, payload_encrypted=b"", payload_sha256="",
        idempotency_key=idempotency_key, submitted_by_person_id=sender.id,
        subject_person_id=case.subject_person_id, channel=channel, language=language,
        submitted_by_staff_user_id=staff_user_id, desk_visit_id=desk_visit_id,
        created_at=utcnow())
    session.add(submission)
    session.flush()  # the unique idempotency key is checked here; the id binds the payload
    seal_payload(keys, submission, payload)
    move_to_submission_ids(session, case.municipality_id, attachment_ids, submission.id)
    announce(session, case, submission, sender, event_type=event_type, event_data=event_data,
             attachments=len(attachment_ids), staff_user_id=staff_user_id)
    case.updated_at = utcnow()
    session.flush()
    return submission
