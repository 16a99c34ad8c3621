"""Every decision that depends on representation is made by ``decide``, here, and nowhere else.

A person may act for a principal when the principal is themself, or when a representation
from the principal to them is active, has begun, has not ended, covers the scope asked
for, and (for parents) the child is still under 16. The answer says why, so that a page can
tell the person, and the audit log can record the basis.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from portal import clock
from portal.clock import utcnow
from portal.db import as_utc
from portal.identity.models import Person
from portal.identity.nin import age_on
from portal.representation.models import Basis, Representation, Scope, Status

# Pasient- og brukerrettighetsloven § 4-3 første ledd bokstav b: from 16 a young person has
# the right to consent to health and care services on their own behalf, so they can also
# give someone a fullmakt for those services. The same section ends a parent's right to act
# in these matters at 16 (parents consent for children under 16, § 4-4).
AGE_OF_CONSENT = 16
PRINCIPAL_MIN_AGE = AGE_OF_CONSENT
PARENTAL_AGE_LIMIT = AGE_OF_CONSENT
# Vergemålsloven § 2: a person is of age (myndig) at 18. Only someone of age may act as
# another person's fullmektig in the portal (as on helsenorge.no for digital fullmakt).
REPRESENTATIVE_MIN_AGE = 18


def birth_date_of(person: Person) -> date | None:
    if person.birth_date is not None:
        return person.birth_date
    from portal.identity.crypto import data_keys
    from portal.identity.persons import person_nin

    return person_nin(data_keys(), person).birth_date


@dataclass(frozen=True)
class Decision:
    allowed: bool
    reason: str  # self, representation, none, pending, ended, scope, child_is_16
    representation: Representation | None = None

    def __bool__(self) -> bool:
        return self.allowed


def is_current(representation: Representation, at: datetime) -> bool:
    """Active and within its dates; for a parent, also the child under 16."""
    if representation.status != Status.ACTIVE:
        return False
    if as_utc(representation.valid_from) > at:
        return False
    if representation.valid_to is not None and as_utc(representation.valid_to) <= at:
        return False
    return representation.basis != Basis.PARENT or (
        birth_date_of(representation.principal) is not None
        and not _child_is_16(representation, at))


def _child_is_16(representation: Representation, at: datetime) -> bool:
    born = birth_date_of(representation.principal)
    return born is not None and age_on(born, clock.norway_date(at)) >= PARENTAL_AGE_LIMIT


def shown_status(representation: Representation, at: datetime | None = None) -> Status:
    """The status a person sees: an active one past its end date has expired."""
    at = at or utcnow()
    if representation.status == Status.ACTIVE and not is_current(representation, at) \
            and as_utc(representation.valid_from) <= at:
        return Status.EXPIRED
    return representation.status


def decide(session: Session, *, actor: Person, principal_id: int, scope: Scope,
           municipality_id: int, at: datetime | None = None) -> Decision:
    """May ``actor`` do ``scope`` for the principal, now (or at ``at``)?"""
    if actor.id == principal_id:
        return Decision(True, "self")
    at = at or utcnow()
    candidates = session.scalars(sa.select(Representation).where(
        Representation.municipality_id == municipality_id,
        Representation.principal_person_id == principal_id,
        Representation.representative_person_id == actor.id,
    ).order_by(Representation.id.desc())).all()
    current = [r for r in candidates if is_current(r, at)]
    covering = [r for r in current if scope in r.scopes]
    if covering:
        return Decision(True, "representation", covering[0])
    if current:
        return Decision(False, "scope", current[0])
    # A parent's declaration still waiting to be checked when the child turns 16 can no
    # longer be granted: from then on the young person decides (§ 4-3).
    pending = [r for r in candidates if r.status == Status.PENDING
               and not (r.basis == Basis.PARENT and _child_is_16(r, at))]
    if pending:
        return Decision(False, "pending", pending[0])
    if any(r.basis == Basis.PARENT and r.status in (Status.ACTIVE, Status.PENDING)
           for r in candidates):
        return Decision(False, "child_is_16")
    return Decision(False, "ended" if candidates else "none")


# Applying for someone includes the consent the application form asks for.
APPLYING = (Scope.APPLY, Scope.CONSENT)


def may_apply_for(session: Session, *, actor: Person, principal_id: int,
                  municipality_id: int) -> bool:
    """May ``actor`` send an application for the principal now (apply and consent)?"""
    return all(decide(session, actor=actor, principal_id=principal_id, scope=scope,
                      municipality_id=municipality_id) for scope in APPLYING)


def principals_of(session: Session, actor: Person, municipality_id: int,
                  at: datetime | None = None) -> list[Representation]:
    """The representations the actor may act through now, one per principal (newest)."""
    at = at or utcnow()
    rows = session.scalars(sa.select(Representation).where(
        Representation.municipality_id == municipality_id,
        Representation.representative_person_id == actor.id,
        Representation.status == Status.ACTIVE,
    ).order_by(Representation.id.desc())).all()
    seen: dict[int, Representation] = {}
    for row in rows:
        if is_current(row, at) and row.principal_person_id not in seen:
            seen[row.principal_person_id] = row
    return list(seen.values())


def representatives_of(session: Session, principal_id: int, municipality_id: int, scope: Scope,
                       at: datetime | None = None) -> list[Person]:
    """Who may act for the principal in this scope now (for notifications, for example)."""
    at = at or utcnow()
    rows = session.scalars(sa.select(Representation).where(
        Representation.municipality_id == municipality_id,
        Representation.principal_person_id == principal_id,
        Representation.status == Status.ACTIVE,
    ).order_by(Representation.id)).all()
    people: dict[int, Person] = {}
    for row in rows:
        if scope in row.scopes and is_current(row, at):
            people.setdefault(row.representative_person_id, row.representative)
    return list(people.values())
