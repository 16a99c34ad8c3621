"""A paper fullmakt (or guardian certificate) brought to the desk: staff see the signed
original, so it is active at once (evidence ``desk``), and the back office gets it as a
``power_of_attorney`` submission (action ``seen_at_desk``) like every other change.

The person present is one of the two: the one who gives it, or the one who is given it. The
age rules are the portal's own (``portal.representation.rules``).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from sqlalchemy.orm import Session

from portal import clock
from portal.audit.service import record
from portal.clock import utcnow
from portal.desk.models import DeskVisit
from portal.identity.crypto import DataKeys
from portal.identity.models import StaffUser
from portal.identity.nin import NationalIdentityNumber
from portal.identity.persons import find_or_create_person, person_nin
from portal.representation import service as representations
from portal.representation.models import Basis, Evidence, Representation, Status

PRINCIPAL, REPRESENTATIVE = "principal", "representative"


def register_seen_original(session: Session, keys: DataKeys, *, visit: DeskVisit,
                           staff: StaffUser, here_is: str, other_nin: NationalIdentityNumber,
                           other_name: str, basis: Basis, scopes: Sequence[str],
                           valid_to: date | None, language: str,
                           request_id: str) -> Representation:
    key = representations.idempotency_key("desk", visit.id, request_id)
    if (again := representations.delivered_with(session, key)) is not None:
        return again  # a resent form: the same fullmakt
    other = find_or_create_person(session, keys, other_nin, name=other_name)
    if other.id == visit.person_id:
        raise representations.RepresentationRefusedError("self", "other_nin")
    principal, representative = (visit.person, other) if here_is == PRINCIPAL \
        else (other, visit.person)
    if valid_to is not None and valid_to < clock.today():
        raise representations.RepresentationRefusedError("ends_in_past", "valid_to")
    representations.check_ages(person_nin(keys, principal).birth_date,
                               person_nin(keys, representative).birth_date, clock.today())
    representation = Representation(
        municipality_id=visit.municipality_id, principal_person_id=principal.id,
        representative_person_id=representative.id, basis=basis,
        scopes=representations.clean_scopes(scopes) if basis == Basis.FULLMAKT
        else list(representations.ALL_SCOPES), status=Status.ACTIVE, evidence=Evidence.DESK,
        valid_from=utcnow(), valid_to=representations.end_of_day(valid_to),
        verified_by_staff_user_id=staff.id, verified_at=utcnow(),
        created_by_person_id=visit.person_id)
    session.add(representation)
    session.flush()
    representations.deliver(session, keys, representation, "seen_at_desk", sender=visit.person,
                            language=language, idempotency_key=key, channel="desk",
                            staff_user_id=staff.id, desk_visit_id=visit.id)
    record(session, "representation.verified", municipality_id=visit.municipality_id,
           actor_staff_user_id=staff.id, subject_person_id=principal.id,
           target=f"representation:{representation.id}",
           reason=f"visit {visit.public_id}: signed original seen at the desk")
    return representation
