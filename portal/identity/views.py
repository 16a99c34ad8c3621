"""Citizen login (ID-porten, or TestID in development), logout, session extension, profile."""

from __future__ import annotations

import logging

from flask import (
    Blueprint,
    abort,
    current_app,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask import (
    session as cookie_session,
)
from flask_login import current_user

from portal import access
from portal.clock import utcnow
from portal.db import session
from portal.i18n import current_language
from portal.identity import idporten, rules
from portal.identity.crypto import data_keys
from portal.identity.demo_people import DEMO_CITIZENS
from portal.identity.forms import OTHER, NameForm, ProfileForm, TestIdForm
from portal.identity.models import LoginMethod, SessionKind
from portal.identity.nin import InvalidNin, parse_nin
from portal.identity.persons import find_or_create_person, update_contact_details
from portal.identity.sessions import extend, id_token_context, log_out, start_session
from portal.links import public_url_for
from portal.municipalities.service import get_by_slug
from portal.municipalities.tenancy import current_municipality, tenant_blueprint
from portal.redirects import safe_next

log = logging.getLogger(__name__)
blueprint = tenant_blueprint("auth", __name__)
callback = Blueprint("idporten", __name__)


@blueprint.get("/logg-inn")
@access.public
def login():
    next_path = safe_next(request.args.get("next"), url_for("info.start"))
    return render_template(
        "auth/login.html", next_path=next_path, timeout=request.args.get("timeout"),
        idporten=idporten.is_configured(), testid=current_app.config["DEV_LOGIN_ENABLED"],
    )


@blueprint.get("/logg-inn/idporten")
@access.public
def login_idporten():
    if not idporten.is_configured():
        abort(404)
    cookie_session["login_next"] = safe_next(request.args.get("next"), url_for("info.start"))
    cookie_session["login_municipality"] = current_municipality().slug
    redirect_uri = public_url_for("idporten.finish")
    return idporten.start_login(redirect_uri, current_language())


@callback.get("/auth/idporten/callback")
@access.public
def finish():
    slug = cookie_session.get("login_municipality", "")
    municipality = get_by_slug(session(), slug) if slug else None
    try:
        identity = idporten.finish_login()
        nin = parse_nin(identity.pid, allow_synthetic=current_app.config["ALLOW_SYNTHETIC_NIN"])
    except (idporten.LoginFailedError, InvalidNin) as error:
        log.warning("ID-porten login refused: %s", getattr(error, "reason", type(error).__name__))
        return render_template("auth/login_failed.html", retry_slug=slug or None), 400
    person = find_or_create_person(session(), data_keys(), nin, name=identity.name)
    start_session(SessionKind.CITIZEN, LoginMethod.IDPORTEN, person=person,
                  id_token=identity.id_token)
    default = url_for("info.start", municipality_slug=municipality.slug) if municipality else "/"
    return redirect(safe_next(cookie_session.pop("login_next", None), default))


@blueprint.route("/testid", methods=["GET", "POST"])
@access.public
def testid():
    if not current_app.config["DEV_LOGIN_ENABLED"]:
        abort(404)
    form = TestIdForm()
    form.set_people([(c.key, f"{c.name} ({c.nin})") for c in DEMO_CITIZENS])
    next_path = safe_next(request.args.get("next"), url_for("info.start"))
    if form.validate_on_submit():
        person = _testid_person(form)
        start_session(SessionKind.CITIZEN, LoginMethod.TESTID, person=person)
        return redirect(safe_next(cookie_session.pop("login_next", None), next_path))
    return render_template("auth/testid.html", form=form)


def _testid_person(form: TestIdForm):
    if form.person.data == OTHER:
        return find_or_create_person(session(), data_keys(), form.nin.nin,
                                     name=form.name.data or "")
    citizen = next(c for c in DEMO_CITIZENS if c.key == form.person.data)
    nin = parse_nin(citizen.nin, allow_synthetic=True)
    return find_or_create_person(session(), data_keys(), nin, name=citizen.name)


@blueprint.post("/logg-ut")
@access.public
def logout():
    if not current_user.is_authenticated:
        return redirect(url_for("auth.logged_out"))
    row = current_user.row
    log_out(current_user._get_current_object())
    if row.method == LoginMethod.IDPORTEN and idporten.is_configured():
        id_token = data_keys().decrypt(row.id_token_encrypted, id_token_context(row))
        # ID-porten sends the browser back to the address registered for the portal.
        provider_logout = idporten.logout_url(id_token, public_url_for("auth.logged_out"))
        if provider_logout:
            return redirect(provider_logout)
    return redirect(url_for("auth.logged_out"))


@blueprint.get("/logget-ut")
@access.public
def logged_out():
    return render_template("auth/logged_out.html")


@blueprint.post("/forleng")
@access.public
def extend_session():
    if not current_user.is_authenticated:
        return redirect(url_for("auth.login", timeout="idle"))
    actor = current_user._get_current_object()
    extend(actor)
    if request.headers.get("X-Requested-With") == "fetch":  # the timeout dialog's script
        return jsonify(expires_at=actor.expires_at().isoformat(), now=utcnow().isoformat())
    return redirect(safe_next(request.form.get("next"), url_for("info.start")))


@blueprint.route("/ditt-navn", methods=["GET", "POST"])
@rules.citizen
def your_name():
    """Asked once, before the first application, when the login did not give the name: the
    municipality must know who applies. Kept in the profile."""
    next_path = safe_next(request.args.get("next"), url_for("auth.profile"))
    form = NameForm()
    if form.validate_on_submit():
        current_user.person.name = form.name.data.strip()
        return redirect(next_path)
    return render_template("identity/your_name.html", form=form)


@blueprint.route("/min-profil", methods=["GET", "POST"])
@rules.citizen
def profile():
    person = current_user.person
    form = ProfileForm(obj=person)
    if form.validate_on_submit():
        update_contact_details(person, name=form.name.data, email=form.email.data or "",
                               phone=form.phone.data or "",
                               preferred_language=form.preferred_language.data)
        return redirect(url_for("auth.profile", saved=1))
    return render_template("identity/profile.html", form=form, saved=request.args.get("saved"))
