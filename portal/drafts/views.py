"""'Mine utkast': drafts to resume, each with whom it is for, the step it has come to, the
time it was last saved and the date it is deleted, so that two drafts of one kind can be
told apart."""

from __future__ import annotations

from dataclasses import dataclass

from flask import abort, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal.applications.steps import FLOWS, KIND_TITLES, first_unanswered
from portal.db import session
from portal.drafts.models import Draft
from portal.drafts.service import answers, delete_draft, find_draft, open_drafts
from portal.forms import ConfirmForm
from portal.identity import rules
from portal.identity.crypto import data_keys
from portal.municipalities.tenancy import current_municipality, tenant_blueprint

blueprint = tenant_blueprint("drafts", __name__, "/utkast")


@dataclass(frozen=True)
class Listed:
    draft: Draft
    for_whom: str  # "You" or the person's name
    step: str  # the next question to answer, or that it is ready to send


def listed(draft: Draft) -> Listed:
    saved = answers(data_keys(), draft)
    name = saved.get("subject_name") if saved.get("for_whom", "self") != "self" else None
    following = first_unanswered(draft.kind, saved)
    return Listed(draft, for_whom=name or _("You"),
                  step=_("Next: %(step)s", step=following.title) if following
                  else _("Ready to check and send"))


@blueprint.get("/")
@rules.citizen
def index():
    drafts = open_drafts(session(), municipality_id=current_municipality().id,
                         owner_person_id=current_user.person.id)
    return render_template("drafts/index.html", drafts=[listed(d) for d in drafts],
                           titles=KIND_TITLES, flows=FLOWS, form=ConfirmForm())


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
