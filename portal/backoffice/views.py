"""The caseworker pages: the queue, the § 11 a list and the case page with its actions.

For municipalities without a back-office integration: the actions post the same events as
the API (``portal.cases.service.apply_event``). Every read of a case, a receipt or an
attachment by staff is audit-logged.
"""

from __future__ import annotations

from flask import Response, abort, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal import clock
from portal.applications.receipts import answers_from_payload, receipt_pdf
from portal.applications.steps import FLOWS, KIND_TITLES, STEPS
from portal.applications.summary import summary_rows
from portal.audit.service import record_read
from portal.backoffice import queries
from portal.backoffice.forms import ACTION_FORMS, ActionForm, DecisionForm
from portal.backoffice.words import ACTIONS, DEADLINE_NAMES, DONE, STATUS_NAMES, timeline
from portal.cases.assignment import colleagues
from portal.cases.models import Case, Submission
from portal.cases.service import (
    EventDataError,
    TransitionRefusedError,
    apply_event,
    case_by_reference,
    transitions_for,
)
from portal.cases.submissions import submission_payload
from portal.clock import utcnow
from portal.complaints import service as complaints
from portal.consents.overview import staff_panel
from portal.consents.receipts import receipt_rows as consent_rows
from portal.db import as_utc, session
from portal.documents.attachments import download_name, read_attachment
from portal.i18n import current_language
from portal.identity import rules
from portal.identity.crypto import data_keys
from portal.identity.models import StaffRole
from portal.municipalities.tenancy import current_municipality, tenant_blueprint

blueprint = tenant_blueprint("backoffice", __name__, "/ansatt/saker")
caseworker = rules.staff(StaffRole.CASEWORKER)  # admins pass too


@blueprint.get("/<reference>")
@caseworker
def case(reference: str):
    return _case_page(_case_or_404(reference))


@blueprint.route("/<reference>/hendelse/<event_type>", methods=["GET", "POST"])
@caseworker
def event(reference: str, event_type: str):
    """Post one event to the case. GET shows the case page with this action's form: it is
    where a form sent after a session timeout comes back, filled in (see saved_forms)."""
    if event_type not in ACTION_FORMS:
        abort(404)
    found = _case_or_404(reference)
    form = ACTION_FORMS[event_type]()
    if request.method == "GET":
        return _case_page(found, active=event_type, posted=form)
    queries.lock_case(session(), found)
    transition = transitions_for(found).get(event_type)
    if transition is None or found.status not in transition.allowed_from:
        return _refused(found, event_type)
    if not form.validate_on_submit():
        return _case_page(found, active=event_type, posted=form)
    try:
        apply_event(session(), found, event_type, form.event_data(),
                    actor_staff_user_id=current_user.staff.id)
    except TransitionRefusedError:  # the service checks again; never expected after the lock
        return _refused(found, event_type)
    except EventDataError as error:
        return _data_error(found, event_type, form, error)
    return redirect(url_for(".case", reference=found.reference, done=event_type))


@blueprint.get("/<reference>/kvittering.pdf")
@caseworker
def receipt(reference: str):
    found = _case_or_404(reference)
    submissions = queries.submissions_of(session(), found)
    pdf = receipt_pdf(session(), submissions[0].id) if submissions else None
    if pdf is None:
        abort(404)
    _audit("receipt.read", found)
    response = Response(pdf, mimetype="application/pdf")
    response.headers.set("Content-Disposition", "attachment",
                         filename=f"{found.reference}.pdf")
    return response


@blueprint.get("/<reference>/vedlegg/<int:attachment_id>")
@caseworker
def attachment(reference: str, attachment_id: int):
    found = _case_or_404(reference)
    stored = queries.attachment_of(session(), found, attachment_id)
    if stored is None:
        abort(404)
    _audit("attachment.read", found, reason=f"attachment {stored.id}")
    response = Response(read_attachment(data_keys(), stored), mimetype=stored.content_type)
    # Always a download: the browser never renders a citizen's file inside the portal.
    response.headers.set("Content-Disposition", "attachment",
                         filename=download_name(stored.display_name))
    return response


# --- helpers ---------------------------------------------------------------------------------

def _case_or_404(reference: str) -> Case:
    found = case_by_reference(session(), current_municipality().id, reference)
    if found is None:
        abort(404)
    return found


def days_waited(found: Case) -> int:
    return (utcnow() - as_utc(found.created_at)).days


def _audit(action: str, found: Case, reason: str = "") -> None:
    record_read(session(), action, municipality_id=found.municipality_id,
                actor_staff_user_id=current_user.staff.id,
                subject_person_id=found.subject_person_id, target=f"case:{found.reference}",
                reason=reason)


def _refused(found: Case, event_type: str):
    """409 without the case's contents: a refused action is no way to read a case unlogged
    (the attempt is audit-logged, and kept although the request's transaction rolls back)."""
    _audit("case.action_refused", found, reason=event_type)
    message = _("The case is: %(status)s. Go to the case to see what you can do now.",
                status=STATUS_NAMES[found.status])
    return render_template("backoffice/refused.html", reference=found.reference,
                           problem=message), 409


def _data_error(found: Case, event_type: str, form: ActionForm, error: EventDataError):
    field = form.field_for(error.field)
    if field is None:
        abort(400)
    field.errors = [*field.errors, _("Check this answer")]
    return _case_page(found, active=event_type, posted=form)


def _case_page(found: Case, *, active: str | None = None, posted: ActionForm | None = None):
    _audit("case.read", found)
    submissions = queries.submissions_of(session(), found)
    payloads = {s.id: submission_payload(data_keys(), s) if s.payload_deleted_at is None
                else {} for s in submissions}  # deleted when its retention time was over
    attachments = queries.attachments_of(session(), found)
    first = payloads[submissions[0].id] if submissions else {}
    done = request.args.get("done")
    return render_template(
        "backoffice/case.html", case=found, status_names=STATUS_NAMES,
        kind_title=KIND_TITLES.get(found.kind, found.kind),
        subject=_subject(first), applicant=first.get("applicant", {}).get("name", ""),
        documents=[_document(s, payloads[s.id], attachments) for s in submissions],
        attachments=attachments,
        receipt_ready=bool(submissions and queries.has_receipt(session(), submissions[0].id)),
        timeline=timeline(found.events), actions=_actions(found, active, posted),
        complaints=complaints.about_case(session(), found),
        posted=posted, done=DONE.get(done) if done else None,
        consents=staff_panel(session(), current_user.staff.id, found),
        colleagues=colleagues(session(), found.municipality_id), deadline_names=DEADLINE_NAMES,
    )


def _subject(payload: dict) -> dict:
    subject = payload.get("subject") or {}
    nin = subject.get("national_id") or ""
    return {"name": subject.get("name", ""), "nin_masked": f"{nin[:6]}*****" if nin else ""}


def _document(submission: Submission, payload: dict, attachments) -> dict:
    """A submission with its answers as check-your-answers rows (kinds with steps only)."""
    rows = []
    if submission.kind == "consent":
        rows = [(question, answer, None) for question, answer in consent_rows(payload)]
    if submission.kind in STEPS and payload:
        names = [a.display_name for a in attachments if a.submission_id == submission.id]
        answers = answers_from_payload(payload)
        about = FLOWS[submission.kind].about_rows
        rows = [(label, text, None) for label, text in (about(answers) if about else [])]
        rows += summary_rows(submission.kind, answers, current_municipality(),
                             current_language(), names)
    return {"submission": submission, "rows": rows,
            "title": KIND_TITLES.get(submission.kind, submission.kind)}


def _actions(found: Case, active: str | None, posted: ActionForm | None) -> list[dict]:
    """One form per action the case's status allows, in the order of the case's life."""
    actions = []
    for event_type, transition in transitions_for(found).items():
        if found.status not in transition.allowed_from or event_type not in ACTION_FORMS:
            continue
        form = posted if event_type == active and posted is not None else _empty(event_type)
        actions.append({"type": event_type, "words": ACTIONS[event_type], "form": form,
                        "fields": [f for f in form if f.type != "CSRFTokenField"],
                        "open": event_type == active})
    return actions


def _empty(event_type: str) -> ActionForm:
    form_class = ACTION_FORMS[event_type]
    if form_class is DecisionForm:
        return DecisionForm(formdata=None,
                            decision_date=clock.today().strftime("%d.%m.%Y"))
    return form_class(formdata=None)
