"""«Who has looked at my case»: the audit log of reads, as the case's subject sees it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from portal.audit.models import AuditEvent
from portal.cases.models import Case
from portal.identity.models import Person, StaffUser

READS = {
    "case.read": _l("Opened the case"),
    "receipt.read": _l("Opened the receipt"),
    "attachment.read": _l("Opened an attachment"),
    "queue.leased": _l("Fetched the case into the municipality's case system"),
    "case.status_lookup": _l("Looked up the status with the tracking code"),
    "consents.read": _l("Read the consents"),
}
STAFF_ROLES = {"desk": _l("service desk"), "caseworker": _l("caseworker"),
               "admin": _l("administrator")}
BASIS_WHY = {"fullmakt": _l("has a power of attorney from you"),
             "parent": _l("has parental responsibility"),
             "verge": _l("is your guardian (verge)"),
             "pending": _l("sent it, with a power of attorney not yet checked")}


@dataclass(frozen=True)
class Look:
    at: datetime
    who: str
    role: str
    what: str
    why: str


def who_looked(session: Session, case: Case, limit: int = 100) -> list[Look]:
    rows = session.scalars(sa.select(AuditEvent).where(
        AuditEvent.municipality_id == case.municipality_id,
        AuditEvent.target == f"case:{case.reference}",
        AuditEvent.action.in_(list(READS)),
    ).order_by(AuditEvent.created_at.desc(), AuditEvent.id.desc()).limit(limit)).all()
    looks = []
    for row in rows:
        if row.actor_person_id == case.subject_person_id:
            continue  # the person's own reads
        looks.append(_look(session, row))
    return looks


def who_looked_at_consents(session: Session, municipality_id: int, person_id: int,
                           limit: int = 100) -> list[Look]:
    """Who has read the person's consents (on the consent pages, a case page, the API)."""
    rows = session.scalars(sa.select(AuditEvent).where(
        AuditEvent.municipality_id == municipality_id,
        AuditEvent.subject_person_id == person_id, AuditEvent.action == "consents.read",
    ).order_by(AuditEvent.created_at.desc(), AuditEvent.id.desc()).limit(limit)).all()
    return [_look(session, row) for row in rows if row.actor_person_id != person_id]


def _look(session: Session, row: AuditEvent) -> Look:
    what = str(READS[row.action])
    if row.actor_staff_user_id:
        staff = session.get(StaffUser, row.actor_staff_user_id)
        return Look(row.created_at, staff.name, str(STAFF_ROLES.get(staff.role, staff.role)),
                    what, _("Handling your case"))
    if row.actor_person_id:
        person = session.get(Person, row.actor_person_id)
        return Look(row.created_at, person.name, _("representative"), what,
                    str(BASIS_WHY.get(row.reason, row.reason)))
    if row.action == "case.status_lookup":
        return Look(row.created_at, _("Someone with the tracking code"), _("not logged in"),
                    what, _("Had the reference and the tracking code from the receipt"))
    return Look(row.created_at, _("The municipality's case system"), _("system"), what,
                _("Handling your case"))
