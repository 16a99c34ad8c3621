"""Telling the back office: every change to a person's consents is a ``consent`` submission.

The submissions live in the person's own consent case (kind ``consent``, reference
``SA-2026-…``), one per person and municipality, as a fullmakt has its own case. A consent
belongs to the person, not to one application: it can be given before any application, it
holds for every case about the person, and a person may have none or several IP cases. Each
submission names the person's IP cases, so the back office can file it with them, and carries
the person's whole set of current consents, so that one message is enough to be up to date.
The payload follows ``portal/applications/schemas/consent.v1.json``.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from portal import clock
from portal.cases.citizen_actions import envelope
from portal.cases.models import Case, CaseStatus, Submission
from portal.cases.opening import unused_reference
from portal.cases.sending import send
from portal.clock import utcnow
from portal.consents.models import Consent, GivenBy
from portal.consents.rules import (
    current_consents,
    missing_for,
    missing_for_case,
    shown_status,
    waits_for_check,
)
from portal.db import as_utc
from portal.identity.crypto import DataKeys
from portal.identity.models import Person, StaffUser
from portal.municipalities.models import Municipality
from portal.representation.models import ROLE_BY_BASIS, Representation

KIND = "consent"


def lock_person(session: Session, person: Person) -> None:
    """One consent change for a person at a time (PostgreSQL): two tabs, or a caseworker and
    the person at once, are served one after the other, and make one consent case."""
    session.execute(sa.select(Person.id).where(Person.id == person.id).with_for_update())


def consent_case(session: Session, municipality_id: int, subject: Person) -> Case:
    """The person's consent case, made the first time it is needed."""
    found = session.scalar(sa.select(Case).where(
        Case.municipality_id == municipality_id, Case.kind == KIND,
        Case.subject_person_id == subject.id))
    if found is not None:
        return found
    now = utcnow()
    case = Case(municipality_id=municipality_id, kind=KIND, status=CaseStatus.SUBMITTED,
                subject_person_id=subject.id, reference=unused_reference(session, KIND, now.year),
                created_at=now, updated_at=now)
    session.add(case)
    session.flush()
    return case


def last_day(consent: Consent):
    """The last day a consent holds (Norwegian date), or None."""
    if consent.valid_to is None:
        return None
    return clock.norway_date(as_utc(consent.valid_to) - timedelta(microseconds=1))


def consent_json(session: Session, consent: Consent) -> dict:
    """One consent as the back office sees it (consent.v1.json, ``$defs/consent``)."""
    staff = consent.recorded_by
    day = last_day(consent)
    return {
        "id": consent.id, "purpose": str(consent.purpose), "recipient": consent.recipient,
        "recipient_name": consent.recipient_name, "information": consent.information,
        "status": str(shown_status(consent)), "given_by": str(consent.given_by),
        "given_by_name": consent.given_by_name, "channel": str(consent.channel),
        "recorded_by": {"staff_id": staff.id, "name": staff.name} if staff else None,
        "desk_visit_id": consent.desk_visit_id or None,
        "waits_for_representation_check": waits_for_check(session, consent),
        "given_at": as_utc(consent.given_at).isoformat(),
        "last_day": day.isoformat() if day else None,
        "ended_at": as_utc(consent.ended_at).isoformat() if consent.ended_at else None,
        "replaces": consent.replaces_id, "text_version": consent.text_version,
        "text": consent.text, "language": consent.language,
    }


def cases_of_subject(session: Session, municipality_id: int, subject: Person) -> list[dict]:
    """The person's applications, each with the consent it still needs."""
    cases = session.scalars(sa.select(Case).where(
        Case.municipality_id == municipality_id, Case.subject_person_id == subject.id,
        Case.kind == "ip_application").order_by(Case.id)).all()
    return [{"reference": case.reference, "consent_missing": missing_for_case(session, case)}
            for case in cases]


def sender_role(session: Session, consent: Consent) -> str:
    """The sender's role in the envelope (common.v1.json ``applicant.role``)."""
    if consent.given_by == GivenBy.PERSON or consent.recorded_by_staff_user_id is not None:
        return "self"
    representation = session.get(Representation, consent.representation_id) \
        if consent.representation_id else None
    return ROLE_BY_BASIS[representation.basis] if representation else "fullmakt"


def deliver(session: Session, keys: DataKeys, *, municipality: Municipality, subject: Person,
            sender: Person, action: str, changed: Sequence[Consent], language: str,
            idempotency_key: str, staff: StaffUser | None = None,
            desk_visit_id: int | None = None) -> Submission:
    """Send a ``consent`` submission (given, changed, withdrawn) into the consent case, in
    the caller's transaction: the submission, its case event, the outbox message, the
    receipt tasks and the audit record commit together with the change, or not at all."""
    case = consent_case(session, municipality.id, subject)
    channel = "desk" if staff is not None else "web"
    payload = envelope(keys, KIND, municipality=municipality, sender=sender,
                       role=sender_role(session, changed[0]), subject=subject,
                       language=language, channel=channel)
    session.flush()
    payload.update({
        "action": action,
        "changed": [consent_json(session, consent) for consent in changed],
        "consents": [consent_json(session, consent) for consent in
                     current_consents(session, municipality.id, subject.id)],
        "consent_missing": missing_for(session, municipality.id, subject),
        "cases": cases_of_subject(session, municipality.id, subject),
    })
    submission, _new = send(session, keys, case=case, kind=KIND, payload=payload,
                            idempotency_key=idempotency_key, sender=sender, language=language,
                            event_type=f"consent_{action}", event_data={"action": action},
                            channel=channel, staff_user_id=staff.id if staff else None,
                            desk_visit_id=desk_visit_id)
    for consent in changed:
        if consent.submission_id is None:
            consent.submission_id = submission.id
    session.flush()
    return submission
