"""Staff pages for representations waiting to be checked.

Caseworkers open the uploaded document and accept or reject it (with a reason the
representative sees). Service-desk staff who have seen the signed original record that,
with their name and the time. Every opening of a document is audit-logged.
"""

from __future__ import annotations

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal.audit.service import record_read
from portal.db import session
from portal.documents.attachments import Attachment, download_name, read_attachment
from portal.forms import ConfirmForm
from portal.identity import rules
from portal.identity.crypto import data_keys
from portal.identity.models import StaffRole
from portal.municipalities.tenancy import current_municipality, tenant_blueprint
from portal.representation import service
from portal.representation.forms import BASIS_WORDS, SCOPE_WORDS, RejectForm
from portal.representation.models import Representation, Status
from portal.representation.views import STATUS_WORDS, nin_masked

blueprint = tenant_blueprint("representation_review", __name__, "/ansatt/fullmakter")
any_staff = rules.staff()  # desk, caseworker and admin: what each may do is checked below


def _is_caseworker() -> bool:
    return current_user.staff.role in (StaffRole.CASEWORKER, StaffRole.ADMIN)


def _found(representation_id: int) -> Representation:
    found = session().get(Representation, representation_id)
    if found is None or found.municipality_id != current_municipality().id:
        abort(404)
    return found


@blueprint.get("/")
@any_staff
def index():
    return render_template("representation/review_index.html",
                           waiting=service.pending(session(), current_municipality().id),
                           basis_words=BASIS_WORDS)


@blueprint.route("/<int:representation_id>", methods=["GET", "POST"])
@any_staff
def review(representation_id: int):
    found = _found(representation_id)
    record_read(session(), "representation.read", municipality_id=found.municipality_id,
                actor_staff_user_id=current_user.staff.id,
                subject_person_id=found.principal_person_id,
                target=f"representation:{found.id}", reason="checking a representation")
    reject_form = RejectForm(prefix="reject")
    confirm = ConfirmForm()
    action = request.form.get("action")
    if request.method == "POST" and found.status == Status.PENDING:
        if action == "verify" and _is_caseworker() and confirm.validate_on_submit():
            service.verify(session(), found, current_user.staff)
            flash(_("The power of attorney is accepted: %(representative)s can act for "
                    "%(principal)s from now on.", representative=found.representative.name,
                    principal=found.principal.name))
            return redirect(url_for(".index"))
        if action == "seen" and confirm.validate_on_submit():
            service.verify(session(), found, current_user.staff, seen_at_desk=True)
            flash(_("Recorded that you have seen the signed original: %(representative)s can act "
                    "for %(principal)s from now on.", representative=found.representative.name,
                    principal=found.principal.name))
            return redirect(url_for(".index"))
        if action == "reject" and _is_caseworker() and reject_form.validate_on_submit():
            service.reject(session(), found, current_user.staff, reject_form.reason.data)
            flash(_("The power of attorney for %(representative)s to act for %(principal)s is "
                    "rejected. They will be told why.", representative=found.representative.name,
                    principal=found.principal.name))
            return redirect(url_for(".index"))
    return render_template(
        "representation/review.html", representation=found, reject_form=reject_form,
        caseworker=_is_caseworker(), basis_words=BASIS_WORDS, scope_words=SCOPE_WORDS,
        status_words=STATUS_WORDS, principal_nin=nin_masked(found.principal),
        representative_nin=nin_masked(found.representative),
        document=session().get(Attachment, found.attachment_id) if found.attachment_id
        else None)


@blueprint.get("/<int:representation_id>/dokument")
@any_staff
def document(representation_id: int):
    found = _found(representation_id)
    if found.attachment_id is None:
        abort(404)
    stored = session().get(Attachment, found.attachment_id)
    record_read(session(), "attachment.read", municipality_id=found.municipality_id,
                actor_staff_user_id=current_user.staff.id,
                subject_person_id=found.principal_person_id,
                target=f"representation:{found.id}", reason=f"attachment {stored.id}")
    response = Response(read_attachment(data_keys(), stored), mimetype=stored.content_type)
    response.headers.set("Content-Disposition", "attachment",
                         filename=download_name(stored.display_name))
    return response
