"""Inside a desk visit: the visit's page, assisted submissions through the citizen's own step
pages (filled in for the person present: ``portal.applications.filler``), the printable
receipt, and ending the visit.

Every URL carries the visit's random id, never the person's number. A visit that has ended,
has run out of time or was started in another login answers 404.
"""

from __future__ import annotations

import secrets

import sqlalchemy as sa
from flask import Response, abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup

from portal.applications import attachment_views
from portal.applications import views as steps
from portal.applications.filler import Filler, fill_for
from portal.applications.receipts import contact_line, receipt_pdf, what_next
from portal.applications.steps import FLOW_PATHS, FLOWS, KIND_TITLES
from portal.cases import views as case_views
from portal.cases.citizen_words import status_word
from portal.cases.models import Case, Submission
from portal.cases.tracking import tracking_code
from portal.complaints import service as complaints
from portal.consents import views as consent_views
from portal.db import session
from portal.desk import fullmakt, service
from portal.desk.forms import ID_CHECKS, REFUSALS, PaperFullmaktForm, SendReceiptForm
from portal.desk.models import DeskVisit
from portal.desk.receipts import TASK
from portal.drafts.service import create_draft, save_answers
from portal.forms import ConfirmForm
from portal.i18n import in_language
from portal.identity import rules
from portal.identity.crypto import data_keys
from portal.identity.models import StaffRole
from portal.identity.persons import person_nin
from portal.municipalities.tenancy import current_municipality, tenant_blueprint
from portal.queue.tasks import enqueue
from portal.representation.service import RepresentationRefusedError

blueprint = tenant_blueprint("desk_visit", __name__, "/ansatt/skranke/besok/<visit_id>")
desk_staff = rules.staff(StaffRole.DESK)
FLOW = "<any({}):flow_path>".format(", ".join(FLOW_PATHS))


@blueprint.url_value_preprocessor
def _take_visit_id(_endpoint, values) -> None:
    g.visit_id = (values or {}).pop("visit_id", None)


@blueprint.url_defaults
def _add_visit_id(_endpoint, values) -> None:
    if "visit_id" not in values and g.get("visit") is not None:
        values["visit_id"] = g.visit.public_id


@blueprint.before_request
def _open_the_visit() -> None:
    """After the access rule (staff of this municipality): the staff member's open visit."""
    visit = service.open_visit(session(), municipality_id=current_municipality().id,
                               staff=current_user.staff, user_session=current_user.row,
                               public_id=g.visit_id or "")
    if visit is None:
        abort(404)
    g.visit = visit
    fill_for(Filler(person=visit.person, channel="desk", staff_user_id=visit.staff_user_id,
                    desk_visit_id=visit.id, endpoints="desk_visit",
                    url_values={"visit_id": visit.public_id}))


def _visit() -> DeskVisit:
    return g.visit


@blueprint.get("/")
@desk_staff
def visit():
    current = _visit()
    sent = session().scalars(sa.select(Submission).where(
        Submission.desk_visit_id == current.id).order_by(Submission.id)).all()
    cases = service.coarse_cases(session(), current)
    decided = [case for case in cases if case.kind in complaints.COMPLAINABLE
               and case.status in ("decided", "closed")]
    return render_template(
        "desk/visit.html", visit=current, id_checks=ID_CHECKS, sent=sent, cases=cases,
        decided=decided, titles=KIND_TITLES, status_word=status_word, form=ConfirmForm(),
        nin_masked=person_nin(data_keys(), current.person).masked())


@blueprint.post("/avslutt")
@desk_staff
def end():
    if ConfirmForm().validate_on_submit():
        service.end_visit(session(), _visit())
        flash(_("The visit has ended."))
    return redirect(url_for("desk.index"))


# --- the step pages, for the person present ---------------------------------------------

@blueprint.route("/ny/<any(ip_application, eip_access):kind>", methods=["GET", "POST"])
@desk_staff
def start(kind: str):
    if request.method == "GET":
        return redirect(url_for(".visit"))
    return steps.start(kind)


@blueprint.post("/klage")
@desk_staff
def start_complaint():
    """A complaint: about one of the person's decided cases, or a decision on paper."""
    if not ConfirmForm().validate_on_submit():
        abort(400)
    current = _visit()
    reference = request.form.get("reference", "")
    try:
        if reference:
            case = session().scalar(sa.select(Case).where(
                Case.reference == reference, Case.municipality_id == current.municipality_id,
                Case.subject_person_id == current.person_id))
            if case is None:
                abort(404)
            answers = complaints.start_answers(session(), data_keys(), current.person, case,
                                               "decision")
        else:
            answers = complaints.paper_answers(session(), data_keys(), current.person,
                                               current.person, current.municipality_id)
    except complaints.MayNotComplainError:
        flash(_("A complaint about this decision is already being handled."), "warning")
        return redirect(url_for(".visit"))
    draft = create_draft(session(), data_keys(), municipality_id=current.municipality_id,
                         owner_person_id=current.person_id, kind=complaints.KIND,
                         lifetime=steps.draft_lifetime())
    save_answers(data_keys(), draft, answers, steps.draft_lifetime())
    first = FLOWS[complaints.KIND].steps
    path = next(step.path for step in first if step.applies(answers))
    return redirect(steps.draft_url("step", draft, step_path=path))


@blueprint.route(f"/{FLOW}/<draft_id>/<step_path>", methods=["GET", "POST"])
@desk_staff
def step(flow_path: str, draft_id: str, step_path: str):
    return steps.step(flow_path, draft_id, step_path)


@blueprint.route(f"/{FLOW}/<draft_id>/sjekk", methods=["GET", "POST"])
@desk_staff
def check(flow_path: str, draft_id: str):
    return steps.check(flow_path, draft_id)


@blueprint.get(f"/{FLOW}/<draft_id>/sendt")
@desk_staff
def sent(flow_path: str, draft_id: str):
    return steps.sent(flow_path, draft_id)


@blueprint.post(f"/{FLOW}/<draft_id>/vedlegg/<int:attachment_id>/slett")
@desk_staff
def remove_attachment(flow_path: str, draft_id: str, attachment_id: int):
    return attachment_views.remove_attachment(flow_path, draft_id, attachment_id)


# --- answering a request for information, and a paper fullmakt ---------------------------

@blueprint.route("/svar/<reference>", methods=["GET", "POST"])
@desk_staff
def reply(reference: str):
    """The person's own answer page (``portal.cases.views.reply``), filled in at the desk."""
    if request.method == "GET":
        service.act(session(), _visit(), "reply_opened", target=f"case:{reference}")
    return case_views.reply(reference)


@blueprint.post("/svar/<reference>/vedlegg/<int:attachment_id>/slett")
@desk_staff
def remove_reply_file(reference: str, attachment_id: int):
    return case_views.remove_reply_file(reference, attachment_id)


@blueprint.route("/fullmakt", methods=["GET", "POST"])
@desk_staff
def paper_fullmakt():
    current = _visit()
    form = PaperFullmaktForm()
    if request.method == "GET":
        form.request_id.data = secrets.token_hex(16)
    if form.validate_on_submit():
        try:
            registered = fullmakt.register_seen_original(
                session(), data_keys(), visit=current, staff=current_user.staff,
                here_is=form.here_is.data, other_nin=form.other_nin.nin,
                other_name=form.other_name.data.strip(), basis=form.basis.data,
                scopes=form.scopes.data, valid_to=form.valid_to.date(),
                language=current.language, request_id=form.request_id.data or "")
        except RepresentationRefusedError as refused:
            field = getattr(form, refused.field, None) or form.other_nin
            field.errors = [*field.errors, str(REFUSALS.get(refused.code, refused.code))]
        else:
            submission = session().scalar(sa.select(Submission).where(
                Submission.case_id == registered.case_id).order_by(Submission.id.desc()))
            return redirect(url_for(".receipt", submission_id=submission.id))
    return render_template("desk/fullmakt.html", form=form, visit=current)


@blueprint.route("/samtykke", methods=["GET", "POST"])
@desk_staff
def give():
    """A consent given on the spot: the person's own consent page, with the text read aloud or
    shown, and confirmed by the person (channel desk)."""
    if request.method == "GET":
        service.act(session(), _visit(), "consent_opened")
    return consent_views.give()


# --- the receipt -------------------------------------------------------------------------

def _sent_in_visit(submission_id: int) -> tuple[Submission, Case]:
    submission = session().get(Submission, submission_id)
    if submission is None or submission.desk_visit_id != _visit().id:
        abort(404)  # only what was sent in this visit
    return submission, session().get(Case, submission.case_id)


@blueprint.route("/kvittering/<int:submission_id>", methods=["GET", "POST"])
@desk_staff
def receipt(submission_id: int):
    """The receipt to print for the person, in their language: reference, tracking code, the
    status page's address and what happens next. Optionally by e-mail or SMS too."""
    submission, case = _sent_in_visit(submission_id)
    current = _visit()
    form = SendReceiptForm()
    if form.validate_on_submit() and (form.email.data or form.phone.data):
        _send_receipt(current, submission, form)
        flash(_("The receipt is on its way."))
        return redirect(url_for(".receipt", submission_id=submission_id))
    municipality = current_municipality()
    with in_language(current.language):  # the person's part, in the person's language
        printed = render_template(
            "desk/_receipt.html", case=case, submission=submission, language=current.language,
            title=str(KIND_TITLES.get(submission.kind, submission.kind)),
            code=tracking_code(data_keys(), case),
            status_url=url_for("case_status.lookup", _external=True),
            what_next=what_next(municipality, current.language, submission.kind),
            contact=contact_line(municipality, current.language))
    return render_template("desk/receipt.html", case=case, submission=submission, form=form,
                           receipt=Markup(printed),  # noqa: S704 - our own rendered template
                           pdf_ready=receipt_pdf(session(), submission.id) is not None)


@blueprint.get("/kvittering/<int:submission_id>.pdf")
@desk_staff
def receipt_download(submission_id: int):
    submission, case = _sent_in_visit(submission_id)
    pdf = receipt_pdf(session(), submission.id)
    if pdf is None:
        abort(404)
    service.act(session(), _visit(), "receipt_printed", target=f"case:{case.reference}")
    response = Response(pdf, mimetype="application/pdf")
    response.headers.set("Content-Disposition", "attachment", filename=f"{case.reference}.pdf")
    return response


def _send_receipt(current: DeskVisit, submission: Submission, form: SendReceiptForm) -> None:
    """The person gave an address: kept as their contact details, and the worker sends."""
    person = current.person
    if form.email.data:
        person.email = form.email.data
        enqueue(session(), TASK, current.municipality_id, submission_id=submission.id,
                by="email")
    if form.phone.data:
        person.phone = form.phone.data.strip()
        enqueue(session(), TASK, current.municipality_id, submission_id=submission.id,
                by="sms")
    person.preferred_language = person.preferred_language or current.language
    service.act(session(), current, "receipt_sent", target=f"submission:{submission.id}")
