"""What the back-office API answers about a case's consents (openapi.json, ``CaseConsents``)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from portal.cases.models import Case
from portal.consents.delivery import consent_json
from portal.consents.rules import current_consents, missing_for_case


def consents_json(session: Session, case: Case) -> dict:
    return {
        "reference": case.reference,
        "consent_missing": missing_for_case(session, case),
        "consents": [consent_json(session, consent) for consent in
                     current_consents(session, case.municipality_id, case.subject_person_id)],
    }
