"""Following a case as a citizen: which cases a person may see, and what each one says.

Who may follow a case is decided here, in one function, for every page that shows a case to
a citizen. Today: the person the case is about, and the person who sent it. Representation
records (fullmakt, parents, verge) will extend ``may_follow``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from portal.audit.service import record
from portal.cases.deadlines import one_month_before
from portal.cases.models import Case, CaseEvent, CaseStatus, Submission
from portal.db import as_utc, utcnow
from portal.identity.models import Person

ENDED = {CaseStatus.DECIDED, CaseStatus.CLOSED, CaseStatus.WITHDRAWN,
         CaseStatus.SENT_TO_STATSFORVALTEREN}


def _involved(person_id: int):
    sent_by = sa.select(Submission.case_id).where(Submission.submitted_by_person_id == person_id)
    return sa.or_(Case.subject_person_id == person_id, Case.id.in_(sent_by))


def cases_of(session: Session, municipality_id: int, person: Person) -> list[Case]:
    query = sa.select(Case).where(Case.municipality_id == municipality_id, _involved(person.id))
    return list(session.scalars(query.order_by(Case.updated_at.desc())))


def may_follow(session: Session, person: Person, case: Case) -> bool:
    if case.subject_person_id == person.id:
        return True
    return session.scalar(sa.select(Submission.id).where(
        Submission.case_id == case.id, Submission.submitted_by_person_id == person.id)) is not None


def case_for(session: Session, municipality_id: int, person: Person, reference: str) -> Case | None:
    """The case if this person may follow it; None otherwise (the same for 'no such case')."""
    case = session.scalar(sa.select(Case).where(Case.municipality_id == municipality_id,
                                                Case.reference == reference))
    if case is None or not may_follow(session, person, case):
        return None
    if case.subject_person_id != person.id:  # every read by someone else is audit-logged
        record(session, "case.read", municipality_id=municipality_id, actor_person_id=person.id,
               subject_person_id=case.subject_person_id, target=f"case:{case.reference}",
               reason="sent the application")
    return case


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
    return Waiting(created) if created <= one_month_before(now) else None


def expects_something(case: Case) -> bool:
    return case.status == CaseStatus.AWAITING_INFO


def latest(case: Case, event_type: str) -> CaseEvent | None:
    matching = [event for event in case.events if event.type == event_type]
    return matching[-1] if matching else None
