"""Desk visits and look-ups: the rules of helping a person who is present at the desk.

A visit starts when staff have checked the person's identity in person (the kind of document
and, as policy allows, its last digits). It is time-limited, bound to the staff member's own
login (logging out ends it), and gives no access to the person's earlier cases beyond their
coarse status. Everything done in a visit is audit-logged with the visit and the person sees
it in «who has looked / who acted». A look-up for someone who asks at the desk is by
reference and tracking code, or, with a recorded reason, by identity number: the coarse
status of each case and nothing more.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from portal import clock
from portal.audit.service import record, record_read
from portal.cases.models import Case, CaseStatus
from portal.cases.tracking import case_by_tracking
from portal.clock import utcnow
from portal.db import as_utc
from portal.desk.models import DeskVisit, IdCheck
from portal.identity.crypto import DataKeys
from portal.identity.models import StaffUser, UserSession
from portal.identity.nin import NationalIdentityNumber
from portal.identity.persons import find_or_create_person, find_person

VISIT_LENGTH = timedelta(hours=2)
# Shown at the desk: the status and what the case is, never answers or attachments.
NOT_LISTED = ("power_of_attorney",)


@dataclass(frozen=True)
class CoarseCase:
    reference: str
    kind: str
    status: CaseStatus
    updated_at: datetime


def start_visit(session: Session, keys: DataKeys, *, municipality_id: int, staff: StaffUser,
                user_session: UserSession, nin: NationalIdentityNumber, name: str,
                id_check: IdCheck, id_document_digits: str, language: str) -> DeskVisit:
    person = find_or_create_person(session, keys, nin, name=name)
    now = utcnow()
    visit = DeskVisit(public_id=secrets.token_urlsafe(12), municipality_id=municipality_id,
                      staff_user_id=staff.id, user_session_id=user_session.id,
                      person_id=person.id, id_check=id_check,
                      id_document_digits=id_document_digits.strip(), language=language,
                      started_at=now, expires_at=now + VISIT_LENGTH)
    session.add(visit)
    session.flush()
    act(session, visit, "visit_started", reason=str(id_check))
    return visit


def open_visit(session: Session, *, municipality_id: int, staff: StaffUser,
               user_session: UserSession, public_id: str) -> DeskVisit | None:
    """The staff member's own visit, if it can still be used: not ended, not past its time,
    and started in this very login."""
    visit = session.scalar(sa.select(DeskVisit).where(
        DeskVisit.public_id == public_id, DeskVisit.municipality_id == municipality_id,
        DeskVisit.staff_user_id == staff.id))
    if visit is None or not is_open(visit, user_session):
        return None
    return visit


def is_open(visit: DeskVisit, user_session: UserSession) -> bool:
    return (visit.ended_at is None and as_utc(visit.expires_at) > utcnow()
            and visit.user_session_id == user_session.id)


def end_visit(session: Session, visit: DeskVisit, reason: str = "ended") -> None:
    if visit.ended_at is None:
        visit.ended_at, visit.end_reason = utcnow(), reason
        act(session, visit, "visit_ended", reason=reason)


def visits_today(session: Session, municipality_id: int, staff: StaffUser) -> list[DeskVisit]:
    """The staff member's visits since midnight in Norway, newest first."""
    return list(session.scalars(sa.select(DeskVisit).where(
        DeskVisit.municipality_id == municipality_id, DeskVisit.staff_user_id == staff.id,
        DeskVisit.started_at >= clock.start_of_day(clock.today()),
    ).order_by(DeskVisit.started_at.desc(), DeskVisit.id.desc())))


def visits_of(session: Session, municipality_id: int, person_id: int,
              limit: int = 20) -> list[DeskVisit]:
    """The person's visits at the desk, newest first: shown to them under «Mine saker»."""
    return list(session.scalars(sa.select(DeskVisit).where(
        DeskVisit.municipality_id == municipality_id, DeskVisit.person_id == person_id,
    ).order_by(DeskVisit.started_at.desc(), DeskVisit.id.desc()).limit(limit)))


def act(session: Session, visit: DeskVisit, action: str, *, target: str = "",
        reason: str = "") -> None:
    """Audit-log something done in the visit; the person sees it in «who acted»."""
    record(session, f"desk.{action}", municipality_id=visit.municipality_id,
           actor_staff_user_id=visit.staff_user_id, subject_person_id=visit.person_id,
           target=target or f"desk_visit:{visit.public_id}",
           reason=f"visit {visit.public_id}" + (f": {reason}" if reason else ""))


def coarse_cases(session: Session, visit: DeskVisit) -> list[CoarseCase]:
    """The person's cases in the municipality, coarse status only (read, and logged)."""
    cases = _cases_of(session, visit.municipality_id, visit.person_id)
    for case in cases:
        record_read(session, "desk.case_listed", municipality_id=visit.municipality_id,
                    actor_staff_user_id=visit.staff_user_id, subject_person_id=visit.person_id,
                    target=f"case:{case.reference}", reason=f"visit {visit.public_id}")
    return [_coarse(case) for case in cases]


def look_up_by_tracking(session: Session, keys: DataKeys, *, municipality_id: int,
                        staff: StaffUser, reference: str, code: str) -> CoarseCase | None:
    found = case_by_tracking(session, keys, municipality_id, reference, code)
    if found is None:
        return None
    record_read(session, "desk.lookup", municipality_id=municipality_id,
                actor_staff_user_id=staff.id, subject_person_id=found.subject_person_id,
                target=f"case:{found.reference}", reason="reference and tracking code")
    return _coarse(found)


def look_up_by_nin(session: Session, keys: DataKeys, *, municipality_id: int,
                   staff: StaffUser, nin: NationalIdentityNumber,
                   reason: str) -> list[CoarseCase]:
    """Every case of the person, coarse status only; the reason is recorded for each."""
    person = find_person(session, keys, nin)
    if person is None:
        return []
    cases = _cases_of(session, municipality_id, person.id)
    for case in cases:
        record_read(session, "desk.lookup", municipality_id=municipality_id,
                    actor_staff_user_id=staff.id, subject_person_id=person.id,
                    target=f"case:{case.reference}", reason=f"identity number: {reason}")
    return [_coarse(case) for case in cases]


def _cases_of(session: Session, municipality_id: int, person_id: int) -> list[Case]:
    return list(session.scalars(sa.select(Case).where(
        Case.municipality_id == municipality_id, Case.subject_person_id == person_id,
        Case.kind.not_in(NOT_LISTED)).order_by(Case.updated_at.desc(), Case.id.desc())))


def _coarse(case: Case) -> CoarseCase:
    return CoarseCase(case.reference, case.kind, case.status, as_utc(case.updated_at))
