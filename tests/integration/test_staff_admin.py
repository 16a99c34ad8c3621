"""Admins manage the staff accounts of their own municipality; the create-staff command."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from portal.identity import staff as accounts
from portal.identity.demo_people import DEMO_STAFF_PASSWORD
from portal.identity.models import StaffRole, StaffUser
from portal.municipalities.service import import_municipality
from tests.integration.factories import municipality_data
from tests.integration.test_staff_login import (
    CASEWORKER,
    CHANGE,
    DESK,
    HOME,
    LOGIN,
    WRONG_LOGIN,
    audit_events,
    csrf_token,
    log_in,
    post,
    staff_member,
    totp_for,
)

ADMIN = "admin@eksempel.example"
STAFF_LIST = "/eksempel/ansatt/admin/ansatte"
NEW_STAFF = "/eksempel/ansatt/admin/ansatte/ny"
OTHER_PASSWORD = "testby-admin-password"


def action_url(staff: StaffUser, action: str, slug: str = "eksempel") -> str:
    return f"/{slug}/ansatt/admin/ansatte/{staff.id}/{action}"


@pytest.fixture
def admin(client):
    assert log_in(client, ADMIN).headers["Location"] == HOME
    return client


@pytest.fixture
def other_admin(app, db_session):
    """A logged-in admin of another municipality, Testby."""
    testby = import_municipality(db_session, municipality_data())
    accounts.create_staff(db_session, municipality_id=testby.id, email="admin@testby.example",
                          name="Tina Testby", role=StaffRole.ADMIN, password=OTHER_PASSWORD)
    db_session.commit()
    client = app.test_client()
    response = log_in(client, "admin@testby.example", OTHER_PASSWORD,
                      url="/testby/ansatt/logg-inn")
    assert response.headers["Location"] == "/testby/ansatt/"
    return client


def one_time_password(page: str) -> str:
    return re.search(r'id="one-time-password">([^<]+)<', page).group(1)


# --- the list and new accounts ---------------------------------------------------------------

def test_admin_sees_every_staff_account_with_role_status_and_two_factor(
    app, admin, db_session
):
    totp_for(app, db_session, DESK)
    page = admin.get(f"{STAFF_LIST}?lang=en").get_data(as_text=True)
    for email in (ADMIN, CASEWORKER, DESK):
        assert email in page
    for words in ("Service desk", "Caseworker", "Administrator", "Active", "On", "Off"):
        assert f"<td>{words}</td>" in page
    assert "This is you" in page


@pytest.mark.parametrize("email", [CASEWORKER, DESK])
@pytest.mark.parametrize("url", [STAFF_LIST, NEW_STAFF, f"{STAFF_LIST}/1/deaktiver"])
def test_staff_who_are_not_admins_get_403_on_admin_pages(client, email, url):
    log_in(client, email)
    assert client.get(f"{url}?lang=en").status_code == 403


def test_anonymous_admin_page_sends_to_staff_login_with_next(client):
    response = client.get(STAFF_LIST)
    assert response.headers["Location"] == f"{LOGIN}?next={STAFF_LIST}"


def test_new_account_gets_a_one_time_password_shown_once_that_must_be_changed(
    app, admin, db_session
):
    response = post(admin, f"{NEW_STAFF}?lang=en", name="Nora Ny",
                    email="Nora.Ny@Eksempel.example", role="caseworker")
    staff = staff_member(db_session, "nora.ny@eksempel.example")
    assert (staff.name, staff.role, staff.must_change_password) == (
        "Nora Ny", StaffRole.CASEWORKER, True
    )
    assert response.headers["Location"] == action_url(staff, "engangspassord")
    page = admin.get(f"{response.headers['Location']}?lang=en").get_data(as_text=True)
    password = one_time_password(page)
    assert len(password) >= accounts.MIN_PASSWORD_LENGTH
    again = admin.get(f"{response.headers['Location']}?lang=en").get_data(as_text=True)
    assert password not in again
    assert "already been shown" in again
    [event] = audit_events(db_session, "staff.created")
    assert event.target == f"staff_user:{staff.id}"
    assert password not in event.reason

    newcomer = app.test_client()
    assert log_in(newcomer, "nora.ny@eksempel.example", password).headers["Location"] == CHANGE


def test_duplicate_email_is_refused_on_the_field(admin, db_session):
    response = post(admin, f"{NEW_STAFF}?lang=en", name="Sara Again",
                    email=CASEWORKER.upper(), role="desk")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'href="#email">There is already a staff account with this e-mail address</a>' in page
    assert 'id="email-error"' in page
    count = db_session.scalar(sa.select(sa.func.count()).select_from(StaffUser).where(
        StaffUser.email == CASEWORKER))
    assert count == 1


def test_new_account_form_says_what_is_missing(admin):
    page = post(admin, f"{NEW_STAFF}?lang=en", email="not-an-address").get_data(as_text=True)
    assert 'href="#name">Enter the person\'s full name</a>' in page
    assert 'href="#email">Enter an e-mail address in the right format' in page
    assert 'href="#role-0">Choose a role</a>' in page


# --- disable, enable, reset ------------------------------------------------------------------

def test_disabling_asks_first_then_logs_the_person_out_for_good(app, admin, db_session):
    caseworker = app.test_client()
    log_in(caseworker)
    staff = staff_member(db_session)
    confirm = admin.get(f"{action_url(staff, 'deaktiver')}?lang=en")
    assert "Disable the account of Sara Saksbehandler?" in confirm.get_data(as_text=True)
    assert staff_member(db_session).active  # asking changes nothing

    done = post(admin, action_url(staff, "deaktiver"))
    assert done.headers["Location"] == f"{STAFF_LIST}?done=disabled&staff={staff.id}"
    notice = admin.get(f"{done.headers['Location']}&lang=en").get_data(as_text=True)
    assert "Sara Saksbehandler can no longer log in." in notice
    assert not staff_member(db_session).active
    assert caseworker.get(HOME).headers["Location"].startswith(LOGIN)
    assert WRONG_LOGIN in log_in(caseworker).get_data(as_text=True)
    [event] = audit_events(db_session, "staff.disabled")
    assert event.actor_staff_user_id == staff_member(db_session, ADMIN).id


def test_enabling_lets_the_person_log_in_again(app, admin, db_session):
    staff = staff_member(db_session)
    post(admin, action_url(staff, "deaktiver"))
    token = csrf_token(admin.get(STAFF_LIST).get_data(as_text=True))
    done = admin.post(action_url(staff, "aktiver"), data={"csrf_token": token})
    assert done.headers["Location"] == f"{STAFF_LIST}?done=enabled&staff={staff.id}"
    assert log_in(app.test_client()).headers["Location"] == HOME
    assert audit_events(db_session, "staff.enabled")


def test_actions_without_a_csrf_token_are_refused(admin, db_session):
    staff = staff_member(db_session)
    assert admin.post(action_url(staff, "deaktiver")).status_code == 400
    assert admin.post(action_url(staff, "nullstill-passord")).status_code == 400
    assert staff_member(db_session).active


def test_reset_gives_a_one_time_password_that_works_once_and_must_be_changed(
    app, admin, db_session
):
    totp_for(app, db_session)
    staff = staff_member(db_session)
    confirm = admin.get(f"{action_url(staff, 'nullstill-passord')}?lang=en")
    assert "Reset the password of Sara Saksbehandler?" in confirm.get_data(as_text=True)
    done = post(admin, action_url(staff, "nullstill-passord"))
    assert done.headers["Location"] == action_url(staff, "engangspassord")
    password = one_time_password(admin.get(done.headers["Location"]).get_data(as_text=True))
    assert staff_member(db_session).totp_secret_encrypted is None  # lost phone: set up again
    assert audit_events(db_session, "staff.password_reset")

    person = app.test_client()
    assert WRONG_LOGIN in log_in(person).get_data(as_text=True)  # the old password is gone
    assert log_in(person, password=password).headers["Location"] == CHANGE
    post(person, CHANGE, new_password="my-own-password-1", confirm_password="my-own-password-1")
    assert person.get(HOME).status_code == 200
    assert WRONG_LOGIN in log_in(app.test_client(), password=password).get_data(as_text=True)


@pytest.mark.parametrize("action", ["deaktiver", "nullstill-passord"])
def test_admin_cannot_disable_or_reset_their_own_account(admin, db_session, action):
    me = staff_member(db_session, ADMIN)
    assert admin.get(f"{action_url(me, action)}?lang=en").status_code == 403
    token = csrf_token(admin.get(STAFF_LIST).get_data(as_text=True))
    assert admin.post(action_url(me, action), data={"csrf_token": token}).status_code == 403
    me = staff_member(db_session, ADMIN)
    assert me.active
    assert accounts.password_matches(me, DEMO_STAFF_PASSWORD)


# --- another municipality --------------------------------------------------------------------

def test_admin_of_another_municipality_gets_403_on_this_municipalitys_pages(
    other_admin, db_session
):
    staff = staff_member(db_session)
    assert other_admin.get(STAFF_LIST).status_code == 403
    assert other_admin.get(NEW_STAFF).status_code == 403
    token = csrf_token(other_admin.get("/testby/ansatt/admin/ansatte").get_data(as_text=True))
    for action in ("deaktiver", "aktiver", "nullstill-passord"):
        response = other_admin.post(action_url(staff, action), data={"csrf_token": token})
        assert response.status_code == 403
    assert staff_member(db_session).active


def test_staff_of_another_municipality_do_not_exist_for_an_admin(other_admin, db_session):
    staff = staff_member(db_session)
    page = other_admin.get("/testby/ansatt/admin/ansatte?lang=en").get_data(as_text=True)
    assert "admin@testby.example" in page
    assert CASEWORKER not in page
    token = csrf_token(page)
    for action in ("deaktiver", "nullstill-passord", "engangspassord"):
        assert other_admin.get(action_url(staff, action, "testby")).status_code == 404
    for action in ("deaktiver", "aktiver", "nullstill-passord"):
        response = other_admin.post(action_url(staff, action, "testby"),
                                    data={"csrf_token": token})
        assert response.status_code == 404
    staff = staff_member(db_session)
    assert staff.active
    assert accounts.password_matches(staff, DEMO_STAFF_PASSWORD)


def test_staff_cannot_log_in_at_another_municipality(app, other_admin):
    page = log_in(app.test_client(), CASEWORKER, url="/testby/ansatt/logg-inn?lang=en")
    assert WRONG_LOGIN in page.get_data(as_text=True)


# --- the create-staff command ----------------------------------------------------------------

def create_staff_args(**changes: str) -> list[str]:
    options = {"municipality": "eksempel", "email": "ny@eksempel.example",
               "name": "Nils Ny", "role": "caseworker", **changes}
    args = ["portal", "create-staff"]
    for option, value in options.items():
        args += [f"--{option}", value]
    return args


def test_create_staff_command_makes_an_account_that_can_log_in(runner, client, db_session):
    result = runner.invoke(args=[*create_staff_args(), "--password-stdin"],
                           input="a-long-enough-password\n")
    assert result.exit_code == 0, result.output
    assert "Created caseworker ny@eksempel.example" in result.output
    staff = staff_member(db_session, "ny@eksempel.example")
    assert (staff.name, staff.role, staff.must_change_password) == (
        "Nils Ny", StaffRole.CASEWORKER, False
    )
    assert audit_events(db_session, "staff.created")
    response = log_in(client, "ny@eksempel.example", "a-long-enough-password")
    assert response.headers["Location"] == HOME


def test_create_staff_command_asks_for_the_password_twice_without_showing_it(runner, db_session):
    result = runner.invoke(args=[*create_staff_args(), "--must-change-password"],
                           input="a-long-enough-password\na-long-enough-password\n")
    assert result.exit_code == 0, result.output
    assert "a-long-enough-password" not in result.output
    assert staff_member(db_session, "ny@eksempel.example").must_change_password


@pytest.mark.parametrize(
    ("changes", "password", "message"),
    [
        ({"municipality": "nowhere"}, "a-long-enough-password", "no municipality with the slug"),
        ({}, "short", "too short"),
        ({"email": "not-an-address"}, "a-long-enough-password", "not a valid e-mail address"),
        ({"email": ADMIN}, "a-long-enough-password", "already has a staff account"),
        ({"role": "boss"}, "a-long-enough-password", "Invalid value for '--role'"),
        ({}, "", "No password on standard input"),
    ],
)
def test_create_staff_command_refuses_bad_input_without_a_traceback(
    runner, db_session, changes, password, message
):
    result = runner.invoke(args=[*create_staff_args(**changes), "--password-stdin"],
                           input=f"{password}\n")
    assert result.exit_code != 0
    assert message in result.output
    assert "Traceback" not in result.output
    assert isinstance(result.exception, SystemExit)
    assert staff_member(db_session, "ny@eksempel.example") is None
