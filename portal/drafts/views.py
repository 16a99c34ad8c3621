"""'Mine utkast': drafts to resume, with the date each one is deleted."""

from __future__ import annotations

from flask import abort, redirect, render_template, url_for
from flask_login import current_user

from portal.applications.steps import FLOWS, KIND_TITLES
from portal.db import session
from portal.drafts.service import delete_draft, find_draft, open_drafts
from portal.forms import ConfirmForm
from portal.identity import rules
from portal.municipalities.tenancy import current_municipality, tenant_blueprint

blueprint = tenant_blueprint("drafts", __name__, "/utkast")


@blueprint.get("/")
@rules.citizen
def index():
    drafts = open_drafts(session(), municipality_id=current_municipality().id,
                         owner_person_id=current_user.person.id)
    return render_template("drafts/index.html", drafts=drafts, titles=KIND_TITLES,
                           flows=FLOWS, form=ConfirmForm())


@blueprint.post("/<draft_id>/slett")
@rules.citizen
def delete(draft_id: str):
    draft = find_draft(session(), municipality_id=current_municipality().id,
                       owner_person_id=current_user.person.id, public_id=draft_id)
    if draft is None or draft.submission_id:
        abort(404)
    if ConfirmForm().validate_on_submit():
        delete_draft(session(), draft)
    return redirect(url_for(".index"))
