"""Citizen login with TestID, sessions on the server, timeouts, and nothing typed lost."""

from __future__ import annotations

import logging
import re
from datetime import timedelta

import sqlalchemy as sa

from portal.clock import utcnow
from portal.identity.demo_people import DEMO_CITIZENS
from portal.identity.models import UserSession
from tests.support.flows import csrf_token, log_in_with_testid, post_form

KARI = next(c for c in DEMO_CITIZENS if c.key == "kari")
PROFILE = "/eksempel/min-profil"


def live_session(db_session) -> UserSession:
    return db_session.scalars(
        sa.select(UserSession).where(UserSession.ended_at.is_(None)).order_by(UserSession.id.desc())
    ).first()


def age_session(db_session, *, idle: timedelta = timedelta(0), age: timedelta = timedelta(0)):
    row = live_session(db_session)
    row.last_seen_at = utcnow() - idle
    row.created_at = utcnow() - max(age, idle)
    db_session.commit()


def test_testid_logs_in_a_demo_citizen(client):
    landed = post_form(client, f"/eksempel/testid?next={PROFILE}", person="kari")
    assert landed.headers["Location"] == PROFILE
    assert "Kari Eksempel" in client.get(f"{PROFILE}?lang=en").get_data(as_text=True)


def test_testid_refuses_a_wrong_number_next_to_the_field_and_keeps_it(client):
    response = post_form(client, "/eksempel/testid?lang=en", person="other", nin="01018012345")
    page = response.get_data(as_text=True)
    assert "The check digits do not match" in page
    assert 'value="01018012345"' in page
    assert 'href="#nin"' in page


def test_testid_is_not_there_when_the_development_login_is_off(app_factory):
    client = app_factory(DEV_LOGIN_ENABLED=False).test_client()
    assert client.get("/eksempel/testid").status_code == 404


def test_profile_needs_a_login(client):
    response = client.get(PROFILE)
    assert response.headers["Location"] == f"/eksempel/logg-inn?next={PROFILE}"


def test_profile_saves_contact_details(client):
    log_in_with_testid(client)
    saved = post_form(client, PROFILE, name="Kari E.", email="kari@example.no",
                      phone="912 34 567", preferred_language="nn")
    assert saved.headers["Location"] == f"{PROFILE}?saved=1"
    page = client.get(f"{PROFILE}?lang=en").get_data(as_text=True)
    assert 'value="kari@example.no"' in page
    assert re.search(r'<input checked[^>]*value="nn"', page)


def test_profile_explains_bad_input_and_keeps_it(client):
    log_in_with_testid(client)
    response = post_form(client, f"{PROFILE}?lang=en", name="Kari", email="kari@",
                         phone="12ab", preferred_language="nb")
    page = response.get_data(as_text=True)
    assert "Enter an e-mail address in the right format" in page
    assert "Enter a phone number with 8 digits" in page
    assert 'value="kari@"' in page


def test_a_login_starts_a_fresh_session(client):
    post_form(client, "/eksempel/tilbakemelding/nyttig", page="start", useful="yes")
    log_in_with_testid(client)
    with client.session_transaction() as cookie_session:
        assert "feedback_answers" not in cookie_session
        assert "_user_id" in cookie_session


def test_idle_timeout_logs_out_and_says_why(client, db_session):
    log_in_with_testid(client)
    age_session(db_session, idle=timedelta(minutes=21))
    response = client.get(PROFILE)
    assert response.headers["Location"] == f"/eksempel/logg-inn?next={PROFILE}&timeout=idle"
    page = client.get(response.headers["Location"] + "&lang=en").get_data(as_text=True)
    assert "inactive for a while" in page
    last = db_session.scalars(sa.select(UserSession).order_by(UserSession.id.desc())).first()
    assert (last.end_reason, last.ended_at is not None) == ("idle", True)


def test_activity_within_the_idle_time_keeps_the_session(client, db_session):
    log_in_with_testid(client)
    age_session(db_session, idle=timedelta(minutes=19))
    assert client.get(PROFILE).status_code == 200


def test_absolute_lifetime_ends_even_an_active_session(client, db_session):
    log_in_with_testid(client)
    age_session(db_session, age=timedelta(hours=12, minutes=1))
    response = client.get(PROFILE)
    assert response.headers["Location"].endswith("timeout=absolute")


def test_stay_logged_in_extends_the_idle_time(client, db_session):
    log_in_with_testid(client)
    age_session(db_session, idle=timedelta(minutes=15))
    page = client.get(PROFILE).get_data(as_text=True)
    client.post("/eksempel/forleng", data={"csrf_token": csrf_token(page), "next": PROFILE})
    db_session.expire_all()
    assert utcnow() - live_session(db_session).last_seen_at.replace(
        tzinfo=utcnow().tzinfo) < timedelta(minutes=1)
    age_session(db_session, idle=timedelta(minutes=15))  # 15 more minutes: 30 since login
    assert client.get(PROFILE).status_code == 200


def test_the_timeout_notice_shows_when_the_session_ends(client):
    log_in_with_testid(client)
    page = client.get(f"{PROFILE}?lang=en").get_data(as_text=True)
    assert "you will be logged out at" in page
    assert 'id="session-timeout-dialog"' in page


def test_logout_ends_the_session_on_the_server(client, app):
    log_in_with_testid(client)
    with client.session_transaction() as cookie_session:
        stolen = dict(cookie_session)
    page = client.get(PROFILE).get_data(as_text=True)
    client.post("/eksempel/logg-ut", data={"csrf_token": csrf_token(page)})
    replay = app.test_client()
    with replay.session_transaction() as cookie_session:
        cookie_session.update(stolen)
    assert replay.get(PROFILE).status_code == 302


def test_what_was_typed_when_the_session_timed_out_comes_back_after_login(client, db_session):
    log_in_with_testid(client)
    token = csrf_token(client.get(PROFILE).get_data(as_text=True))
    age_session(db_session, idle=timedelta(minutes=25))
    refused = client.post(PROFILE, data={"csrf_token": token, "name": "Kari Ny",
                                         "email": "ny@example.no", "preferred_language": "en"})
    assert refused.headers["Location"] == f"/eksempel/logg-inn?next={PROFILE}&timeout=idle"
    post_form(client, f"/eksempel/testid?next={PROFILE}", person="kari")
    page = client.get(PROFILE).get_data(as_text=True)
    assert 'value="Kari Ny"' in page
    assert 'value="ny@example.no"' in page
    assert "Kari Ny" not in client.get(PROFILE).get_data(as_text=True)  # given back once


def test_saved_typing_is_not_given_to_another_person(client, db_session):
    log_in_with_testid(client, person="kari")
    token = csrf_token(client.get(PROFILE).get_data(as_text=True))
    age_session(db_session, idle=timedelta(minutes=25))
    client.post(PROFILE, data={"csrf_token": token, "name": "Secret typing"})
    post_form(client, f"/eksempel/testid?next={PROFILE}", person="ola")
    assert "Secret typing" not in client.get(PROFILE).get_data(as_text=True)


def test_identity_numbers_appear_in_no_url_and_no_log_line(client, caplog):
    with caplog.at_level(logging.DEBUG):
        landed = post_form(client, f"/eksempel/testid?next={PROFILE}", person="other",
                           nin=KARI.nin, name="Kari")
        client.get(PROFILE)
    assert KARI.nin not in landed.headers["Location"]
    assert KARI.nin not in caplog.text


def test_the_worker_deletes_saved_typing_nobody_came_back_for(db_session):
    from portal.identity.models import SavedForm
    from portal.identity.saved_forms import delete_old_saved_forms

    old = SavedForm(token_hash="a" * 64, path="/x", data_encrypted=b"x",
                    created_at=utcnow() - timedelta(hours=2))
    fresh = SavedForm(token_hash="b" * 64, path="/x", data_encrypted=b"x")
    db_session.add_all([old, fresh])
    db_session.flush()
    assert delete_old_saved_forms(db_session) == 1
    assert db_session.scalars(sa.select(SavedForm.token_hash)).all() == ["b" * 64]
