"""«Who has looked»: the audit log of reads, as the person they are about sees it.

Every read is listed, page by page (newest first, ``PAGE_SIZE`` at a time, with a link to
the older ones): Normen and pasientjournalloven § 18 give the person the right to know who
has read, not only who read lately. Reads of a case (by staff, by a representative, by the
back office through the API or a webhook push, by someone with the tracking code) are
listed on the case; reads of a person's powers of attorney on the fullmakt pages.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from portal.audit.models import AuditEvent
from portal.cases.models import Case
from portal.identity.models import Person, StaffUser

PAGE_SIZE = 50
READS = {
    "case.read": _l("Opened the case"),
    "receipt.read": _l("Opened the receipt"),
    "attachment.read": _l("Opened an attachment"),
    "queue.leased": _l("Fetched the case into the municipality's case system"),
    "queue.pushed": _l("Sent the case to the municipality's case system"),
    "case.status_lookup": _l("Looked up the status with the tracking code"),
    "consents.read": _l("Read the consents"),
    "representation.read": _l("Opened the power of attorney to check it"),
    # At the service desk (portal.desk): what staff saw or did for the person present.
    "desk.case_listed": _l("Saw the status at the service desk"),
    "desk.lookup": _l("Looked up the status at the service desk"),
    "desk.reply_opened": _l("Opened the request for information at the service desk"),
    "desk.receipt_printed": _l("Printed the receipt at the service desk"),
    "submission.created": _l("Sent something in the case"),
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


@dataclass(frozen=True)
class Page:
    looks: list[Look]
    older_than: int | None  # the id to ask for the next (older) page with, or None


def who_looked(session: Session, case: Case, *, older_than: int | None = None,
               limit: int = PAGE_SIZE) -> Page:
    """Reads of the case by anyone but the person it is about, newest first."""
    return _page(session, case.municipality_id, case.subject_person_id,
                 AuditEvent.target == f"case:{case.reference}", older_than, limit)


def who_looked_at_representations(session: Session, municipality_id: int, person: Person, *,
                                  older_than: int | None = None,
                                  limit: int = PAGE_SIZE) -> Page:
    """Reads of the powers of attorney about this person: staff checking one, and the back
    office fetching (or being sent) the fullmakt's own case, which «Mine saker» does not list."""
    fullmakt_cases = sa.select(sa.literal("case:") + Case.reference).where(
        Case.municipality_id == municipality_id, Case.subject_person_id == person.id,
        Case.kind == "power_of_attorney")
    return _page(session, municipality_id, person.id,
                 sa.or_(AuditEvent.target.like("representation:%"),
                        AuditEvent.target.in_(fullmakt_cases)), older_than, limit)


def _page(session: Session, municipality_id: int, subject_id: int, where: sa.ColumnElement,
          older_than: int | None, limit: int) -> Page:
    query = sa.select(AuditEvent).where(
        AuditEvent.municipality_id == municipality_id, where,
        AuditEvent.subject_person_id == subject_id, AuditEvent.action.in_(list(READS)),
        # The person's own reads are not news to them; what staff did for them at the desk is.
        sa.or_(AuditEvent.actor_person_id.is_(None), AuditEvent.actor_person_id != subject_id,
               AuditEvent.actor_staff_user_id.is_not(None)))
    if older_than is not None:
        query = query.where(AuditEvent.id < older_than)
    rows = session.scalars(query.order_by(AuditEvent.id.desc()).limit(limit + 1)).all()
    shown: Sequence[AuditEvent] = rows[:limit]
    return Page([_look(session, row) for row in shown],
                shown[-1].id if len(rows) > limit else None)


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
    if row.action.startswith("desk.") or (row.actor_staff_user_id and row.actor_person_id):
        return _at_the_desk(session, row, what)
    if row.actor_staff_user_id:
        staff = session.get(StaffUser, row.actor_staff_user_id)
        why = (_("Checking your power of attorney") if row.action == "representation.read"
               or row.target.startswith("representation:") else _("Handling your case"))
        return Look(row.created_at, staff.name, str(STAFF_ROLES.get(staff.role, staff.role)),
                    what, why)
    if row.actor_person_id:
        person = session.get(Person, row.actor_person_id)
        return Look(row.created_at, person.name, _("representative"), what,
                    str(BASIS_WHY.get(row.reason, row.reason)))
    if row.action == "case.status_lookup":
        return Look(row.created_at, _("Someone with the tracking code"), _("not logged in"),
                    what, _("Had the reference and the tracking code from the receipt"))
    return Look(row.created_at, _("The municipality's case system"), _("system"), what,
                _("Handling your case"))


def _at_the_desk(session: Session, row: AuditEvent, what: str) -> Look:
    """Service-desk staff, for the person at the desk or for someone who asked there."""
    staff = session.get(StaffUser, row.actor_staff_user_id)
    role = str(STAFF_ROLES.get(staff.role, staff.role))
    if row.action == "submission.created" and staff.role != "desk":
        # A caseworker registering what the person gave on paper (a consent, say).
        return Look(row.created_at, staff.name, role, _("Registered it for you"),
                    _("Handling your case"))
    if row.action == "submission.created":
        what = _("Sent it for you at the service desk")
    if row.reason.startswith("identity number: "):
        why = _("Looked up with your identity number. The reason given: %(reason)s",
                reason=row.reason.removeprefix("identity number: "))
    elif row.reason == "reference and tracking code":
        why = _("Had the reference and the tracking code from the receipt")
    else:
        why = _("You were at the service desk")
    return Look(row.created_at, staff.name, role, what, why)
