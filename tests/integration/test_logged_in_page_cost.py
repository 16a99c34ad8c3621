"""Issue 18, point 2: what a logged-in page costs, pinned where it can creep back.

A GET of an application step asks the database for the session (with its person, and whether
the person represents anyone) and for the draft: two statements, no write while the session
was used moments ago. Nothing here is timed; the timeouts keep their own tests in
test_citizen_sessions.py, and one more below.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa
from babel import support
from flask import render_template_string
from jinja2 import runtime as jinja_runtime

from portal.clock import utcnow
from portal.identity.models import UserSession
from tests.support.apply import KARI_NIN
from tests.support.flows import csrf_token, log_in_with_testid, post_form
from tests.support.representation import grant

DML = ("SELECT", "INSERT", "UPDATE", "DELETE")


@pytest.fixture
def statements(engine):
    seen: list[str] = []

    def remember(_conn, _cursor, statement, *_args) -> None:
        if statement.lstrip().upper().startswith(DML):  # not the tests' SAVEPOINTs
            seen.append(statement)

    sa.event.listen(engine, "before_cursor_execute", remember)
    yield seen
    sa.event.remove(engine, "before_cursor_execute", remember)


def start_application(client) -> str:
    """Log in, start an application, and return its first question's URL."""
    log_in_with_testid(client)
    started = post_form(client, "/eksempel/ny/ip_application")
    assert started.status_code == 302
    return started.headers["Location"]


def last_session(db_session) -> UserSession:
    db_session.expire_all()
    return db_session.scalars(sa.select(UserSession).order_by(UserSession.id.desc())).first()


def test_a_form_step_makes_two_queries_and_no_write_when_the_session_was_just_used(
        app_factory, statements):
    client = app_factory(MUNICIPALITY_CACHE_SECONDS=60).test_client()  # as in production
    step = start_application(client)
    assert client.get(step).status_code == 200
    statements.clear()
    response = client.get(step)
    assert response.status_code == 200
    assert len(statements) == 2, statements
    assert all(s.lstrip().upper().startswith("SELECT") for s in statements), statements
    assert "Set-Cookie" not in response.headers  # the cookie is not signed and sent again


def test_a_session_last_used_minutes_ago_is_touched_once(client, db_session, statements):
    step = start_application(client)
    row = last_session(db_session)
    row.last_seen_at = utcnow() - timedelta(minutes=2)
    db_session.commit()
    statements.clear()
    assert client.get(step).status_code == 200
    assert [s for s in statements if s.lstrip().upper().startswith("UPDATE USER_SESSION")]
    assert utcnow() - last_session(db_session).last_seen_at.replace(
        tzinfo=utcnow().tzinfo) < timedelta(minutes=1)
    statements.clear()
    assert client.get(step).status_code == 200
    assert not [s for s in statements if s.lstrip().upper().startswith("UPDATE")]


def test_the_idle_timeout_still_ends_a_session_on_a_form_step(client, db_session):
    step = start_application(client)
    row = last_session(db_session)
    row.last_seen_at = utcnow() - timedelta(minutes=21)
    db_session.commit()
    response = client.get(step)
    assert response.status_code == 302
    assert "timeout=idle" in response.headers["Location"]
    assert last_session(db_session).end_reason == "idle"


def test_a_representative_still_sees_whom_they_act_for_on_a_form_step(app, client):
    log_in_with_testid(client, "ola")
    grant(client, KARI_NIN, "Kari Eksempel")
    kari = app.test_client()
    step = start_application(kari)
    page = kari.get(step + "?lang=en").get_data(as_text=True)
    assert 'class="portal-acting"' in page
    assert "You act for yourself (Kari Eksempel)" in page


def test_someone_who_represents_nobody_sees_no_acting_bar(client):
    step = start_application(client)
    assert 'class="portal-acting"' not in client.get(step).get_data(as_text=True)


def test_wtforms_messages_come_in_the_page_language_without_reading_the_disk(
        client, monkeypatch):
    page = client.get("/eksempel/tilbakemelding/nyttig").get_data(as_text=True)
    loads = []
    real_load = support.Translations.load

    def counted(dirname=None, locales=None, domain=None):
        loads.append(domain)
        return real_load(dirname, locales, domain)

    monkeypatch.setattr(support.Translations, "load", counted)
    refused = client.post("/eksempel/tilbakemelding/nyttig",
                          data={"csrf_token": csrf_token(page), "useful": "maybe"})
    assert "Ikke et gyldig valg" in refused.get_data(as_text=True)  # WTForms' own, in Bokmål
    english = client.post("/eksempel/tilbakemelding/nyttig?lang=en",
                          data={"csrf_token": csrf_token(page), "useful": "maybe"})
    assert "Not a valid choice" in english.get_data(as_text=True)
    assert "wtforms" not in loads[1:]  # read once per process and language, at most


def test_the_session_cookie_outlives_the_longest_session(app_factory):
    app = app_factory(SESSION_ABSOLUTE_SECONDS=24 * 3600)
    assert app.config["SESSION_REFRESH_EACH_REQUEST"] is False
    assert app.config["PERMANENT_SESSION_LIFETIME"] >= timedelta(hours=24)


def test_a_template_text_is_translated_in_one_call_through_the_context(app, monkeypatch):
    calls = []
    real_call = jinja_runtime.Context.call

    def counted(self, callee, *args, **kwargs):
        calls.append(callee)
        return real_call(self, callee, *args, **kwargs)

    monkeypatch.setattr(jinja_runtime.Context, "call", counted)
    with app.test_request_context("/eksempel/?lang=en"):
        app.preprocess_request()
        page = render_template_string('{{ _("Logged in as %(name)s", name=name) }}',
                                      name="<b>Kari</b>")
    assert page == "Logged in as &lt;b&gt;Kari&lt;/b&gt;"  # translated, the name escaped
    assert len(calls) == 1  # not _ → gettext → the catalogue, each through the context


def test_a_text_template_translates_without_escaping(app):
    with app.test_request_context("/eksempel/?lang=nn"):
        app.preprocess_request()
        text = render_template_string(  # as an e-mail's text part is rendered
            '{% autoescape false %}{{ _("Log in") }} & {{ _("%(a)s", a="<x>") }}'
            '{% endautoescape %}')
    assert text == "Logg inn & <x>"
