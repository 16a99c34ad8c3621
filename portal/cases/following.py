"""Following a case as a citizen: which cases a person may see, and what each one says.

Who may follow a case is decided by ``case_access``, for every page that shows a case to a
citizen. It asks ``portal.representation.rules.decide``, the one place where representation
is decided: the person the case is about sees it all; so does a representative whose
representation is active and covers following cases. Someone who sent an application with a
fullmakt that is not verified yet sees their own receipt and nothing else.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from portal.audit.service import record_read
from portal.cases.deadlines import over_a_month
from portal.cases.models import Case, CaseEvent, CaseStatus, Submission
from portal.clock import utcnow
from portal.db import as_utc
from portal.identity.models import Person
from portal.representation.models import Representation, Scope, Status
from portal.representation.rules import decide, principals_of

ENDED = {CaseStatus.DECIDED, CaseStatus.CLOSED, CaseStatus.WITHDRAWN,
         CaseStatus.SENT_TO_STATSFORVALTEREN}
# Delivered to the back office as cases, but shown on the fullmakt and consent pages, not in
# «Mine saker».
NOT_LISTED = ("power_of_attorney", "consent")


class View(enum.StrEnum):
    FULL = "full"  # status, timeline, messages, receipts, answering, withdrawing
    RECEIPT = "receipt"  # only the person's own receipt (their fullmakt is not verified yet)


@dataclass(frozen=True)
class Access:
    view: View
    basis: str  # self, fullmakt, parent, verge, pending


def _sent_by(session: Session, person: Person, case: Case) -> bool:
    return session.scalar(sa.select(Submission.id).where(
        Submission.case_id == case.id, Submission.submitted_by_person_id == person.id)
        .limit(1)) is not None


def case_access(session: Session, person: Person, case: Case,
                at: datetime | None = None) -> Access | None:
    decision = decide(session, actor=person, principal_id=case.subject_person_id,
                      scope=Scope.FOLLOW, municipality_id=case.municipality_id, at=at)
    if decision:
        basis = decision.representation.basis if decision.representation else "self"
        return Access(View.FULL, str(basis))
    if decision.reason == "pending" and _sent_by(session, person, case):
        return Access(View.RECEIPT, "pending")
    return None


def cases_of(session: Session, municipality_id: int, person: Person) -> list[tuple[Case, Access]]:
    """The cases this person may follow in the municipality, newest change first."""
    # Whether each case may be followed is for case_access (decide) to say, below.
    principals = [rep.principal_person_id
                  for rep in principals_of(session, person, municipality_id)]
    # Two index look-ups joined by UNION: an OR across them would scan the municipality's
    # cases (make bench, «scale»: 112 ms at 1,000,000 cases).
    about = sa.select(Case.id).where(Case.subject_person_id.in_([person.id, *principals]))
    sent_by = sa.select(Submission.case_id).where(Submission.submitted_by_person_id == person.id)
    query = sa.select(Case).where(
        Case.id.in_(sa.union(about, sent_by)), Case.municipality_id == municipality_id,
        Case.kind.not_in(NOT_LISTED))
    found = []
    for case in session.scalars(query.order_by(Case.updated_at.desc(), Case.id.desc())):
        access = case_access(session, person, case)
        if access is not None:
            found.append((case, access))
    return found


def case_for(session: Session, municipality_id: int, person: Person, reference: str,
             ) -> tuple[Case, Access] | None:
    """The case if this person may see it; None otherwise (the same for 'no such case').

    Every read by anyone but the case's subject is audit-logged, with the basis.
    """
    case = session.scalar(sa.select(Case).where(Case.municipality_id == municipality_id,
                                                Case.reference == reference,
                                                Case.kind.not_in(NOT_LISTED)))
    access = case_access(session, person, case) if case is not None else None
    if access is None:
        return None
    if case.subject_person_id != person.id:
        record_read(session, "case.read", municipality_id=municipality_id,
                    actor_person_id=person.id, subject_person_id=case.subject_person_id,
                    target=f"case:{case.reference}", reason=access.basis)
    return case, access


# Why someone who once could follow a case no longer can: their fullmakt (or guardianship)
# has ended, or the child they were parent for has turned 16 (pasient- og
# brukerrettighetsloven § 4-3). Told to them; anyone else gets "not found".
ENDED_REASONS = ("ended", "child_is_16")
# Pending: a parent's declaration that let the parent see their receipt until the child
# turned 16 (``decide`` says "pending" for any other that waits).
ONCE_ACTIVE = (Status.ACTIVE, Status.REVOKED, Status.EXPIRED, Status.PENDING)


def ended_access(session: Session, municipality_id: int, person: Person, reference: str,
                 ) -> str | None:
    """Why this person's access to the case has ended ("ended", "child_is_16"), or None when
    they never had any (or the case does not exist): the caller then answers "not found".

    Only someone who was once let in through a representation from the case's subject is
    told; the refusal is audit-logged like a read, with the reason."""
    case = session.scalar(sa.select(Case).where(Case.municipality_id == municipality_id,
                                                Case.reference == reference,
                                                Case.kind.not_in(NOT_LISTED)))
    if case is None or case_access(session, person, case) is not None:
        return None
    decision = decide(session, actor=person, principal_id=case.subject_person_id,
                      scope=Scope.FOLLOW, municipality_id=municipality_id)
    if decision.reason not in ENDED_REASONS or not _once_active(session, person, case):
        return None
    record_read(session, "case.refused", municipality_id=municipality_id,
                actor_person_id=person.id, subject_person_id=case.subject_person_id,
                target=f"case:{case.reference}", reason=decision.reason)
    return decision.reason


def _once_active(session: Session, person: Person, case: Case) -> bool:
    """A representation that once let the person in (a rejected one did not: for them the
    case stays "not found")."""
    return session.scalar(sa.select(Representation.id).where(
        Representation.municipality_id == case.municipality_id,
        Representation.principal_person_id == case.subject_person_id,
        Representation.representative_person_id == person.id,
        Representation.status.in_(ONCE_ACTIVE)).limit(1)) is not None


@dataclass(frozen=True)
class Waiting:
    """Forvaltningsloven § 11 a: no decision and no interim reply within one month."""

    since: datetime


def overdue(case: Case, now: datetime | None = None) -> Waiting | None:
    now = now or utcnow()
    if case.status in ENDED:
        return None
    if any(event.type == "interim_reply" for event in case.events):
        return None
    created = as_utc(case.created_at)
    return Waiting(created) if over_a_month(created, now) else None


def expects_something(case: Case) -> bool:
    return case.status == CaseStatus.AWAITING_INFO


def latest(case: Case, event_type: str) -> CaseEvent | None:
    matching = [event for event in case.events if event.type == event_type]
    return matching[-1] if matching else None
