"""The rules of applying: who the application is for, its payload, and sending it.

Sending is one transaction: case, submission, attachments, first case event, outbox message,
worker tasks (receipt PDF, e-mail) and audit event are committed together or not at all. The
draft's idempotency key makes a double click, a resent POST or a second tab land on the same
submission: the unique constraint decides any race.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from portal.applications.payloads import build_payload
from portal.cases.models import Case, CaseStatus, Submission
from portal.cases.references import new_reference
from portal.cases.submissions import seal_payload
from portal.cases.tracking import issue_tracking_code
from portal.clock import utcnow
from portal.drafts.models import Draft
from portal.identity.crypto import DataKeys
from portal.identity.models import Person
from portal.identity.nin import age_on, parse_nin
from portal.identity.persons import find_or_create_person, person_nin
from portal.municipalities.models import Municipality
from portal.representation.checks import parent_check
from portal.representation.service import for_application

SCHEMA_VERSIONS = {"ip_application": 1, "eip_access": 1}
REFERENCE_PREFIX = {"ip_application": "IP", "eip_access": "EIP", "power_of_attorney": "FM"}


@dataclass(frozen=True)
class Subject:
    """Who the application is for, as far as the answers tell."""

    name: str
    birth_date: date | None
    nin: str | None

    def age(self, today: date) -> int | None:
        return age_on(self.birth_date, today) if self.birth_date else None


def subject_of(keys: DataKeys, applicant: Person, answers: dict) -> Subject:
    if answers.get("for_whom", "self") == "self" or not answers.get("subject_nin"):
        nin = person_nin(keys, applicant)
        return Subject(applicant.name, nin.birth_date, nin.value)
    nin = parse_nin(answers["subject_nin"], allow_synthetic=True)  # validated on its step
    return Subject(answers.get("subject_name", ""), nin.birth_date, nin.value)


def find_submission(session: Session, idempotency_key: str) -> Submission | None:
    query = sa.select(Submission).where(Submission.idempotency_key == idempotency_key)
    return session.scalar(query)


def submit_draft(
    session: Session, keys: DataKeys, draft: Draft, *, municipality: Municipality,
    applicant: Person, answers: dict, language: str, channel: str = "web",
) -> Submission:
    """Send the draft; or, if it was sent already, return that submission."""
    existing = find_submission(session, draft.idempotency_key)
    if existing is not None:
        return existing
    try:
        with session.begin_nested():
            return _create_submission(session, keys, draft, municipality=municipality,
                                      applicant=applicant, answers=answers, language=language,
                                      channel=channel)
    except IntegrityError:  # another request sent the same draft a moment ago
        existing = find_submission(session, draft.idempotency_key)
        if existing is None:
            raise
        return existing


def _create_submission(session, keys, draft, *, municipality, applicant, answers, language,
                       channel) -> Submission:
    from portal.documents.attachments import attachments_for_draft

    subject = subject_of(keys, applicant, answers)
    subject_person = find_or_create_person(
        session, keys, parse_nin(subject.nin, allow_synthetic=True), name=subject.name
    )
    attachments = attachments_for_draft(session, municipality.id, draft.id)
    for_application(session, keys, municipality_id=municipality.id, applicant=applicant,
                    subject=subject_person, role=answers.get("for_whom", "self"),
                    attachment_ids=[a.id for a in attachments], check=parent_check())
    now = utcnow()
    payload = build_payload(draft.kind, answers, municipality=municipality, applicant=applicant,
                            subject=subject, attachments=attachments, language=language,
                            submitted_at=now, channel=channel)
    case = Case(municipality_id=municipality.id, kind=draft.kind, status=CaseStatus.SUBMITTED,
                reference=unused_reference(session, draft.kind, now.year),
                subject_person_id=subject_person.id, created_at=now, updated_at=now)
    session.add(case)
    session.flush()  # ciphertexts are bound to their row's id
    issue_tracking_code(keys, case)
    submission = Submission(
        municipality_id=municipality.id, case_id=case.id, kind=draft.kind,
        schema_version=SCHEMA_VERSIONS[draft.kind], payload_encrypted=b"", payload_sha256="",
        idempotency_key=draft.idempotency_key, submitted_by_person_id=applicant.id,
        subject_person_id=subject_person.id, channel=channel, language=language, created_at=now,
    )
    session.add(submission)
    session.flush()  # the unique idempotency key is checked here
    seal_payload(keys, submission, payload)
    _after_submission(session, draft, case, submission, applicant, attachments)
    return submission


def _after_submission(session, draft, case, submission, applicant, attachments) -> None:
    from portal.cases.sending import announce
    from portal.documents.attachments import move_to_submission

    move_to_submission(session, draft.id, submission.id)
    announce(session, case, submission, applicant, event_type="submitted",
             event_data={"kind": submission.kind}, attachments=len(attachments))
    draft.submission_id = submission.id
    session.flush()


def unused_reference(session: Session, kind: str, year: int) -> str:
    while True:
        reference = new_reference(year, REFERENCE_PREFIX[kind])
        if session.scalar(sa.select(Case.id).where(Case.reference == reference)) is None:
            return reference
