"""When a consent counts, and whose consent a case still needs.

Pasient- og brukerrettighetsloven § 4-3 første ledd bokstav b: from 16 a young person
consents on their own behalf; § 4-4: for a child under 16 the parents consent. So a consent a
parent gave for a child stops counting on the child's 16th birthday (the young person decides
from then on), and a child under 16 cannot give a valid consent alone (the portal never records
one as valid: the parents must consent). A consent given by a representative counts once the
representation it rests on has been accepted (a fullmakt waiting to be checked, or rejected,
carries no consent).

Who may give or withdraw a consent for someone is decided by
``portal.representation.rules.decide`` with the scope ``consent``, as everything else.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from portal import clock
from portal.cases.models import Case, CaseStatus
from portal.clock import utcnow
from portal.consents.models import Consent, ConsentStatus, GivenBy, Purpose
from portal.db import as_utc
from portal.identity.models import Person
from portal.identity.nin import age_on
from portal.representation.models import Representation, Status
from portal.representation.rules import AGE_OF_CONSENT, birth_date_of

# Helse- og omsorgstjenesteloven § 7-2 a and the age of majority (vergemålsloven § 2): from
# 16 to 18 the young person consents, though a parent may still apply for a child coordinator.
AGE_OF_MAJORITY = 18
# Cases whose plan work needs a consent: every application that is not withdrawn or closed.
NEEDS_CONSENT = frozenset(set(CaseStatus) - {CaseStatus.WITHDRAWN, CaseStatus.CLOSED})
# The representation a consent rests on has been accepted (it may have ended since: a consent
# given while it held stays given).
ACCEPTED = frozenset({Status.ACTIVE, Status.REVOKED, Status.EXPIRED})


def age_of(person: Person, at: datetime | None = None) -> int | None:
    born = birth_date_of(person)
    return age_on(born, clock.norway_date(at or utcnow())) if born else None


def shown_status(consent: Consent, at: datetime | None = None) -> ConsentStatus:
    """The status a person sees: an active consent past its last day has expired, and so has
    a parent's consent once the child is 16."""
    if consent.status != ConsentStatus.ACTIVE:
        return consent.status
    at = at or utcnow()
    if consent.valid_to is not None and as_utc(consent.valid_to) <= at:
        return ConsentStatus.EXPIRED
    if consent.given_by == GivenBy.PARENT:
        age = age_of(consent.subject, at)
        if age is None or age >= AGE_OF_CONSENT:
            return ConsentStatus.EXPIRED
    return ConsentStatus.ACTIVE


def waits_for_check(session: Session, consent: Consent) -> bool:
    """Given by a parent or representative whose representation is not accepted (yet)."""
    if consent.representation_id is None:
        return False
    representation = session.get(Representation, consent.representation_id)
    return representation is None or representation.status not in ACCEPTED


def counts(session: Session, consent: Consent, at: datetime | None = None) -> bool:
    return shown_status(consent, at) == ConsentStatus.ACTIVE and not waits_for_check(
        session, consent)


def current_consents(session: Session, municipality_id: int, subject_person_id: int,
                     at: datetime | None = None) -> list[Consent]:
    """The consents that hold now, the plan first, then each service by name."""
    rows = session.scalars(sa.select(Consent).where(
        Consent.municipality_id == municipality_id,
        Consent.subject_person_id == subject_person_id,
        Consent.status == ConsentStatus.ACTIVE).order_by(Consent.id)).all()
    return [row for row in rows if shown_status(row, at) == ConsentStatus.ACTIVE]


def missing_for(session: Session, municipality_id: int, subject: Person,
                at: datetime | None = None) -> str | None:
    """Whose consent to the plan work is missing: None (it is there), ``parent`` (a child
    under 16: a parent must consent), ``young_person`` (16 or 17: they consent themself) or
    ``person``."""
    current = current_consents(session, municipality_id, subject.id, at)
    if any(row.purpose == Purpose.PLAN and counts(session, row, at) for row in current):
        return None
    age = age_of(subject, at)
    if age is not None and age < AGE_OF_CONSENT:
        return "parent"
    if age is not None and age < AGE_OF_MAJORITY:
        return "young_person"
    return "person"


def missing_for_case(session: Session, case: Case, at: datetime | None = None) -> str | None:
    """The consent an application still needs (``missing_for``); None for other kinds."""
    if case.kind != "ip_application" or case.status not in NEEDS_CONSENT:
        return None
    return missing_for(session, case.municipality_id, case.subject, at)
