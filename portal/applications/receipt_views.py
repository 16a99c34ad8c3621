"""The receipt page and the receipt PDF: for the person who sent it and the person it is for."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Response, abort, render_template
from flask_login import current_user

from portal.applications.receipts import contact_line, receipt_pdf, what_next
from portal.applications.steps import FLOWS, KIND_TITLES
from portal.applications.views import blueprint
from portal.audit.service import record_read
from portal.cases.models import Case, Submission
from portal.db import session
from portal.i18n import current_language
from portal.identity import rules
from portal.municipalities.tenancy import current_municipality


def _own_submission(reference: str) -> tuple[Case, Submission]:
    """The case's first submission, for someone who may follow the case, or who sent it and
    waits for their fullmakt to be checked (``portal.cases.following.case_access``)."""
    from portal.cases.following import View, case_for

    found = case_for(session(), current_municipality().id, current_user.person, reference)
    if found is None:
        abort(404)  # the same answer as for a reference that does not exist
    case, access = found
    query = sa.select(Submission).where(Submission.case_id == case.id)
    if access.view == View.RECEIPT:
        query = query.where(Submission.submitted_by_person_id == current_user.person.id)
    submission = session().scalar(query.order_by(Submission.id))
    if submission is None:
        abort(404)
    return case, submission


def receipt_for_submission(submission_id: int):
    submission = session().get(Submission, submission_id)
    case = session().get(Case, submission.case_id)
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
        pdf_ready=receipt_pdf(session(), submission.id) is not None,
    )


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
