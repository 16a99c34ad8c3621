"""Who did each thing in a case, as the person reading the case page knows them.

The timeline of a case is read by the person it is about and by those who act for them: each
must see who sent or did what from their own point of view («you», «your parent Kari
Eksempel», «Ola Eksempel», «the service desk, for you»), not a «you» that is untrue for one
of them. Events of the municipality (received, decided …) name the municipality already.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import Session

from portal.cases.models import Case, CaseEvent
from portal.identity.models import Person, StaffRole, StaffUser
from portal.municipalities.models import Municipality
from portal.municipalities.service import localized
from portal.representation.models import Basis, Representation, Status

# What a person did in a case, and the line that says who did it.
DONE_BY = {
    "submitted": lambda who: _("Sent by %(who)s", who=who),
    "withdrawn": lambda who: _("Withdrawn by %(who)s", who=who),
    "reply_sent": lambda who: _("Answered by %(who)s", who=who),
    "complaint_submitted": lambda who: _("Sent by %(who)s", who=who),
    "complaint_withdrawn": lambda who: _("Withdrawn by %(who)s", who=who),
}


def person_as_seen(session: Session, case: Case, person: Person | None, reader: Person) -> str:
    """The person as the reader knows them: you, your parent …, or their name."""
    if person is None:
        return _("someone")
    if person.id == reader.id:
        return _("you")
    name = person.name or _("someone")
    if reader.id != case.subject_person_id:
        return name  # a representative reads: the person the case is about, or another one
    # Only a basis that was real: a fullmakt still waiting for the young person's yes is not
    # one they have given.
    basis = session.scalar(sa.select(Representation.basis).where(
        Representation.municipality_id == case.municipality_id,
        Representation.principal_person_id == case.subject_person_id,
        Representation.representative_person_id == person.id,
        Representation.status.in_((Status.ACTIVE, Status.REVOKED, Status.EXPIRED)),
    ).order_by(Representation.id.desc()).limit(1))
    if basis == Basis.PARENT:
        return _("your parent %(name)s", name=name)
    if basis == Basis.VERGE:
        return _("your guardian %(name)s", name=name)
    if basis == Basis.FULLMAKT:
        return _("%(name)s, who has a power of attorney from you", name=name)
    return name


def done_by(session: Session, case: Case, event: CaseEvent, reader: Person,
            language: str) -> str | None:
    """«Sent by …» for an event a person did; None for the municipality's own events."""
    line = DONE_BY.get(event.type)
    if line is None or event.actor_person_id is None:
        return None
    who = person_as_seen(session, case, session.get(Person, event.actor_person_id), reader)
    staff = session.get(StaffUser, event.actor_staff_user_id) \
        if event.actor_staff_user_id else None
    if staff is not None and staff.role == StaffRole.DESK:
        desk = localized(session.get(Municipality, case.municipality_id).service_desk_name,
                         language) or _("the service desk")
        return line(_("%(desk)s, for %(who)s", desk=desk, who=who))
    if staff is not None:
        return line(_("the municipality, for %(who)s", who=who))
    return line(who)
