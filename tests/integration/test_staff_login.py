"""Staff login: password, second factor (TOTP), forced and voluntary password change."""

from __future__ import annotations

import datetime
import re

import pyotp
import pytest
import sqlalchemy as sa
import time_machine

from portal import clock
from portal.audit.models import AuditEvent
from portal.identity import staff as accounts
from portal.identity.crypto import DataKeys
from portal.identity.demo_people import DEMO_STAFF_PASSWORD
from portal.identity.models import SessionKind, StaffUser, UserSession

LOGIN = "/eksempel/ansatt/logg-inn"
CODE = "/eksempel/ansatt/kode"
HOME = "/eksempel/ansatt/"
CHANGE = "/eksempel/ansatt/nytt-passord"
SECURITY = "/eksempel/ansatt/sikkerhet"
CASEWORKER = "saksbehandler@eksempel.example"
DESK = "desk@eksempel.example"
WRONG_LOGIN = "The e-mail address or password is wrong"
WRONG_PASSWORD = "not-the-password-7Qx2"


def csrf_token(page: str) -> str:
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)


def post(client, url, **data):
    token = csrf_token(client.get(url).get_data(as_text=True))
    return client.post(url, data={"csrf_token": token, **data})


def log_in(client, email=CASEWORKER, password=DEMO_STAFF_PASSWORD, url=f"{LOGIN}?lang=en"):
    return post(client, url, email=email, password=password)


def log_out(client):
    token = csrf_token(client.get(f"{HOME}?lang=en").get_data(as_text=True))
    client.post("/eksempel/logg-ut", data={"csrf_token": token})


def staff_member(db_session, email=CASEWORKER) -> StaffUser:
    db_session.expire_all()
    return db_session.scalar(sa.select(StaffUser).where(StaffUser.email == email))


def audit_events(db_session, action: str) -> list[AuditEvent]:
    return list(db_session.scalars(sa.select(AuditEvent).where(AuditEvent.action == action)))


def error_summary(page: str) -> str:
    return re.search(r'<div class="ds-error-summary.*?</div>', page, re.S).group(0)


def totp_for(app, db_session, email=CASEWORKER) -> pyotp.TOTP:
    """Turn on the second factor for an account directly; return the app's generator."""
    secret = accounts.new_totp_secret()
    totp = pyotp.TOTP(secret)
    keys = DataKeys.derive(app.config["DATA_KEY"])
    assert accounts.enable_totp(keys, staff_member(db_session, email), secret, totp.now())
    db_session.commit()
    return totp


def wrong_code(totp: pyotp.TOTP) -> str:
    """A 6-digit code that is valid in no window the server accepts."""
    now = clock.unix_seconds()
    valid = {totp.at(now + offset) for offset in (-60, -30, 0, 30, 60)}
    return next(code for code in (f"{n:06d}" for n in range(1000)) if code not in valid)


# --- password --------------------------------------------------------------------------------

def test_right_password_starts_a_staff_session(client, db_session):
    response = log_in(client)
    assert response.headers["Location"] == HOME
    page = client.get(f"{HOME}?lang=en").get_data(as_text=True)
    assert "Sara Saksbehandler" in page
    assert "Caseworker" in page
    staff = staff_member(db_session)
    row = db_session.scalar(sa.select(UserSession).where(UserSession.staff_user_id == staff.id))
    assert row.kind == SessionKind.STAFF
    assert row.ended_at is None
    assert staff.last_login_at is not None
    [event] = audit_events(db_session, "staff.login")
    assert event.actor_staff_user_id == staff.id


def test_wrong_password_unknown_email_and_disabled_account_get_the_same_answer(
    client, db_session
):
    staff_member(db_session, DESK).active = False
    db_session.commit()
    answers = [
        log_in(client, CASEWORKER, WRONG_PASSWORD),
        log_in(client, "nobody@eksempel.example", DEMO_STAFF_PASSWORD),
        log_in(client, DESK, DEMO_STAFF_PASSWORD),  # the right password, but disabled
    ]
    assert {answer.status_code for answer in answers} == {200}
    summaries = {error_summary(answer.get_data(as_text=True)) for answer in answers}
    assert len(summaries) == 1
    assert WRONG_LOGIN in summaries.pop()
    assert client.get(HOME).status_code == 302  # not logged in


def test_failed_login_keeps_the_typed_email_and_never_echoes_the_password(client):
    page = log_in(client, CASEWORKER, WRONG_PASSWORD).get_data(as_text=True)
    assert f'value="{CASEWORKER}"' in page
    assert WRONG_PASSWORD not in page
    password_input = re.search(r'<input[^>]*name="password"[^>]*>', page).group(0)
    assert re.search(r'value="[^"]', password_input) is None
    assert "<title>Error: Log in as an employee" in page
    assert 'href="#email"' in page


def test_empty_fields_get_their_own_messages(client):
    page = log_in(client, "", "").get_data(as_text=True)
    assert 'href="#email">Enter your e-mail address</a>' in page
    assert 'href="#password">Enter your password</a>' in page


def test_failed_logins_are_audited_without_the_password(client, db_session):
    log_in(client, CASEWORKER, WRONG_PASSWORD)
    log_in(client, "nobody@eksempel.example", WRONG_PASSWORD)
    known, unknown = audit_events(db_session, "staff.login_failed")
    assert (known.target, known.reason) == (CASEWORKER, "wrong password")
    assert (unknown.target, unknown.reason) == ("", "unknown e-mail address")
    for event in (known, unknown):
        assert WRONG_PASSWORD not in f"{event.target} {event.reason}"
        assert "nobody" not in event.target


def test_fourth_login_attempt_within_the_limit_gets_429(app_factory):
    client = app_factory(STAFF_LOGIN_RATE_LIMIT="3 per minute").test_client()
    token = csrf_token(client.get(LOGIN).get_data(as_text=True))
    data = {"csrf_token": token, "email": CASEWORKER, "password": WRONG_PASSWORD}
    statuses = [client.post(f"{LOGIN}?lang=en", data=data).status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]


def test_anonymous_staff_page_sends_to_login_and_back_after(client):
    response = client.get(SECURITY)
    assert response.status_code == 302
    assert response.headers["Location"].startswith(f"{LOGIN}?next=/eksempel/ansatt/sikkerhet")
    logged_in = log_in(client, url=response.headers["Location"])
    assert logged_in.headers["Location"] == "/eksempel/ansatt/sikkerhet"


@pytest.mark.parametrize("next_path", ["//evil.example/", "https://evil.example/", "/\\evil"])
def test_next_to_another_site_is_ignored(client, next_path):
    response = log_in(client, url=f"{LOGIN}?next={next_path}")
    assert response.headers["Location"] == HOME


def test_login_page_lists_demo_accounts_only_in_development(client, app_factory):
    assert DEMO_STAFF_PASSWORD in client.get(f"{LOGIN}?lang=en").get_data(as_text=True)
    production_like = app_factory(DEV_LOGIN_ENABLED=False).test_client()
    page = production_like.get(f"{LOGIN}?lang=en").get_data(as_text=True)
    assert DEMO_STAFF_PASSWORD not in page
    assert "admin@eksempel.example" not in page


def test_logged_in_staff_going_to_login_goes_home(client):
    log_in(client)
    assert client.get(LOGIN).headers["Location"] == HOME


# --- second factor ---------------------------------------------------------------------------

def test_two_factor_set_up_with_a_code_then_required_at_login(client, db_session):
    log_in(client)
    page = client.get(f"{SECURITY}?lang=en").get_data(as_text=True)
    secret = re.search(r'id="totp-secret">([A-Z2-7 ]+)<', page).group(1).replace(" ", "")
    assert f"secret={secret}" in page  # the otpauth:// address, as text
    totp = pyotp.TOTP(secret)
    refused = post(client, f"{SECURITY}?lang=en", code=wrong_code(totp))
    assert "The code is wrong" in refused.get_data(as_text=True)
    assert staff_member(db_session).totp_secret_encrypted is None
    accepted = post(client, f"{SECURITY}?lang=en", code=totp.now())
    assert accepted.headers["Location"] == f"{SECURITY}?enabled=1"
    assert staff_member(db_session).totp_secret_encrypted is not None
    log_out(client)

    assert log_in(client).headers["Location"] == CODE
    assert client.get(HOME).status_code == 302  # the password alone is not a login
    wrong = post(client, f"{CODE}?lang=en", code=wrong_code(totp))
    assert "The code is wrong" in error_summary(wrong.get_data(as_text=True))
    assert client.get(HOME).status_code == 302
    right = post(client, f"{CODE}?lang=en", code=totp.now())
    assert right.headers["Location"] == HOME
    assert client.get(HOME).status_code == 200


def test_wrong_codes_are_audited_and_too_many_start_the_login_again(app, client, db_session):
    totp = totp_for(app, db_session)
    log_in(client)
    answers = [post(client, f"{CODE}?lang=en", code=wrong_code(totp)) for _ in range(5)]
    assert [a.status_code for a in answers] == [200, 200, 200, 200, 302]
    assert answers[-1].headers["Location"] == f"{LOGIN}?restart=attempts"
    assert client.get(CODE).headers["Location"] == f"{LOGIN}?restart=expired"
    assert client.get(HOME).status_code == 302
    events = audit_events(db_session, "staff.login_failed")
    assert [e.reason for e in events] == ["wrong code"] * 5


def test_code_page_without_a_password_first_goes_to_login(client):
    assert client.get(CODE).headers["Location"] == f"{LOGIN}?restart=expired"


def test_code_must_be_six_digits(app, client, db_session):
    totp_for(app, db_session)
    log_in(client)
    page = post(client, f"{CODE}?lang=en", code="12ab").get_data(as_text=True)
    assert "The code must be 6 digits" in page


# --- passwords -------------------------------------------------------------------------------

def test_one_time_password_must_be_changed_before_any_staff_page(client, db_session):
    one_time = accounts.reset_password(staff_member(db_session, DESK))
    db_session.commit()
    assert log_in(client, DESK, one_time).headers["Location"] == CHANGE
    assert client.get(HOME).headers["Location"] == CHANGE
    assert client.get("/eksempel/ansatt/sikkerhet").headers["Location"] == CHANGE
    page = client.get(f"{CHANGE}?lang=en").get_data(as_text=True)
    assert 'name="current_password"' not in page  # they have just typed the one-time one

    short = post(client, f"{CHANGE}?lang=en", new_password="short", confirm_password="short")
    assert "Use at least 12 characters" in short.get_data(as_text=True)
    mismatch = post(client, f"{CHANGE}?lang=en", new_password="a-new-password-1",
                    confirm_password="a-new-password-2")
    assert "The passwords are not the same" in mismatch.get_data(as_text=True)
    same = post(client, f"{CHANGE}?lang=en", new_password=one_time, confirm_password=one_time)
    assert "different from the one you have now" in same.get_data(as_text=True)
    assert staff_member(db_session, DESK).must_change_password

    done = post(client, f"{CHANGE}?lang=en", new_password="my-own-password-1",
                confirm_password="my-own-password-1")
    assert done.headers["Location"] == f"{HOME}?changed=1"
    assert client.get(HOME).status_code == 200
    assert not staff_member(db_session, DESK).must_change_password
    assert audit_events(db_session, "staff.password_changed")


def test_voluntary_password_change_needs_the_current_password(client, db_session):
    log_in(client)
    missing = post(client, f"{CHANGE}?lang=en", new_password="a-new-password-1",
                   confirm_password="a-new-password-1")
    assert "Enter the password you have now" in missing.get_data(as_text=True)
    wrong = post(client, f"{CHANGE}?lang=en", current_password=WRONG_PASSWORD,
                 new_password="a-new-password-1", confirm_password="a-new-password-1")
    assert "The current password is wrong" in wrong.get_data(as_text=True)
    done = post(client, f"{CHANGE}?lang=en", current_password=DEMO_STAFF_PASSWORD,
                new_password="a-new-password-1", confirm_password="a-new-password-1")
    assert done.headers["Location"] == f"{HOME}?changed=1"
    log_out(client)
    assert log_in(client).status_code == 200  # the old password no longer works
    assert log_in(client, password="a-new-password-1").headers["Location"] == HOME


def test_password_change_logs_out_the_other_sessions(app, client):
    other_browser = app.test_client()
    log_in(other_browser)
    log_in(client)
    post(client, CHANGE, current_password=DEMO_STAFF_PASSWORD,
         new_password="a-new-password-1", confirm_password="a-new-password-1")
    assert client.get(HOME).status_code == 200
    assert other_browser.get(HOME).headers["Location"].startswith(LOGIN)


def test_citizen_gets_403_on_staff_pages(client):
    token = csrf_token(client.get("/eksempel/testid").get_data(as_text=True))
    client.post("/eksempel/testid", data={"csrf_token": token, "person": "ola"})
    assert client.get(HOME).status_code == 403


def test_staff_home_links_by_role(client):
    log_in(client, "admin@eksempel.example")
    assert "/eksempel/ansatt/admin/ansatte" in client.get(f"{HOME}?lang=en").get_data(as_text=True)
    log_out(client)
    log_in(client, DESK)
    page = client.get(f"{HOME}?lang=en").get_data(as_text=True)
    assert "/eksempel/ansatt/admin/ansatte" not in page
    assert SECURITY in page



# --- Issue 16, point 4: a code logs in once; wrong codes are counted on the server ---------

def code_step_start():
    """A moment at the start of a TOTP step, so that a test stays inside one step."""
    now = clock.utcnow()
    return now.replace(second=0 if now.second < 30 else 30, microsecond=0) + (
        datetime.timedelta(seconds=30))


def test_the_same_code_logs_in_only_once(app, db_session):
    totp = totp_for(app, db_session)
    with time_machine.travel(code_step_start(), tick=False):
        code = totp.now()
        first, second = app.test_client(), app.test_client()
        log_in(first)
        log_in(second)  # another browser with the password, as an attacker watching would
        assert post(first, f"{CODE}?lang=en", code=code).headers["Location"] == HOME
        again = post(second, f"{CODE}?lang=en", code=code)
        assert again.status_code == 200
        assert "This code has been used already" in again.get_data(as_text=True)
        assert second.get(HOME).status_code == 302
        # An older code, within the clock-drift window, is refused as well.
        earlier = totp.at(clock.utcnow() - datetime.timedelta(seconds=30))
        assert post(second, f"{CODE}?lang=en", code=earlier).status_code == 200
        assert second.get(HOME).status_code == 302
    events = audit_events(db_session, "staff.login_failed")
    assert [e.reason for e in events] == ["code used again", "code used again"]


def test_an_older_cookie_does_not_reset_the_count_of_wrong_codes(app, db_session):
    """The sweep: the count lived in the cookie, so replaying the cookie from just after the
    password gave five more guesses, again and again."""
    totp = totp_for(app, db_session)
    client = app.test_client()
    log_in(client)
    after_password = client.get_cookie("portal_session").value
    for _ in range(4):
        assert post(client, f"{CODE}?lang=en", code=wrong_code(totp)).status_code == 200
    client.set_cookie("portal_session", after_password)
    fifth = post(client, f"{CODE}?lang=en", code=wrong_code(totp))
    assert fifth.headers["Location"] == f"{LOGIN}?restart=attempts"
    client.set_cookie("portal_session", after_password)
    locked = post(client, f"{CODE}?lang=en", code=totp.now())  # even the right code
    assert locked.headers["Location"] == f"{LOGIN}?restart=attempts"
    assert client.get(HOME).status_code == 302
    assert staff_member(db_session).totp_failures == 5
    with time_machine.travel(clock.utcnow() + datetime.timedelta(minutes=16), tick=False):
        fresh = app.test_client()
        log_in(fresh)
        assert post(fresh, f"{CODE}?lang=en", code=totp.now()).headers["Location"] == HOME
    assert staff_member(db_session).totp_failures == 0
