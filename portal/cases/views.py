"""'Mine saker': the citizen's cases, each case's status and timeline in plain words,
answering a request for information, withdrawing, and who has looked at the case."""

from __future__ import annotations

from datetime import date

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import format_date
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf.file import FileRequired
from wtforms import TextAreaField
from wtforms.validators import Length

from portal.applications.filler import current_filler, filler_url
from portal.applications.steps import KIND_TITLES
from portal.cases import citizen_actions as actions
from portal.cases.actors import done_by
from portal.cases.citizen_words import describe, status_word
from portal.cases.following import View, cases_of, expects_something, latest, overdue
from portal.cases.looked import who_looked
from portal.cases.models import Case, Submission
from portal.cases.refused import case_or_refusal
from portal.complaints import service as complaints
from portal.consents.overview import case_panel, consent_tasks
from portal.db import session
from portal.desk import service as desk
from portal.desk.forms import ID_CHECKS
from portal.documents.attachments import (
    attachments_for_draft,
    delete_attachment,
    draft_total_bytes,
    store_attachment,
)
from portal.documents.scanning import current_scanner
from portal.documents.upload_fields import AcceptedUpload, AttachmentField
from portal.drafts.service import answers, save_answers
from portal.forms import ConfirmForm, PortalForm
from portal.i18n import current_language
from portal.identity import rules
from portal.identity.crypto import data_keys
from portal.municipalities.tenancy import current_municipality, tenant_blueprint
from portal.representation.acting import acting_representation
from portal.request_guards import id_arg
from portal.retention import retention_of

blueprint = tenant_blueprint("my_cases", __name__, "/saker")
LONG_TEXT = 4000
CASE_PAGE_LOOKS = 10  # the newest on the case page; every one on its own page


class ReplyForm(PortalForm):
    text = TextAreaField(_l("Your answer"),
                         description=_l("Write what the municipality asked for, or add files "
                                        "below."),
                         validators=[Length(max=LONG_TEXT)])


class ReplyFileForm(PortalForm):
    file = AttachmentField(_l("Add a file"))


class WithdrawForm(PortalForm):
    reason = TextAreaField(_l("Why do you withdraw the application? (optional)"),
                           validators=[Length(max=1000)])


WITHDRAW_WORDS = {
    "ip_application": {
        "heading": _l("Withdraw the application"),
        "text": _l("If you withdraw the application, the municipality stops handling it. You "
                   "can apply again later."),
        "reason": _l("Why do you withdraw the application? (optional)"),
        "yes": _l("Yes, withdraw the application"), "no": _l("No, keep the application"),
        "done": _l("The application is withdrawn. We have told the municipality."),
        "until": _l("You can withdraw the application until the municipality has made a "
                    "decision."),
        "too_late": _l("This application can no longer be withdrawn here. Contact the "
                       "municipality.")},
    "complaint": {
        "heading": _l("Withdraw the complaint"),
        "text": _l("If you withdraw the complaint, the municipality stops handling it, and "
                   "the decision stands. You may not be able to complain again if the "
                   "deadline has passed."),
        "reason": _l("Why do you withdraw the complaint? (optional)"),
        "yes": _l("Yes, withdraw the complaint"), "no": _l("No, keep the complaint"),
        "done": _l("The complaint is withdrawn. We have told the municipality."),
        "until": _l("You can withdraw the complaint until the municipality has assessed it."),
        "too_late": _l("This complaint can no longer be withdrawn here. Contact the "
                       "municipality.")},
}


def _date(value: str) -> str:
    return format_date(date.fromisoformat(value), "long")


@blueprint.get("/")
@rules.citizen
def index():
    found = cases_of(session(), current_municipality().id, current_user.person)
    return render_template("cases/index.html", cases=found, status_word=status_word,
                           titles=KIND_TITLES, expects_something=expects_something,
                           View=View, me=current_user.person,
                           consent_tasks=consent_tasks(session(), current_user.person, found),
                           desk_visits=desk.visits_of(session(), current_municipality().id,
                                                      current_user.person.id),
                           id_checks=ID_CHECKS)


def _case(reference: str) -> tuple[Case, object]:
    return case_or_refusal(current_filler().person, reference)


def _submissions(case: Case, access) -> list[Submission]:
    query = session().query(Submission).filter(Submission.case_id == case.id)
    if access.view == View.RECEIPT:
        query = query.filter(Submission.submitted_by_person_id == current_user.person.id)
    return query.order_by(Submission.id).all()


@blueprint.get("/<reference>")
@rules.citizen
def case(reference: str):
    found, access = _case(reference)
    if access.view == View.RECEIPT:
        return render_template("cases/receipt_only.html", case=found,
                               title=KIND_TITLES.get(found.kind, found.kind),
                               submissions=_submissions(found, access), titles=KIND_TITLES)
    reader, language = current_filler().person, current_language()
    timeline = [(event, *describe(event, _date, found.kind, done_by(
        session(), found, event, reader, language))) for event in reversed(found.events)]
    may = actions.may_act(session(), current_user.person, found)
    return render_template(
        "cases/case.html", case=found, status_word=status_word, title=KIND_TITLES.get(
            found.kind, found.kind), timeline=timeline, waiting=overdue(found),
        coordinator=latest(found, "coordinator_assigned"), decision=latest(found, "decision"),
        info_request=latest(found, "information_requested") if expects_something(found) else None,
        submissions=_submissions(found, access), titles=KIND_TITLES, may_act=bool(may),
        may_withdraw=bool(may) and actions.may_withdraw(found),
        withdraw_words=WITHDRAW_WORDS.get(found.kind),
        looked=who_looked(session(), found, limit=CASE_PAGE_LOOKS)
        if found.subject_person_id == current_user.person.id else None,
        for_someone_else=found.subject_person_id != current_user.person.id,
        complaint_offers=complaints.offers(session(), current_user.person, found),
        complaint_deadline=complaint_deadline_of(found), form=ConfirmForm(),
        complaints_about=complaints.about_case(session(), found),
        concerns=found.concerns,
        consents=case_panel(session(), current_user.person, found, getattr(
            acting_representation(), "principal_person_id", None)),
        retention=retention_of(session(), current_app.config["RETENTION_DAYS"], found),
    )


def complaint_deadline_of(found: Case) -> date | None:
    decision = latest(found, "decision")
    deadline = (decision.data or {}).get("complaint_deadline") if decision else None
    return date.fromisoformat(deadline) if deadline else None


@blueprint.get("/<reference>/hvem-har-sett")
@rules.citizen
def looked(reference: str):
    """Every read of the case, page by page: only for the person the case is about."""
    found, _access = _case(reference)
    if found.subject_person_id != current_user.person.id:
        abort(404)
    older_than = id_arg("eldre_enn")
    return render_template(
        "cases/looked.html", page=who_looked(session(), found, older_than=older_than),
        older_than=older_than, link_args={"reference": found.reference},
        heading=_("Who has looked at your case"),
        intro=_("Everyone who has opened case %(reference)s, newest first: municipal staff, "
                "the municipality's case system and those who act for you.",
                reference=found.reference),
        nobody=_("Nobody but you has looked at your case in the portal."),
        back_url=url_for(".case", reference=found.reference), back_text=found.reference)


def _acting_case(reference: str):
    """The case, if the person may act in it (answer, withdraw); else 404."""
    found, access = _case(reference)
    decision = actions.may_act(session(), current_filler().person, found)
    if access.view != View.FULL or not decision:
        abort(404)
    return found, decision


def _case_page(reference: str) -> str:
    """Where the person (or the desk, for the person present) goes back to."""
    if current_filler().at_desk:
        return filler_url("visit")
    return url_for("my_cases.case", reference=reference)


def _done(action, reference: str, success: str, changed: str):
    """Do it, tell the person how it went, and go back to the case page."""
    try:
        action()
    except actions.NotNowError:
        flash(changed, "warning")
    else:
        flash(success)
    return redirect(_case_page(reference))


@blueprint.route("/<reference>/svar", methods=["GET", "POST"])
@rules.citizen
def reply(reference: str):
    found, decision = _acting_case(reference)
    keys = data_keys()
    filler = current_filler()
    draft = actions.reply_draft(session(), keys, found, filler.person)
    if draft is None:
        flash(_("There is no request to answer in this case now."), "warning")
        return redirect(_case_page(reference))
    if draft.submission_id:
        return redirect(_case_page(reference))
    municipality_id = current_municipality().id
    saved = answers(keys, draft)
    form = ReplyForm(data={"text": saved.get("text", "")})
    file_form = ReplyFileForm()
    file_form.file.validators = [
        FileRequired(message=_l("Choose a file to add")),
        AcceptedUpload(lambda: draft_total_bytes(session(), municipality_id, draft.id))]
    action = request.form.get("action")
    if request.method == "POST" and form.validate_on_submit():
        save_answers(keys, draft, {"text": form.text.data.strip()})  # never lose the typing
        if action == "upload":
            if file_form.validate() and file_form.file.checked_data is not None:
                store_attachment(session(), keys, scanner=current_scanner(),
                                 municipality_id=municipality_id,
                                 data=file_form.file.checked_data,
                                 filename=file_form.file.data.filename,
                                 uploaded_by_person_id=filler.person.id, draft_id=draft.id)
                return redirect(filler_url("reply", "my_cases", reference=reference))
        else:
            try:
                return _done(lambda: actions.send_reply(
                    session(), keys, case=found, draft=draft, sender=filler.person,
                    role=actions.role_of(decision), language=current_language(),
                    channel=filler.channel, staff_user_id=filler.staff_user_id,
                    desk_visit_id=filler.desk_visit_id),
                    reference, _("Your answer is sent to the municipality."),
                    _("The case has changed, so the answer was not sent. Contact the "
                      "municipality."))
            except actions.EmptyAnswerError:
                form.text.errors = [_("Write an answer or add a file")]
    return render_template(
        "cases/reply.html", case=found, form=form, file_form=file_form,
        request_event=actions.open_request(found),
        files=attachments_for_draft(session(), municipality_id, draft.id),
        title=KIND_TITLES.get(found.kind, found.kind), back_url=_case_page(reference),
        remove_url=lambda file: filler_url("remove_reply_file", "my_cases",
                                           reference=reference, attachment_id=file.id))


@blueprint.post("/<reference>/svar/vedlegg/<int:attachment_id>/slett")
@rules.citizen
def remove_reply_file(reference: str, attachment_id: int):
    found, _decision = _acting_case(reference)
    draft = actions.reply_draft(session(), data_keys(), found, current_filler().person)
    if draft is not None and not draft.submission_id and ConfirmForm().validate_on_submit():
        delete_attachment(session(), current_municipality().id, draft.id, attachment_id)
    return redirect(filler_url("reply", "my_cases", reference=reference))


@blueprint.route("/<reference>/trekk", methods=["GET", "POST"])
@rules.citizen
def withdraw(reference: str):
    found, decision = _acting_case(reference)
    words = WITHDRAW_WORDS.get(found.kind, WITHDRAW_WORDS["ip_application"])
    if not actions.may_withdraw(found):
        flash(words["too_late"], "warning")
        return redirect(url_for(".case", reference=reference))
    form = WithdrawForm()
    form.reason.label.text = words["reason"]
    if form.validate_on_submit():
        return _done(lambda: actions.withdraw(
            session(), data_keys(), case=found, sender=current_user.person,
            role=actions.role_of(decision), reason=(form.reason.data or "").strip(),
            language=current_language()),
            reference, words["done"],
            _("The case has changed, so it was not withdrawn. Contact the municipality."))
    return render_template("cases/withdraw.html", case=found, form=form, words=words,
                           title=KIND_TITLES.get(found.kind, found.kind))


@blueprint.get("/<reference>/kvittering/<int:submission_id>.pdf")
@rules.citizen
def submission_receipt(reference: str, submission_id: int):
    from flask import Response

    from portal.applications.receipts import receipt_pdf

    found, access = _case(reference)
    if submission_id not in {s.id for s in _submissions(found, access)}:
        abort(404)
    pdf = receipt_pdf(session(), submission_id)
    if pdf is None:
        abort(404)
    response = Response(pdf, mimetype="application/pdf")
    response.headers.set("Content-Disposition", "attachment",
                         filename=f"{found.reference}-{submission_id}.pdf")
    return response
