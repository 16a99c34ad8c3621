"""Reading consents: the register as a person sees it, the consents panel of a case page,
the tasks on «Mine saker», and the audit record of every read by someone else.

Pasientjournalloven § 18 and Normen: a person has the right to know who has read their
information, so a read of a person's consents by anyone but them is recorded
(``consents.read``) whatever happens next, and shown in «who has looked».
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import Session

from portal.audit.service import record_read
from portal.cases.looked import who_looked_at_consents
from portal.cases.models import Case, Submission
from portal.cases.submissions import submission_payload
from portal.consents.delivery import KIND, last_day
from portal.consents.models import Consent, ConsentStatus, GivenBy
from portal.consents.rules import (
    current_consents,
    missing_for_case,
    shown_status,
    waits_for_check,
)
from portal.consents.texts import consent_label
from portal.consents.words import page_words
from portal.identity.crypto import data_keys
from portal.identity.models import Person
from portal.representation.models import Basis, Representation, Scope
from portal.representation.rules import decide


@dataclass(frozen=True)
class Row:
    consent: Consent
    label: str
    status: ConsentStatus
    last_day: date | None
    waits_for_check: bool


def _row(session: Session, consent: Consent) -> Row:
    return Row(consent, consent_label(consent), shown_status(consent), last_day(consent),
               waits_for_check(session, consent))


def register(session: Session, municipality_id: int, subject: Person) -> list[Row]:
    """Every consent of the person (active and ended alike): the plan first, then the
    services, newest first."""
    rows = session.scalars(sa.select(Consent).where(
        Consent.municipality_id == municipality_id, Consent.subject_person_id == subject.id)
        .order_by(Consent.purpose, Consent.given_at.desc(), Consent.id.desc())).all()
    return [_row(session, row) for row in rows]


def cases_missing(session: Session, municipality_id: int, subject: Person,
                  ) -> list[tuple[Case, str]]:
    """The person's applications that still need a consent, and whose."""
    cases = session.scalars(sa.select(Case).where(
        Case.municipality_id == municipality_id, Case.subject_person_id == subject.id,
        Case.kind == "ip_application").order_by(Case.id)).all()
    found = [(case, missing_for_case(session, case)) for case in cases]
    return [(case, missing) for case, missing in found if missing]


def why(session: Session, given_by: GivenBy, representation_id: int | None) -> str:
    """The basis of a read by a representative, as «who has looked» words it."""
    if given_by == GivenBy.PARENT:
        return "parent"
    representation = session.get(Representation, representation_id) \
        if representation_id else None
    return str(representation.basis) if representation else "fullmakt"


def audit_read(session: Session, actor: Person, subject: Person, municipality_id: int,
               given_by: GivenBy, representation_id: int | None = None,
               target: str = "consents") -> None:
    if actor.id == subject.id:
        return
    record_read(session, "consents.read", municipality_id=municipality_id,
                actor_person_id=actor.id, subject_person_id=subject.id, target=target,
                reason=why(session, given_by, representation_id))


def who_looked(session: Session, municipality_id: int, subject: Person):
    return who_looked_at_consents(session, municipality_id, subject.id)


def consent_submission(session: Session, municipality_id: int,
                       submission_id: int) -> Submission | None:
    found = session.get(Submission, submission_id)
    if found is None or found.municipality_id != municipality_id or found.kind != KIND:
        return None
    return found


def payload_of(submission: Submission) -> dict:
    return submission_payload(data_keys(), submission)


# --- A case page and «Mine saker» ------------------------------------------------------------


def case_panel(session: Session, viewer: Person, case: Case,
               acting_for_id: int | None) -> dict | None:
    """The consents panel of an application's page: the consents that hold now, whose
    consent is still missing, and whether the viewer can change them from here (as the
    person, or acting for them with the consent scope). None for other kinds of case."""
    if case.kind != "ip_application":
        return None
    subject = case.subject
    decision = decide(session, actor=viewer, principal_id=subject.id, scope=Scope.CONSENT,
                      municipality_id=case.municipality_id)
    if not decision and viewer.id != subject.id:
        return {"hidden": True, "missing": missing_for_case(session, case)}
    if viewer.id != subject.id:
        given_by = GivenBy.PARENT if decision.representation.basis == Basis.PARENT \
            else GivenBy.REPRESENTATIVE
        audit_read(session, viewer, subject, case.municipality_id, given_by,
                   decision.representation.id, target=f"case:{case.reference}")
    return {
        "hidden": False,
        "rows": [_row(session, row) for row in current_consents(
            session, case.municipality_id, subject.id)],
        "missing": missing_for_case(session, case),
        "may_change": bool(decision) and (viewer.id == subject.id
                                          or acting_for_id == subject.id),
        "is_subject": viewer.id == subject.id,
    }


def consent_tasks(session: Session, viewer: Person, cases) -> list[tuple[Case, str]]:
    """Tasks on «Mine saker»: the applications whose consent the viewer can give now (their
    own from 16; a parent's or representative's for the person they act for)."""
    tasks = []
    for case, _access in cases:
        missing = missing_for_case(session, case)
        if missing is None:
            continue
        if case.subject_person_id == viewer.id:
            if missing != "parent":
                tasks.append((case, missing))
        elif decide(session, actor=viewer, principal_id=case.subject_person_id,
                    scope=Scope.CONSENT, municipality_id=case.municipality_id):
            tasks.append((case, missing))
    return tasks


def staff_panel(session: Session, staff_user_id: int, case: Case) -> dict:
    """The consents panel of the caseworker's case page: what holds now, what ended, and
    whose consent is missing. The read is audit-logged (the person sees it)."""
    subject = case.subject
    record_read(session, "consents.read", municipality_id=case.municipality_id,
                actor_staff_user_id=staff_user_id, subject_person_id=subject.id,
                target=f"case:{case.reference}", reason="case page")
    rows = register(session, case.municipality_id, subject)
    return {"current": [row for row in rows if row.status == ConsentStatus.ACTIVE],
            "ended": [row for row in rows if row.status != ConsentStatus.ACTIVE],
            "missing": missing_for_case(session, case), **page_words()}
