"""Cases made straight through the case service (fast), for tests of lists and queries."""

from __future__ import annotations

import secrets
from datetime import date, timedelta

import sqlalchemy as sa

from portal.cases import next_deadline
from portal.cases.models import Case
from portal.cases.opening import open_case
from portal.clock import utcnow
from portal.identity.crypto import data_keys
from portal.identity.nin import NinKind, generate_valid_nin, parse_nin
from portal.identity.persons import find_or_create_person
from portal.municipalities.models import Municipality


def person_nin(birth: date) -> str:
    return generate_valid_nin(birth, kind=NinKind.SYNTHETIC)


def make_case(app, session, *, name: str = "Per Hansen", birth: date = date(1990, 1, 2),
              kind: str = "ip_application", days_ago: int = 0, channel: str = "web") -> Case:
    """One case about the person, sent ``days_ago``; committed."""
    with app.test_request_context():
        keys = data_keys()
        municipality = session.scalar(sa.select(Municipality).where(
            Municipality.slug == "eksempel"))
        person = find_or_create_person(session, keys, parse_nin(person_nin(birth),
                                                               allow_synthetic=True), name=name)
        case, _submission = open_case(
            session, keys, municipality_id=municipality.id, kind=kind, subject=person,
            sender=person, payload={}, language="nb",
            idempotency_key=secrets.token_hex(16), channel=channel)
        if days_ago:
            case.created_at = utcnow() - timedelta(days=days_ago)
            next_deadline.refresh(case, list(case.events))
        session.commit()
        return case
