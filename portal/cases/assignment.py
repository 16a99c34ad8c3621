"""Who works a case: a caseworker takes it, gives it to a colleague, or releases it.

The back office hears of every change (an outbox message ``case.assigned``), and every change
is audit-logged. Only staff of the case's municipality who work cases (caseworkers and admins)
can have one.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.orm import Session

from portal.audit.service import record
from portal.cases.models import Case
from portal.clock import utcnow
from portal.identity.models import StaffRole, StaffUser
from portal.queue.models import OutboxMessage

WORKS_CASES = (StaffRole.CASEWORKER, StaffRole.ADMIN)


class AssigneeRefusedError(ValueError):
    """The staff member cannot have cases of this municipality."""


def colleagues(session: Session, municipality_id: int) -> Sequence[StaffUser]:
    """Active staff of the municipality who can have cases, by name."""
    return session.scalars(
        sa.select(StaffUser).where(StaffUser.municipality_id == municipality_id,
                                   StaffUser.active.is_(True), StaffUser.role.in_(WORKS_CASES))
        .order_by(StaffUser.name, StaffUser.id)).all()


def colleague(session: Session, municipality_id: int, staff_id: int) -> StaffUser | None:
    found = session.get(StaffUser, staff_id)
    if found is None or found.municipality_id != municipality_id or not found.active \
            or found.role not in WORKS_CASES:
        return None
    return found


def assign(session: Session, case: Case, assignee: StaffUser | None, *,
           actor: StaffUser) -> bool:
    """Give the case to ``assignee`` (None: release it). False when nothing changed."""
    if assignee is not None and (assignee.municipality_id != case.municipality_id
                                 or assignee.role not in WORKS_CASES or not assignee.active):
        raise AssigneeRefusedError(assignee.id)
    new_id = assignee.id if assignee else None
    if case.assignee_id == new_id:
        return False
    case.assignee_id = new_id
    case.updated_at = utcnow()
    person = {"id": assignee.id, "name": assignee.name, "email": assignee.email} \
        if assignee else None
    session.add(OutboxMessage(municipality_id=case.municipality_id, type="case.assigned",
                              schema_version=1, case_id=case.id,
                              payload={"event": "assigned", "data": {"assignee": person}}))
    record(session, "case.assigned" if assignee else "case.released",
           municipality_id=case.municipality_id, actor_staff_user_id=actor.id,
           subject_person_id=case.subject_person_id, target=f"case:{case.reference}",
           reason=f"staff {assignee.id}" if assignee else "")
    session.flush()
    return True
