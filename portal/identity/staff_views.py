"""Staff login (e-mail, password, optional TOTP), password change and staff home page.

A login has up to three steps: the password; the code from an authenticator app if the
account has one (the account waits in the cookie session, not logged in yet); and a new
password if the account has a one-time password. Until that is changed, every staff page
sends the person to change it (``require_password_change``).
"""

from __future__ import annotations

import logging

from cryptography.exceptions import InvalidTag
from flask import current_app, g, redirect, render_template, request, url_for
from flask import session as cookie_session
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from portal import access, clock
from portal.audit.service import record
from portal.db import session
from portal.extensions import limiter
from portal.identity import rules
from portal.identity import staff as accounts
from portal.identity.crypto import data_keys
from portal.identity.demo_people import DEMO_STAFF, DEMO_STAFF_PASSWORD
from portal.identity.models import LoginMethod, SessionKind, StaffRole, StaffUser
from portal.identity.sessions import start_session
from portal.identity.staff_forms import ROLE_NAMES, ChangePasswordForm, CodeForm, StaffLoginForm
from portal.municipalities.tenancy import current_municipality, tenant_blueprint
from portal.redirects import safe_next

log = logging.getLogger(__name__)
blueprint = tenant_blueprint("staff_auth", __name__, "/ansatt")

PENDING_KEY = "staff_pending"  # an account whose password was right, waiting for its code
PENDING_SECONDS = 5 * 60
TOTP_SETUP_KEY = "staff_totp_setup"
# One message for every failure, so that nobody can find out which e-mail addresses have an
# account, or which accounts are disabled (OWASP Authentication Cheat Sheet).
WRONG_LOGIN = _l("The e-mail address or password is wrong")
WRONG_CODE = _l("The code is wrong. Type the code your authenticator app shows now")
USED_CODE = _l("This code has been used already. Wait for the next code in your authenticator "
               "app and type it")
CODE_FAILURES = {accounts.CodeCheck.WRONG: "wrong code", accounts.CodeCheck.USED: "code used again",
                 accounts.CodeCheck.LOCKED: "too many wrong codes"}


def _login_limit() -> str:
    return current_app.config["STAFF_LOGIN_RATE_LIMIT"]


# The limits count per account and client address (the real one: see PORTAL_TRUSTED_PROXIES),
# so that someone guessing one account's password cannot lock every colleague out, and a
# municipality's staff behind one office address do not share one count.
def _account_and_address() -> str:
    email = (request.form.get("email") or "").strip().lower()[:254]
    return f"staff-login:{g.municipality.id}:{email}:{request.remote_addr}"


def _pending_account_and_address() -> str:
    pending = cookie_session.get(PENDING_KEY) or {}
    return f"staff-code:{pending.get('staff_id')}:{request.remote_addr}"


def _own_account_and_address() -> str:
    staff = current_user.staff if current_user.is_authenticated else None
    return f"staff-password:{staff.id if staff else None}:{request.remote_addr}"


@blueprint.route("/logg-inn", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"], key_func=_account_and_address)
@access.public
def login():
    next_path = safe_next(request.args.get("next"), url_for(".home"))
    if _logged_in_here():
        return redirect(next_path)
    form = StaffLoginForm()
    if form.validate_on_submit():
        staff = accounts.authenticate(
            session(), current_municipality().id, form.email.data, form.password.data
        )
        if staff is not None and _public_password_in_production(form.password.data):
            _record_failure(form.email.data, reason="published demo password refused")
            staff = None
        elif staff is not None:
            _remember_next(request.args.get("next"))
            return _password_accepted(staff)
        else:
            _record_failure(form.email.data)
        form.email.errors.append(WRONG_LOGIN)
    return render_template(
        "staff/login.html", form=form, timeout=request.args.get("timeout"),
        restart=request.args.get("restart"), demo_accounts=_demo_accounts(),
        demo_password=DEMO_STAFF_PASSWORD,
    )


@blueprint.route("/kode", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"], key_func=_pending_account_and_address)
@access.public
def second_factor():
    staff = _pending_staff()
    if staff is None:
        return redirect(url_for(".login", restart="expired"))
    form = CodeForm()
    if form.validate_on_submit():
        checked = accounts.check_totp(session(), data_keys(), staff, form.code.data)
        if checked is accounts.CodeCheck.ACCEPTED:
            cookie_session.pop(PENDING_KEY, None)
            return _complete_login(staff, with_code=True)
        _record_failure(staff.email, reason=CODE_FAILURES[checked])
        if checked is accounts.CodeCheck.LOCKED or accounts.too_many_code_failures(staff):
            # The count is the account's, on the server: an older cookie does not reset it.
            cookie_session.pop(PENDING_KEY, None)
            return redirect(url_for(".login", restart="attempts"))
        form.code.errors.append(USED_CODE if checked is accounts.CodeCheck.USED else WRONG_CODE)
    return render_template("staff/second_factor.html", form=form)


@blueprint.route("/nytt-passord", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"], key_func=_own_account_and_address)
@rules.staff()
def change_password():
    staff = current_user.staff
    forced = staff.must_change_password
    form = ChangePasswordForm(forced=forced)
    if form.validate_on_submit() and _new_password_accepted(form, staff, forced):
        accounts.set_password(staff, form.new_password.data)
        # Whoever knew the old password is logged out everywhere else (OWASP ASVS 3.3).
        accounts.end_sessions(session(), staff, "password changed", keep=current_user.row)
        _record("staff.password_changed", staff)
        return redirect(
            safe_next(cookie_session.pop("login_next", None), url_for(".home", changed=1))
        )
    return render_template("staff/change_password.html", form=form, forced=forced)


@blueprint.get("/")
@rules.staff()
def home():
    staff = current_user.staff
    return render_template(
        "staff/home.html", staff=staff, role_name=ROLE_NAMES[staff.role],
        is_admin=staff.role == StaffRole.ADMIN, changed=request.args.get("changed"),
    )


@blueprint.route("/sikkerhet", methods=["GET", "POST"])
@rules.staff()
def security():
    staff = current_user.staff
    if staff.totp_secret_encrypted is not None:
        return render_template("staff/security_on.html", enabled=request.args.get("enabled"))
    secret = _totp_setup_secret(staff)
    form = CodeForm()
    if form.validate_on_submit():
        if accounts.enable_totp(data_keys(), staff, secret, form.code.data):
            cookie_session.pop(TOTP_SETUP_KEY, None)
            _record("staff.totp_enabled", staff)
            return redirect(url_for(".security", enabled=1))
        form.code.errors.append(WRONG_CODE)
    return render_template(
        "staff/security.html", form=form, secret=accounts.grouped_secret(secret),
        uri=accounts.totp_uri(secret, staff), staff=staff,
    )


@blueprint.before_app_request
def require_password_change():
    """A staff member with a one-time password sees no staff page until they change it.

    Runs after ``access.enforce_access``, so the person is already known to be staff here.
    """
    rule = access.rule_of(request.endpoint) if request.endpoint else None
    if rule is None or request.endpoint == "staff_auth.change_password":
        return None
    if rule != rules.STAFF_ANY and not rule.startswith(f"{rules.STAFF_ANY}:"):
        return None
    staff = current_user.staff if current_user.is_authenticated else None
    if staff is not None and staff.must_change_password:
        return redirect(
            url_for("staff_auth.change_password", municipality_slug=g.municipality.slug)
        )
    return None


def _public_password_in_production(password: str) -> bool:
    """The demo accounts' password is in the README: in production it never logs anyone in
    (the demo data is not loaded there, but an account may have been given it by hand)."""
    if current_app.config["PORTAL_ENV"] != "production":
        return False
    if password == DEMO_STAFF_PASSWORD:
        log.error("A staff login with the published demo password was refused: change that "
                  "account's password")
        return True
    return False


def _logged_in_here() -> bool:
    staff = current_user.staff if current_user.is_authenticated else None
    return staff is not None and staff.municipality_id == current_municipality().id


def _remember_next(value: str | None) -> None:
    """Where to go after the login's last step (which may be a code or a new password)."""
    next_path = safe_next(value, "")
    if next_path:
        cookie_session["login_next"] = next_path
    else:
        cookie_session.pop("login_next", None)


def _password_accepted(staff: StaffUser):
    if staff.totp_secret_encrypted is None:
        return _complete_login(staff, with_code=False)
    cookie_session[PENDING_KEY] = {
        "staff_id": staff.id, "municipality_id": staff.municipality_id,
        "since": clock.unix_seconds(),
    }
    return redirect(url_for(".second_factor"))


def _complete_login(staff: StaffUser, *, with_code: bool):
    accounts.mark_logged_in(staff)
    start_session(SessionKind.STAFF, LoginMethod.PASSWORD, staff=staff)
    _record("staff.login", staff, reason="password and code" if with_code else "password")
    if staff.must_change_password:
        return redirect(url_for(".change_password"))
    return redirect(safe_next(cookie_session.pop("login_next", None), url_for(".home")))


def _pending_staff() -> StaffUser | None:
    pending = cookie_session.get(PENDING_KEY)
    municipality = current_municipality()
    if not pending or pending.get("municipality_id") != municipality.id:
        return None
    if clock.unix_seconds() - pending.get("since", 0) > PENDING_SECONDS:
        cookie_session.pop(PENDING_KEY, None)
        return None
    staff = accounts.get_staff(session(), municipality.id, pending["staff_id"])
    # A reset removes the second factor, and with it this half-finished login.
    if staff is None or not staff.active or staff.totp_secret_encrypted is None:
        return None
    return staff


def _new_password_accepted(form: ChangePasswordForm, staff: StaffUser, forced: bool) -> bool:
    if not forced and not accounts.password_matches(staff, form.current_password.data):
        form.current_password.errors.append(_("The current password is wrong"))
        return False
    if accounts.password_matches(staff, form.new_password.data):
        form.new_password.errors.append(
            _("Choose a password that is different from the one you have now")
        )
        return False
    return True


def _totp_setup_secret(staff: StaffUser) -> str:
    """The secret being set up, kept (encrypted) in the cookie until a code confirms it."""
    context = f"staff.totp.setup:{staff.id}".encode()
    stored = cookie_session.get(TOTP_SETUP_KEY)
    if stored:
        try:
            return data_keys().decrypt(stored, context)
        except InvalidTag:
            pass
    secret = accounts.new_totp_secret()
    cookie_session[TOTP_SETUP_KEY] = data_keys().encrypt(secret, context)
    return secret


def _demo_accounts() -> list[tuple[str, str]]:
    """The demo accounts of this municipality, shown on the login page in development."""
    if not current_app.config["DEV_LOGIN_ENABLED"]:
        return []
    municipality_id = current_municipality().id
    return [
        (email, ROLE_NAMES[role]) for email, _name, role in DEMO_STAFF
        if accounts.find_staff(session(), municipality_id, email) is not None
    ]


def _record(action: str, staff: StaffUser, *, reason: str = "") -> None:
    record(session(), action, municipality_id=staff.municipality_id,
           actor_staff_user_id=staff.id, target=f"staff_user:{staff.id}", reason=reason)


def _record_failure(email: str, reason: str | None = None) -> None:
    """A failed login, without the password; the e-mail address only if it has an account."""
    municipality = current_municipality()
    known = accounts.find_staff(session(), municipality.id, email.strip())
    if reason is None:
        reason = ("unknown e-mail address" if known is None
                  else "account disabled" if not known.active else "wrong password")
    record(session(), "staff.login_failed", municipality_id=municipality.id,
           target=known.email[:120] if known else "", reason=reason)
