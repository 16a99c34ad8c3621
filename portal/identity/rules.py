"""Access rules for logged-in people, registered with ``portal.access``.

Rules: ``citizen`` (a person logged in with ID-porten or TestID) and ``staff:<role>`` (a
staff member of the municipality in the URL with that role; admins pass every staff rule).
Someone not logged in is sent to the right login page; a form they were sending is kept.
"""

from __future__ import annotations

from flask import abort, g, redirect, request, url_for
from flask_login import current_user

from portal import access
from portal.identity.models import SessionKind, StaffRole
from portal.identity.saved_forms import save_posted_form
from portal.identity.sessions import log_out

CITIZEN = "citizen"
STAFF_ANY = "staff"


def staff_rule(role: StaffRole | None = None) -> str:
    return f"{STAFF_ANY}:{role}" if role else STAFF_ANY


def _send_to_login(endpoint: str) -> None:
    if request.method == "POST":
        save_posted_form(g.get("expired_session"))
    reason = g.get("expired_session").end_reason if g.get("expired_session") else None
    next_path = request.full_path.rstrip("?") if request.method == "GET" else request.path
    abort(redirect(url_for(endpoint, next=next_path, timeout=reason or None)))


def check_citizen() -> None:
    if current_user.is_authenticated and current_user.kind == SessionKind.CITIZEN:
        return
    if current_user.is_authenticated:
        abort(403)
    _send_to_login("auth.login")


def staff_checker(role: StaffRole | None):
    def check() -> None:
        if not current_user.is_authenticated:
            _send_to_login("staff_auth.login")
        staff = current_user.staff
        if staff is not None and not staff.active:  # disabled while logged in: out at once
            log_out(current_user._get_current_object())
            _send_to_login("staff_auth.login")
        if staff is None or staff.municipality_id != g.municipality.id:
            abort(403)
        if role is not None and staff.role not in (role, StaffRole.ADMIN):
            abort(403)

    return check


def register() -> None:
    access.register_checker(CITIZEN, check_citizen)
    access.register_checker(STAFF_ANY, staff_checker(None))
    for role in StaffRole:
        access.register_checker(staff_rule(role), staff_checker(role))


citizen = access.rule(CITIZEN)


def staff(role: StaffRole | None = None):
    return access.rule(staff_rule(role))
