"""The receipt page and the receipt PDF: for the person who sent it and the person it is for."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Response, abort, render_template
from flask_login import current_user

from portal.applications.receipts import (
    contact_line,
    receipt_address,
    receipt_pdf,
    receipt_ready,
    what_next,
)
from portal.applications.steps import FLOWS, KIND_TITLES, STEPS
from portal.applications.views import blueprint
from portal.audit.service import record_read
from portal.cases.following import View
from portal.cases.models import Case, Submission
from portal.cases.refused import case_or_refusal
from portal.cases.submissions import submission_payload
from portal.cases.tracking import tracking_code
from portal.db import session
from portal.i18n import current_language
from portal.identity import rules
from portal.identity.crypto import data_keys
from portal.municipalities.tenancy import current_municipality


def _own_submission(reference: str, submission_id: int | None = None,
                    ) -> tuple[Case, Submission]:
    """The case's first submission (or the one asked for), for someone who may follow the
    case, or who sent it and waits for their fullmakt to be checked: the case page's access
    decision (``portal.cases.following.case_access``), audit-logged there."""
    case, access = case_or_refusal(current_user.person, reference)
    query = sa.select(Submission).where(Submission.case_id == case.id)
    if submission_id is not None:
        query = query.where(Submission.id == submission_id)
    if access.view == View.RECEIPT:
        query = query.where(Submission.submitted_by_person_id == current_user.person.id)
    submission = session().scalar(query.order_by(Submission.id))
    if submission is None:
        abort(404)
    return case, submission


def receipt_for_submission(submission_id: int):
    """The receipt after sending: only while the sender may still see the case (a parent
    whose child has turned 16, or a representative whose fullmakt has ended, may not)."""
    reference = session().scalar(sa.select(Case.reference).join(
        Submission, Submission.case_id == Case.id).where(Submission.id == submission_id))
    case, submission = _own_submission(reference, submission_id)
    return _render_receipt(case, submission)


def _render_receipt(case: Case, submission: Submission):
    municipality = current_municipality()
    language = current_language()
    return render_template(
        "applications/receipt.html", case=case, submission=submission,
        title=KIND_TITLES[submission.kind],
        received=FLOWS[submission.kind].received if submission.kind in FLOWS else None,
        what_next=what_next(municipality, language, submission.kind),
        contact=contact_line(municipality, language),
        pdf_ready=receipt_ready(session(), submission.id),
        # As on the receipt PDF: with the reference it shows the coarse status, logged out.
        tracking_code=tracking_code(data_keys(), case) if submission.kind in STEPS else None,
        mailed_to=_mailed_to(submission),
    )


def _mailed_to(submission: Submission) -> str | None:
    """Where the receipt e-mail goes, told to the person who sent it ("" for nowhere);
    None for anyone else reading the receipt."""
    if submission.submitted_by_person_id != current_user.person.id:
        return None
    payload = submission_payload(data_keys(), submission)
    return receipt_address(current_user.person, payload)


@blueprint.get("/kvittering/<reference>")
@rules.citizen
def receipt(reference: str):
    case, submission = _own_submission(reference)
    return _render_receipt(case, submission)


@blueprint.get("/kvittering/<reference>/kvittering.pdf")
@rules.citizen
def receipt_download(reference: str):
    case, submission = _own_submission(reference)
    pdf = receipt_pdf(session(), submission.id)
    if pdf is None:
        abort(404)
    if current_user.person.id != submission.subject_person_id:
        record_read(session(), "receipt.read", municipality_id=case.municipality_id,
                    actor_person_id=current_user.person.id,
                    subject_person_id=submission.subject_person_id, target=f"case:{case.reference}")
    response = Response(pdf, mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'attachment; filename="{case.reference}.pdf"'
    return response
