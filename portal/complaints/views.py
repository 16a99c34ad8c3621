"""Starting a complaint: from a case's page (the decision, the plan or the processing time),
or from the start page for a decision that did not come through the portal. The questions,
the check page and the receipt are the step pages' (``portal.complaints.flow``)."""

from __future__ import annotations

from flask import abort, redirect, render_template
from flask_login import current_user

from portal.applications.steps import steps_for
from portal.applications.views import closed_online, draft_lifetime, draft_url
from portal.cases.following import case_for
from portal.complaints import service
from portal.db import session
from portal.drafts.service import create_draft, save_answers
from portal.forms import ConfirmForm
from portal.identity import rules
from portal.identity.crypto import data_keys
from portal.municipalities.tenancy import current_municipality, tenant_blueprint
from portal.representation.acting import acting_representation

blueprint = tenant_blueprint("complaints", __name__, "/klage")


@blueprint.route("/ny", methods=["GET", "POST"])
@rules.citizen
def start():
    """A complaint about a decision made outside the portal (on paper, by letter)."""
    subject = _acting_for()
    try:
        answers = service.paper_answers(session(), data_keys(), current_user.person, subject,
                                        current_municipality().id)
    except service.MayNotComplainError:
        return render_template("complaints/not_allowed.html", name=subject.name), 403
    form = ConfirmForm()
    if form.validate_on_submit() and not closed_online():
        return _begin(answers)
    return render_template("complaints/start.html", form=form, subject=subject,
                           days=draft_lifetime().days)


@blueprint.post("/sak/<reference>/<any(decision, plan, processing_time):about>")
@rules.citizen
def start_for_case(reference: str, about: str):
    """One click from the case page: the decision, the plan or the waiting is known."""
    found = case_for(session(), current_municipality().id, current_user.person, reference)
    if found is None or not ConfirmForm().validate_on_submit():
        abort(404)
    if closed_online():
        return render_template("applications/closed.html"), 409
    try:
        answers = service.start_answers(session(), data_keys(), current_user.person, found[0],
                                        about)
    except service.MayNotComplainError:
        abort(404)
    return _begin(answers)


def _begin(answers: dict):
    draft = create_draft(session(), data_keys(), municipality_id=current_municipality().id,
                         owner_person_id=current_user.person.id, kind=service.KIND,
                         lifetime=draft_lifetime())
    save_answers(data_keys(), draft, answers, draft_lifetime())
    first = steps_for(service.KIND, answers)[0]
    return redirect(draft_url("step", draft, step_path=first.path))


def _acting_for():
    representation = acting_representation()
    return representation.principal if representation else current_user.person


