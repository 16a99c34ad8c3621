"""«Mine samtykker»: see, give, change and withdraw consents; receipts; the paper form.

The pages are for the person the logged-in citizen acts for now: themself, or a principal
(``portal.representation.acting``). Whether they may see and change that person's consents
is decided by ``portal.representation.rules.decide`` with the scope ``consent``: a
representative without it gets a page that says so (403) and nothing more; a revoked one, or
another citizen, gets 404 for a consent or a receipt, as for one that does not exist. Every
read by anyone but the person is audit-logged, and the person sees who has looked.
"""

from __future__ import annotations

import secrets

from flask import Response, abort, render_template, request, url_for
from flask import redirect as redirect_to
from flask_login import current_user

from portal import access
from portal.applications.filler import current_filler, filler_url
from portal.applications.receipts import contact_line, receipt_pdf
from portal.consents import overview, service
from portal.consents.choices import choices_from
from portal.consents.delivery import last_day
from portal.consents.forms import ChangeForm, GiveForm
from portal.consents.models import Channel, Consent, ConsentStatus, Purpose
from portal.consents.printable import consent_form_pdf
from portal.consents.receipts import ACTION_WORDS, receipt_rows
from portal.consents.rules import AGE_OF_CONSENT, age_of, current_consents, shown_status
from portal.consents.texts import current_texts, text_for
from portal.consents.words import REFUSALS, page_words
from portal.db import session
from portal.forms import ConfirmForm
from portal.i18n import current_language
from portal.identity import rules
from portal.identity.crypto import data_keys
from portal.municipalities.tenancy import current_municipality, tenant_blueprint
from portal.representation.acting import acting_representation

blueprint = tenant_blueprint("consents", __name__, "/samtykker")


def _subject():
    """Whom the pages are for (acting for someone, or oneself) and whether the logged-in
    person may see and change their consents (403 with the reason when not). At the service
    desk: the person present, who gives the consent there (channel desk)."""
    filler = current_filler()
    if filler.at_desk:
        giver = service.giver_for(
            session(), actor=filler.person, subject=filler.person,
            municipality_id=current_municipality().id, channel=Channel.DESK,
            staff=current_user.staff, desk_visit_id=filler.url_values["visit_id"],
            desk_visit_row_id=filler.desk_visit_id)
        return filler.person, giver
    representation = acting_representation()
    subject = representation.principal if representation else current_user.person
    try:
        giver = service.giver_for(session(), actor=current_user.person, subject=subject,
                                  municipality_id=current_municipality().id)
    except service.ConsentRefusedError:
        abort(Response(render_template("consents/not_allowed.html", name=subject.name),
                       status=403))
    overview.audit_read(session(), current_user.person, subject, current_municipality().id,
                        giver.given_by, giver.representation_id)
    return subject, giver


def _consent(consent_id: int) -> tuple[Consent, object, service.Giver]:
    """A consent of the person the pages are for; 404 for any other (or none)."""
    found = session().get(Consent, consent_id)
    representation = acting_representation()
    subject_id = representation.principal_person_id if representation \
        else current_user.person.id
    if found is None or found.municipality_id != current_municipality().id \
            or found.subject_person_id != subject_id:
        abort(404)
    subject, giver = _subject()
    return found, subject, giver


def _request_id(form) -> None:
    if not form.request_id.data:
        form.request_id.data = secrets.token_hex(16)


def _refused(form, error: service.ConsentRefusedError) -> None:
    field = getattr(form, error.field, None) or next(iter(form))
    field.errors = [*list(field.errors), str(REFUSALS.get(error.code, error.code))]


def _texts() -> dict:
    texts = current_texts(current_municipality())
    language = current_language()
    return {"consent_version": texts["version"],
            "plan_text": text_for(texts, "plan", language),
            "sharing_text": text_for(texts, "sharing", language)}


@blueprint.get("/")
@rules.citizen
def index():
    subject, _giver = _subject()
    municipality_id = current_municipality().id
    return render_template(
        "consents/index.html", subject=subject, is_self=subject.id == current_user.person.id,
        rows=overview.register(session(), municipality_id, subject),
        missing=overview.cases_missing(session(), municipality_id, subject),
        under_16=(age_of(subject) or 0) < AGE_OF_CONSENT,
        looked=overview.who_looked(session(), municipality_id, subject)
        if subject.id == current_user.person.id else None, **page_words())


@blueprint.route("/ny", methods=["GET", "POST"])
@rules.citizen
def give():
    subject, giver = _subject()
    municipality = current_municipality()
    form = GiveForm()
    _request_id(form)
    has_plan = any(row.purpose == Purpose.PLAN for row in current_consents(
        session(), municipality.id, subject.id))
    blocked = _blocked(subject, giver)
    if not blocked and form.validate_on_submit():
        if request.form.get("action") == "confirm":
            try:
                submission = service.give(
                    session(), data_keys(), municipality=municipality, subject=subject,
                    giver=giver, choices=_choices(form, has_plan),
                    text_version=form.consent_version.data or "", language=current_language(),
                    request_id=form.request_id.data, information=form.information.data,
                    last_day=form.last_day.date())
            except service.ConsentRefusedError as refused:
                _refused(form, refused)
            else:
                return redirect_to(url_for(".receipt", submission_id=submission.id))
        else:
            return render_template("consents/confirm_give.html", form=form, subject=subject,
                                   choices=_choices(form, has_plan), **_texts(),
                                   **_back_urls(), **page_words())
    return render_template("consents/give.html", form=form, subject=subject,
                           has_plan=has_plan, blocked=blocked, **_texts(), **_back_urls(),
                           **page_words())


def _back_urls() -> dict:
    """Back to «Mine samtykker», or to the desk's visit."""
    at_desk = current_filler().at_desk
    return {"index_url": filler_url("visit") if at_desk else url_for("consents.index"),
            "give_url": filler_url("give", "consents")}


def _choices(form, has_plan: bool):
    return choices_from(plan=bool(form.consent_planning.data) and not has_plan,
                        sharing=form.sharing.data or [], unit=form.sharing_unit.data or "",
                        others=form.sharing_other.data or "")


def _blocked(subject, giver: service.Giver) -> str | None:
    """Why this person cannot give the consent here (a child under 16 alone), or None."""
    try:
        service.check_giver(subject, giver)
    except service.ConsentRefusedError as refused:
        return str(REFUSALS[refused.code])
    return None


@blueprint.route("/<int:consent_id>/endre", methods=["GET", "POST"])
@rules.citizen
def change(consent_id: int):
    found, subject, giver = _consent(consent_id)
    if shown_status(found) != ConsentStatus.ACTIVE:
        abort(404)
    last = last_day(found)
    form = ChangeForm(data={"information": found.information,
                            "last_day": last.strftime("%d.%m.%Y") if last else ""})
    _request_id(form)
    blocked = _blocked(subject, giver)
    if not blocked and form.validate_on_submit():
        if request.form.get("action") == "confirm":
            try:
                submission = service.change(
                    session(), data_keys(), found, giver=giver,
                    information=form.information.data, last_day=form.last_day.date(),
                    text_version=form.consent_version.data or "", language=current_language(),
                    request_id=form.request_id.data)
            except service.ConsentRefusedError as refused:
                _refused(form, refused)
            else:
                return redirect_to(url_for(".receipt", submission_id=submission.id))
        else:
            return render_template("consents/confirm_change.html", form=form, consent=found,
                                   subject=subject, **_texts(), **page_words())
    return render_template("consents/change.html", form=form, consent=found, subject=subject,
                           blocked=blocked, **_texts(), **page_words())


@blueprint.route("/<int:consent_id>/trekk", methods=["GET", "POST"])
@rules.citizen
def withdraw(consent_id: int):
    found, subject, giver = _consent(consent_id)
    if shown_status(found) != ConsentStatus.ACTIVE:
        abort(404)
    form = ConfirmForm()
    blocked = _blocked(subject, giver)
    if not blocked and form.validate_on_submit():
        try:
            submission = service.withdraw(session(), data_keys(), found, giver=giver,
                                          language=current_language())
        except service.ConsentRefusedError:
            abort(404)  # withdrawn a moment ago, in another tab
        return redirect_to(url_for(".receipt", submission_id=submission.id))
    return render_template("consents/withdraw.html", form=form, consent=found,
                           subject=subject, blocked=blocked, **page_words())


@blueprint.get("/kvittering/<int:submission_id>")
@rules.citizen
def receipt(submission_id: int):
    submission, payload = _submission(submission_id)
    return render_template(
        "consents/receipt.html", submission=submission, payload=payload,
        title=ACTION_WORDS[payload["action"]], rows=receipt_rows(payload),
        contact=contact_line(current_municipality(), current_language()),
        pdf_ready=receipt_pdf(session(), submission.id) is not None)


@blueprint.get("/kvittering/<int:submission_id>.pdf")
@rules.citizen
def receipt_download(submission_id: int):
    submission, _payload = _submission(submission_id)
    pdf = receipt_pdf(session(), submission.id)
    if pdf is None:
        abort(404)
    response = Response(pdf, mimetype="application/pdf")
    response.headers.set("Content-Disposition", "attachment",
                         filename=f"{submission.case.reference}-{submission.id}.pdf")
    return response


def _submission(submission_id: int):
    """A consent submission about the person the pages are for; 404 for any other."""
    found = overview.consent_submission(session(), current_municipality().id, submission_id)
    representation = acting_representation()
    subject_id = representation.principal_person_id if representation \
        else current_user.person.id
    if found is None or found.subject_person_id != subject_id:
        abort(404)
    _subject()
    return found, overview.payload_of(found)


@blueprint.get("/skjema.pdf")
@access.public
def printable_form():
    pdf = consent_form_pdf(current_municipality(), current_language())
    response = Response(pdf, mimetype="application/pdf")
    response.headers.set("Content-Disposition", "attachment", filename="samtykke.pdf")
    return response
