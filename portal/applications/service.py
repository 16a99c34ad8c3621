"""The rules of applying: who the application is for, its payload, and sending it.

Sending is one transaction: case, submission, attachments, first case event, outbox message,
worker tasks (receipt PDF, e-mail) and audit event are committed together or not at all. The
draft's idempotency key makes a double click, a resent POST or a second tab land on the same
submission: the unique constraint decides any race.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy.orm import Session

from portal.applications.consent import chosen
from portal.applications.payloads import build_payload
from portal.applications.steps import consent_mode
from portal.cases.models import Submission
from portal.cases.opening import open_case, submission_once
from portal.clock import norway_date, utcnow
from portal.consents.service import from_application
from portal.drafts.models import Draft
from portal.identity.crypto import DataKeys
from portal.identity.models import Person
from portal.identity.nin import age_on, parse_nin
from portal.identity.persons import find_or_create_person, person_nin
from portal.municipalities.models import Municipality
from portal.representation.checks import parent_check
from portal.representation.service import for_application


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


def submit_draft(
    session: Session, keys: DataKeys, draft: Draft, *, municipality: Municipality,
    applicant: Person, answers: dict, language: str, channel: str = "web",
    staff_user_id: int | None = None, desk_visit_id: int | None = None,
) -> Submission:
    """Send the draft; or, if it was sent already, return that submission. At the desk the
    applicant is still the person (the sender); the staff member and the visit are recorded."""
    return submission_once(session, draft.idempotency_key, lambda: _create_submission(
        session, keys, draft, municipality=municipality, applicant=applicant, answers=answers,
        language=language, channel=channel, staff_user_id=staff_user_id,
        desk_visit_id=desk_visit_id))


def _create_submission(session, keys, draft, *, municipality, applicant, answers, language,
                       channel, staff_user_id, desk_visit_id) -> Submission:
    from portal.documents.attachments import attachments_for_draft

    subject = subject_of(keys, applicant, answers)
    subject_person = _subject_person(session, keys, applicant, subject)
    attachments = attachments_for_draft(session, municipality.id, draft.id)
    for_application(session, keys, municipality_id=municipality.id, applicant=applicant,
                    subject=subject_person, role=answers.get("for_whom", "self"),
                    attachment_ids=[a.id for a in attachments], check=parent_check())
    payload = build_payload(draft.kind, answers, municipality=municipality, applicant=applicant,
                            subject=subject, attachments=attachments, language=language,
                            submitted_at=utcnow(), channel=channel)
    _case, submission = open_case(
        session, keys, municipality_id=municipality.id, kind=draft.kind, subject=subject_person,
        sender=applicant, payload=payload, idempotency_key=draft.idempotency_key,
        language=language, channel=channel, attachment_ids=[a.id for a in attachments],
        sender_staff_user_id=staff_user_id, desk_visit_id=desk_visit_id)
    if draft.kind == "ip_application":
        _record_consents(session, municipality, applicant, subject, subject_person, answers,
                         language, submission)
    draft.submission_id = submission.id
    session.flush()
    return submission


def _subject_person(session, keys, applicant: Person, subject: Subject) -> Person:
    """The person the application is for: the applicant themself without a look-up (it is
    the logged-in person, already loaded), else found or made by identity number."""
    nin = parse_nin(subject.nin, allow_synthetic=True)
    if subject.nin == person_nin(keys, applicant).value:
        if applicant.birth_date is None:  # as find_or_create_person would fill it in
            applicant.birth_date = nin.birth_date
        return applicant
    return find_or_create_person(session, keys, nin, name=subject.name)


def _record_consents(session, municipality, applicant, subject, subject_person, answers,
                     language, submission) -> None:
    """The consents of the consent step go into the person's register, in this transaction."""
    mode = consent_mode(answers, subject.age(norway_date(submission.created_at)))
    # Each choice looks up the consent it replaces; without autoflush those look-ups do not
    # write the rows added so far one by one: they go in one INSERT at the flush below.
    with session.no_autoflush:
        from_application(session, municipality=municipality, applicant=applicant,
                         subject=subject_person, mode=mode, choices=chosen(answers),
                         text_version=answers.get("consent_version", ""), language=language,
                         submission=submission, case_id=submission.case_id)
