"""Fullmakt pages: what you have given and received, giving, changing, revoking, uploading,
declaring parental responsibility, the printable form, and whom you act for."""

from __future__ import annotations

import secrets

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf.file import FileRequired

from portal import access, clock
from portal.cases.looked import who_looked_at_representations
from portal.db import session
from portal.documents.scanning import current_scanner
from portal.documents.upload_fields import AcceptedUpload
from portal.forms import ConfirmForm
from portal.i18n import current_language
from portal.identity import rules
from portal.identity.crypto import data_keys
from portal.identity.persons import person_nin
from portal.municipalities.tenancy import current_municipality, tenant_blueprint
from portal.redirects import safe_next
from portal.representation import acting, service
from portal.representation.checks import parent_check
from portal.representation.forms import (
    BASIS_WORDS,
    SCOPE_WORDS,
    ActingForm,
    ChangeForm,
    GrantForm,
    ParentForm,
    UploadForm,
)
from portal.representation.models import Basis, Representation, Status
from portal.representation.rules import birth_date_of, shown_status
from portal.request_guards import id_arg

blueprint = tenant_blueprint("representation", __name__, "/fullmakt")

STATUS_WORDS = {
    Status.PENDING: _l("Waiting for the municipality to check it"),
    Status.ACTIVE: _l("Active"),
    Status.REJECTED: _l("Rejected"),
    Status.REVOKED: _l("Taken back"),
    Status.EXPIRED: _l("Expired"),
}
REFUSALS = {
    "principal_too_young": _l("You must be 16 or older to give a power of attorney."),
    "representative_too_young": _l("The person you give a power of attorney to must be 18 or "
                                   "older."),
    "you_are_too_young": _l("You must be 18 or older to act for someone else."),
    "self": _l("You cannot give a power of attorney to yourself. Check the number."),
    "ends_in_past": _l("The last day cannot be in the past."),
    "child_is_16": _l("Your child is 16 or older and decides for themself. Ask your child to "
                      "give you a power of attorney."),
    "no_scope": _l("Choose at least one thing they may do"),
}


def _words() -> dict:
    return {"scope_words": SCOPE_WORDS, "basis_words": BASIS_WORDS,
            "status_words": STATUS_WORDS, "shown_status": shown_status,
            "last_day": service.last_day}


def _refused(form, error: service.RepresentationRefusedError) -> None:
    field = getattr(form, error.field, None)
    message = str(REFUSALS.get(error.code, error.code))
    target = field if field is not None else next(iter(form))
    target.errors = [*target.errors, message] if isinstance(target.errors, list) else [message]


def _request_id(form) -> None:
    if not form.request_id.data:
        form.request_id.data = secrets.token_hex(16)


@blueprint.get("/")
@rules.citizen
def index():
    municipality_id = current_municipality().id
    person = current_user.person
    return render_template(
        "representation/index.html", given=service.given_by(session(), municipality_id, person),
        received=service.received_by(session(), municipality_id, person), **_words())


@blueprint.get("/hvem-har-sett")
@rules.citizen
def looked():
    """Every time staff opened a power of attorney about this person, page by page."""
    older_than = id_arg("eldre_enn")
    page = who_looked_at_representations(session(), current_municipality().id,
                                         current_user.person, older_than=older_than)
    return render_template(
        "cases/looked.html", page=page, older_than=older_than, link_args={},
        heading=_("Who has looked at your powers of attorney"),
        intro=_("Every time municipal staff opened a power of attorney you gave, or a "
                "document about acting for you, newest first."),
        nobody=_("Nobody has looked at your powers of attorney."),
        back_url=url_for(".index"), back_text=_("Power of attorney"))


@blueprint.route("/ny", methods=["GET", "POST"])
@rules.citizen
def grant():
    form = GrantForm()
    _request_id(form)
    confirming = request.form.get("action") == "confirm"
    if form.validate_on_submit():
        if confirming:
            try:
                service.grant_digital(
                    session(), data_keys(), municipality=current_municipality(),
                    principal=current_user.person,
                    representative_nin=form.representative_nin.nin,
                    representative_name=form.representative_name.data.strip(),
                    scopes=form.scopes.data, valid_to=form.valid_to.date(),
                    language=current_language(), request_id=form.request_id.data)
            except service.RepresentationRefusedError as refused:
                _refused(form, refused)
            else:
                flash(_("The power of attorney is given. %(name)s can use it now.",
                        name=form.representative_name.data.strip()))
                return redirect(url_for(".index"))
        elif _ages_ok(form):
            return render_template("representation/confirm.html", form=form, **_words())
    return render_template("representation/grant.html", form=form, **_words())


def _ages_ok(form) -> bool:
    """Tell about the age rules before the confirmation page, next to the field."""
    try:
        service.check_ages(birth_date_of(current_user.person),
                           form.representative_nin.nin.birth_date, clock.today())
    except service.RepresentationRefusedError as refused:
        _refused(form, refused)
        return False
    return True


def _given(representation_id: int) -> Representation:
    """A representation the logged-in person gave (as principal)."""
    found = session().get(Representation, representation_id)
    if found is None or found.municipality_id != current_municipality().id \
            or found.principal_person_id != current_user.person.id:
        abort(404)
    return found


def _involving(representation_id: int) -> Representation:
    """A representation the logged-in person gave or received."""
    found = session().get(Representation, representation_id)
    person_id = current_user.person.id
    if found is None or found.municipality_id != current_municipality().id or person_id not in (
            found.principal_person_id, found.representative_person_id):
        abort(404)
    return found


@blueprint.route("/<int:representation_id>/endre", methods=["GET", "POST"])
@rules.citizen
def change(representation_id: int):
    found = _given(representation_id)
    if found.basis != Basis.FULLMAKT or shown_status(found) != Status.ACTIVE:
        abort(404)
    last = service.last_day(found)
    form = ChangeForm(data={"scopes": found.scopes,
                            "valid_to": last.strftime("%d.%m.%Y") if last else ""})
    _request_id(form)
    if form.validate_on_submit():
        try:
            service.change(session(), data_keys(), found, by=current_user.person,
                           scopes=form.scopes.data, valid_to=form.valid_to.date(),
                           language=current_language(), request_id=form.request_id.data)
        except service.RepresentationRefusedError as refused:
            _refused(form, refused)
        else:
            flash(_("The power of attorney is changed."))
            return redirect(url_for(".index"))
    return render_template("representation/change.html", form=form, representation=found,
                           **_words())


@blueprint.route("/<int:representation_id>/avslutt", methods=["GET", "POST"])
@rules.citizen
def revoke(representation_id: int):
    found = _involving(representation_id)
    if found.status not in (Status.ACTIVE, Status.PENDING):
        abort(404)
    form = ConfirmForm()
    if form.validate_on_submit():
        service.revoke(session(), data_keys(), found, by=current_user.person,
                       language=current_language())
        flash(_("It has ended. %(name)s can no longer act for %(principal)s.",
                name=found.representative.name, principal=found.principal.name))
        return redirect(url_for(".index"))
    return render_template("representation/revoke.html", form=form, representation=found,
                           **_words())


@blueprint.route("/last-opp", methods=["GET", "POST"])
@rules.citizen
def upload():
    form = UploadForm()
    form.document.validators = [FileRequired(message=_l("Choose the file with the document")),
                                AcceptedUpload()]
    _request_id(form)
    if form.validate_on_submit() and form.document.checked_data is not None:
        try:
            service.upload_document(
                session(), data_keys(), municipality=current_municipality(),
                representative=current_user.person, principal_nin=form.principal_nin.nin,
                principal_name=form.principal_name.data.strip(), basis=Basis(form.basis.data),
                scopes=form.scopes.data, data=form.document.checked_data,
                filename=form.document.data.filename, language=current_language(),
                request_id=form.request_id.data, scanner=current_scanner())
        except service.RepresentationRefusedError as refused:
            _refused(form, refused)
        else:
            flash(_("We have received the document. We will check it and tell you when you "
                    "can use it."))
            return redirect(url_for(".index"))
    return render_template("representation/upload.html", form=form, **_words())


@blueprint.route("/foreldreansvar", methods=["GET", "POST"])
@rules.citizen
def parent():
    form = ParentForm()
    _request_id(form)
    if form.validate_on_submit():
        try:
            made = service.declare_parent(
                session(), data_keys(), municipality=current_municipality(),
                parent=current_user.person, child_nin=form.child_nin.nin,
                child_name=form.child_name.data.strip(), check=parent_check(),
                language=current_language(), request_id=form.request_id.data)
        except service.RepresentationRefusedError as refused:
            _refused(form, refused)
        else:
            flash(_("You can now act for your child.") if made.status == Status.ACTIVE else
                  _("We will check that you have parental responsibility and tell you when "
                    "you can act for your child."))
            return redirect(url_for(".index"))
    return render_template("representation/parent.html", form=form, **_words())


@blueprint.route("/handle-for", methods=["GET", "POST"])
@rules.citizen
def choose():
    choices = acting.choices(session(), current_user.person, current_municipality().id)
    form = ActingForm(data={"acting_for": acting.current_choice()})
    form.acting_for.choices = [(key, label) for key, label, _rep in choices]
    if form.validate_on_submit():
        acting.switch(session(), current_user.row, form.acting_for.data, choices)
        return redirect(safe_next(request.args.get("next"), url_for("my_cases.index")))
    return render_template("representation/choose.html", form=form, choices=choices,
                           **_words())


@blueprint.get("/skjema.pdf")
@access.public
def printable_form():
    from portal.representation.printable import fullmakt_form_pdf

    pdf = fullmakt_form_pdf(current_municipality(), current_language())
    response = Response(pdf, mimetype="application/pdf")
    response.headers.set("Content-Disposition", "attachment", filename="fullmakt.pdf")
    return response


def nin_masked(person) -> str:
    return person_nin(data_keys(), person).value[:6] + "*****"
