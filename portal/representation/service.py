"""Giving, changing, revoking and verifying representations, and telling the back office.

Each change is delivered as a ``power_of_attorney`` submission in the representation's own
case (kind ``power_of_attorney``), in the same transaction as the change itself.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from portal import clock
from portal.audit.service import record
from portal.cases.models import Case, CaseStatus, Submission
from portal.cases.opening import unused_reference
from portal.clock import utcnow
from portal.db import as_utc
from portal.documents.scanning import Scanner
from portal.identity.crypto import DataKeys
from portal.identity.models import Person, StaffUser
from portal.identity.nin import NationalIdentityNumber, age_on
from portal.identity.persons import find_or_create_person, person_nin
from portal.municipalities.models import Municipality
from portal.queue.tasks import enqueue
from portal.representation.checks import ParentCheck
from portal.representation.models import (
    BASIS_BY_ROLE,
    ROLE_BY_BASIS,
    Basis,
    Evidence,
    Representation,
    Scope,
    Status,
)
from portal.representation.rules import (
    PARENTAL_AGE_LIMIT,
    PRINCIPAL_MIN_AGE,
    REPRESENTATIVE_MIN_AGE,
    birth_date_of,
    is_current,
)

ALL_SCOPES = [str(scope) for scope in Scope]


class RepresentationRefusedError(ValueError):
    """A rule stops this representation; ``code`` says which (for the message next to a field)."""

    def __init__(self, code: str, field: str) -> None:
        super().__init__(code)
        self.code = code
        self.field = field


def end_of_day(day: date | None) -> datetime | None:
    """A fullmakt «until 31 December» holds all that day, Norwegian time."""
    return None if day is None else clock.end_of_day(day)


def last_day(representation: Representation) -> date | None:
    if representation.valid_to is None:
        return None
    # valid_to is the first moment after the last day (clock.end_of_day).
    return clock.norway_date(as_utc(representation.valid_to) - timedelta(microseconds=1))


def idempotency_key(*parts: object) -> str:
    return hashlib.sha256(":".join(str(part) for part in parts).encode()).hexdigest()


def check_ages(principal_born: date, representative_born: date, today: date) -> None:
    if age_on(principal_born, today) < PRINCIPAL_MIN_AGE:
        raise RepresentationRefusedError("principal_too_young", "principal")
    if age_on(representative_born, today) < REPRESENTATIVE_MIN_AGE:
        raise RepresentationRefusedError("representative_too_young", "representative_nin")


def clean_scopes(scopes: Sequence[str]) -> list[str]:
    chosen = [scope for scope in ALL_SCOPES if scope in set(scopes)]
    if not chosen:
        raise RepresentationRefusedError("no_scope", "scopes")
    return chosen


# --- The principal gives a fullmakt while logged in ------------------------------------------


def grant_digital(session: Session, keys: DataKeys, *, municipality: Municipality,
                  principal: Person, representative_nin: NationalIdentityNumber,
                  representative_name: str, scopes: Sequence[str], valid_to: date | None,
                  language: str, request_id: str) -> Representation:
    key = idempotency_key("granted", principal.id, request_id)
    if (again := delivered_with(session, key)) is not None:
        return again  # a resent confirmation: the same fullmakt
    today = clock.today()
    if valid_to is not None and valid_to < today:
        raise RepresentationRefusedError("ends_in_past", "valid_to")
    representative = find_or_create_person(session, keys, representative_nin,
                                           name=representative_name)
    if representative.id == principal.id:
        raise RepresentationRefusedError("self", "representative_nin")
    check_ages(birth_date_of(principal), representative_nin.birth_date, today)
    representation = Representation(
        municipality_id=municipality.id, principal_person_id=principal.id,
        representative_person_id=representative.id, basis=Basis.FULLMAKT,
        scopes=clean_scopes(scopes), status=Status.ACTIVE, evidence=Evidence.DIGITAL,
        valid_from=utcnow(), valid_to=end_of_day(valid_to), created_by_person_id=principal.id)
    session.add(representation)
    session.flush()
    deliver(session, keys, representation, "granted", sender=principal, language=language,
            idempotency_key=key)
    return representation


def change(session: Session, keys: DataKeys, representation: Representation, *,
           by: Person, scopes: Sequence[str], valid_to: date | None, language: str,
           request_id: str) -> Representation:
    key = idempotency_key("changed", representation.id, request_id)
    if delivered_with(session, key) is not None:
        return representation
    today = clock.today()
    if valid_to is not None and valid_to < today:
        raise RepresentationRefusedError("ends_in_past", "valid_to")
    representation.scopes = clean_scopes(scopes)
    representation.valid_to = end_of_day(valid_to)
    representation.updated_at = utcnow()
    deliver(session, keys, representation, "changed", sender=by, language=language,
            idempotency_key=key)
    return representation


def revoke(session: Session, keys: DataKeys, representation: Representation, *, by: Person,
           language: str) -> Representation:
    """The principal takes it back, or the representative gives it up: it ends at once."""
    if representation.status in (Status.REVOKED, Status.REJECTED):
        return representation
    representation.status = Status.REVOKED
    representation.revoked_at = utcnow()
    deliver(session, keys, representation, "revoked", sender=by, language=language,
            idempotency_key=idempotency_key("revoked", representation.id))
    return representation


# --- The representative brings a paper fullmakt, a verge certificate, or is a parent ---------


def upload_document(session: Session, keys: DataKeys, *, municipality: Municipality,
                    representative: Person, principal_nin: NationalIdentityNumber,
                    principal_name: str, basis: Basis, scopes: Sequence[str], data: bytes,
                    filename: str | None, language: str, request_id: str,
                    scanner: Scanner) -> Representation:
    from portal.documents.attachments import store_attachment

    key = idempotency_key("uploaded", representative.id, request_id)
    if (again := delivered_with(session, key)) is not None:
        return again
    principal = find_or_create_person(session, keys, principal_nin, name=principal_name)
    if principal.id == representative.id:
        raise RepresentationRefusedError("self", "principal_nin")
    today = clock.today()
    if age_on(birth_date_of(representative), today) < REPRESENTATIVE_MIN_AGE:
        raise RepresentationRefusedError("you_are_too_young", "principal_nin")
    if basis == Basis.FULLMAKT and age_on(principal_nin.birth_date, today) < PRINCIPAL_MIN_AGE:
        raise RepresentationRefusedError("principal_too_young", "principal_nin")
    attachment = store_attachment(session, keys, scanner=scanner, municipality_id=municipality.id,
                                  data=data, filename=filename,
                                  uploaded_by_person_id=representative.id)
    representation = Representation(
        municipality_id=municipality.id, principal_person_id=principal.id,
        representative_person_id=representative.id, basis=basis,
        scopes=clean_scopes(scopes) if basis == Basis.FULLMAKT else ALL_SCOPES,
        status=Status.PENDING, evidence=Evidence.DOCUMENT, attachment_id=attachment.id,
        created_by_person_id=representative.id)
    session.add(representation)
    session.flush()
    deliver(session, keys, representation, "uploaded", sender=representative,
            language=language, idempotency_key=key, attachment_ids=[attachment.id])
    return representation


def declare_parent(session: Session, keys: DataKeys, *, municipality: Municipality,
                   parent: Person, child_nin: NationalIdentityNumber, child_name: str,
                   check: ParentCheck, language: str, request_id: str) -> Representation:
    """A parent of a child under 16. Pending until the check or a caseworker confirms it."""
    key = idempotency_key("declared", parent.id, request_id)
    if (again := delivered_with(session, key)) is not None:
        return again
    today = clock.today()
    if age_on(child_nin.birth_date, today) >= PARENTAL_AGE_LIMIT:
        raise RepresentationRefusedError("child_is_16", "child_nin")
    child = find_or_create_person(session, keys, child_nin, name=child_name)
    if child.id == parent.id:
        raise RepresentationRefusedError("self", "child_nin")
    representation = parent_representation(session, keys, municipality_id=municipality.id,
                                           parent=parent, child=child, check=check)
    deliver(session, keys, representation, "declared", sender=parent, language=language,
            idempotency_key=key)
    return representation


def parent_representation(session: Session, keys: DataKeys, *, municipality_id: int,
                          parent: Person, child: Person, check: ParentCheck) -> Representation:
    confirmed = check(person_nin(keys, parent).value, person_nin(keys, child).value)
    representation = Representation(
        municipality_id=municipality_id, principal_person_id=child.id,
        representative_person_id=parent.id, basis=Basis.PARENT, scopes=ALL_SCOPES,
        status=Status.ACTIVE if confirmed else Status.PENDING,
        evidence=Evidence.REGISTER if confirmed else Evidence.DOCUMENT,
        verified_at=utcnow() if confirmed else None, created_by_person_id=parent.id)
    session.add(representation)
    session.flush()
    return representation


def for_application(session: Session, keys: DataKeys, *, municipality_id: int,
                    applicant: Person, subject: Person, role: str,
                    attachment_ids: Sequence[int], check: ParentCheck) -> Representation | None:
    """An application for someone else: the representation it rests on, made if it is new.

    An active one that covers applying is used as it is. Otherwise the application brings
    its evidence (an uploaded fullmakt or verge certificate, or a parent's declaration), and
    the representation waits for a caseworker (or the parent check).
    """
    from portal.representation.rules import decide

    if role == "self":
        return None
    decision = decide(session, actor=applicant, principal_id=subject.id, scope=Scope.APPLY,
                      municipality_id=municipality_id)
    if decision.allowed:
        return decision.representation
    if decision.reason == "pending":
        return decision.representation
    basis = BASIS_BY_ROLE[role]
    today = clock.today()
    if basis == Basis.PARENT and age_on(birth_date_of(subject), today) >= PARENTAL_AGE_LIMIT:
        basis = Basis.FULLMAKT  # from 16 a parent needs the young person's own fullmakt
    if basis == Basis.PARENT:
        return parent_representation(session, keys, municipality_id=municipality_id,
                                     parent=applicant, child=subject, check=check)
    representation = Representation(
        municipality_id=municipality_id, principal_person_id=subject.id,
        representative_person_id=applicant.id, basis=basis, scopes=ALL_SCOPES,
        status=Status.PENDING, evidence=Evidence.DOCUMENT,
        attachment_id=attachment_ids[0] if attachment_ids else None,
        created_by_person_id=applicant.id)
    session.add(representation)
    session.flush()
    return representation


# --- Caseworkers and the service desk ---------------------------------------------------------


def verify(session: Session, representation: Representation, staff: StaffUser, *,
           seen_at_desk: bool = False) -> None:
    """Accept: the document was checked (or the signed original was seen at the desk)."""
    if representation.status != Status.PENDING:
        raise RepresentationRefusedError("not_pending", "representation")
    representation.status = Status.ACTIVE
    representation.verified_by_staff_user_id = staff.id
    representation.verified_at = utcnow()
    representation.valid_from = min(as_utc(representation.valid_from), utcnow())
    if seen_at_desk:
        representation.evidence = Evidence.DESK
    _decided(session, representation, staff, "desk seen original" if seen_at_desk else "")


def reject(session: Session, representation: Representation, staff: StaffUser,
           reason: str) -> None:
    if representation.status != Status.PENDING:
        raise RepresentationRefusedError("not_pending", "representation")
    representation.status = Status.REJECTED
    representation.rejection_reason = reason.strip()
    representation.verified_by_staff_user_id = staff.id
    representation.verified_at = utcnow()
    _decided(session, representation, staff, "rejected")


def _decided(session, representation, staff, reason) -> None:
    action = "verified" if representation.status == Status.ACTIVE else "rejected"
    record(session, f"representation.{action}", municipality_id=representation.municipality_id,
           actor_staff_user_id=staff.id, subject_person_id=representation.principal_person_id,
           target=f"representation:{representation.id}", reason=reason)
    enqueue(session, "representation_news", representation.municipality_id,
            representation_id=representation.id)
    session.flush()


def pending(session: Session, municipality_id: int) -> list[Representation]:
    return list(session.scalars(sa.select(Representation).where(
        Representation.municipality_id == municipality_id,
        Representation.status == Status.PENDING).order_by(Representation.created_at)))


def given_by(session: Session, municipality_id: int, principal: Person) -> list[Representation]:
    return list(session.scalars(sa.select(Representation).where(
        Representation.municipality_id == municipality_id,
        Representation.principal_person_id == principal.id)
        .order_by(Representation.created_at.desc(), Representation.id.desc())))


def received_by(session: Session, municipality_id: int,
                representative: Person) -> list[Representation]:
    return list(session.scalars(sa.select(Representation).where(
        Representation.municipality_id == municipality_id,
        Representation.representative_person_id == representative.id)
        .order_by(Representation.created_at.desc(), Representation.id.desc())))


def expire_ended(session: Session) -> int:
    """Worker job: mark active representations past their end as expired (the rule in
    ``rules.is_current`` already ends access at the moment itself)."""
    now = utcnow()
    rows = session.scalars(sa.select(Representation).where(
        Representation.status == Status.ACTIVE)).all()
    ended = [row for row in rows if not is_current(row, now)
             and (row.valid_to is not None or row.basis == Basis.PARENT)]
    for row in ended:
        row.status = Status.EXPIRED
    session.flush()
    return len(ended)


# --- Delivering to the back office --------------------------------------------------------------


def delivered_with(session: Session, key: str) -> Representation | None:
    submission = session.scalar(sa.select(Submission).where(Submission.idempotency_key == key))
    if submission is None:
        return None
    return session.scalar(sa.select(Representation).where(
        Representation.case_id == submission.case_id))


def deliver(session: Session, keys: DataKeys, representation: Representation, action: str, *,
            sender: Person, language: str, idempotency_key: str,
            attachment_ids: Sequence[int] = (), channel: str = "web",
            staff_user_id: int | None = None, desk_visit_id: int | None = None) -> Submission:
    from portal.cases.citizen_actions import envelope
    from portal.cases.sending import send

    municipality = session.get(Municipality, representation.municipality_id)
    principal = session.get(Person, representation.principal_person_id)
    representative = session.get(Person, representation.representative_person_id)
    if representation.case_id is None:
        now = utcnow()
        case = Case(municipality_id=municipality.id, kind="power_of_attorney",
                    status=CaseStatus.SUBMITTED, subject_person_id=principal.id,
                    reference=unused_reference(session, "power_of_attorney", now.year),
                    created_at=now, updated_at=now)
        session.add(case)
        session.flush()
        representation.case_id = case.id
    case = session.get(Case, representation.case_id)
    role = "self" if sender.id == principal.id else ROLE_BY_BASIS[representation.basis]
    payload = envelope(keys, "power_of_attorney", municipality=municipality, sender=sender,
                       role=role, subject=principal, language=language, channel=channel)
    files = [_attachment(session, attachment_id) for attachment_id in attachment_ids]
    payload.update({
        "action": action,
        "representation": {
            "id": representation.id, "basis": str(representation.basis),
            "scopes": list(representation.scopes), "status": str(representation.status),
            "evidence": str(representation.evidence),
            "valid_from": as_utc(representation.valid_from).isoformat(),
            "valid_to": as_utc(representation.valid_to).isoformat() if representation.valid_to
            else None},
        "representative": {"national_id": person_nin(keys, representative).value,
                           "name": representative.name},
        "attachments": files,
    })
    submission, _new = send(session, keys, case=case, kind="power_of_attorney", payload=payload,
                            idempotency_key=idempotency_key, sender=sender, language=language,
                            event_type=f"representation_{action}",
                            attachment_ids=list(attachment_ids), channel=channel,
                            staff_user_id=staff_user_id, desk_visit_id=desk_visit_id)
    record(session, f"representation.{action}", municipality_id=municipality.id,
           actor_person_id=sender.id, subject_person_id=principal.id,
           target=f"representation:{representation.id}")
    return submission


def _attachment(session: Session, attachment_id: int) -> dict:
    from portal.documents.attachments import Attachment

    found = session.get(Attachment, attachment_id)
    return {"id": found.id, "display_name": found.display_name,
            "content_type": found.content_type, "size_bytes": found.size_bytes,
            "sha256": found.sha256}
