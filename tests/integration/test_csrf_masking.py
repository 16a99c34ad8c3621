"""CSRF tokens are masked anew for every response, so a compressed page never repeats its
secret for a BREACH attacker to guess (portal/csrf.py)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import time_machine
from flask_wtf import FlaskForm

from portal.csrf import MaskedCSRFForm, unmask
from tests.support.flows import csrf_token, csrf_tokens, log_in_with_testid, post_form

INFO = "/eksempel/individuell-plan"
USEFUL = "/eksempel/tilbakemelding/nyttig"
PROFILE = "/eksempel/min-profil"
ONE_SECOND = datetime(2026, 12, 4, 10, 0, 0, tzinfo=UTC)


def start_application(client) -> str:
    log_in_with_testid(client)
    started = post_form(client, "/eksempel/ny/ip_application")
    assert started.status_code == 302
    return started.headers["Location"]


def test_every_token_a_page_carries_is_masked(client):
    pages = [client.get(INFO).get_data(as_text=True)]  # the feedback form
    step = start_application(client)
    pages += [client.get(step).get_data(as_text=True),  # a form, log-out, the timeout dialog
              client.get(PROFILE).get_data(as_text=True)]
    for page in pages:
        for token in csrf_tokens(page):
            assert "." not in token  # Flask-WTF's signed token has two dots
            assert unmask(token).count(".") == 2  # and is inside
        assert len(set(csrf_tokens(page))) == 1  # one token per response, wherever it is shown


def test_every_form_of_the_portal_masks_its_token(app):
    # A form made straight from FlaskForm would put the token in its page unmasked.
    def subclasses(cls):
        for sub in cls.__subclasses__():
            yield sub
            yield from subclasses(sub)

    forms = [form for form in subclasses(FlaskForm) if form.__module__.startswith("portal.")]
    assert len(forms) > 10
    assert [form for form in forms if not issubclass(form, MaskedCSRFForm)] == []


def test_two_answers_in_the_same_second_carry_different_tokens(client):
    with time_machine.travel(ONE_SECOND, tick=False):  # the signed token is the same
        first = csrf_token(client.get(INFO).get_data(as_text=True))
        second = csrf_token(client.get(INFO).get_data(as_text=True))
    assert first != second
    assert unmask(first) == unmask(second)


def test_a_masked_token_is_accepted_and_a_changed_or_foreign_one_refused(client, app):
    token = csrf_token(client.get(INFO).get_data(as_text=True))
    data = {"page": "start", "useful": "yes"}
    changed = token[:-2] + ("AA" if token[-2:] != "AA" else "BB")
    assert client.post(USEFUL, data={**data, "csrf_token": changed}).status_code == 400
    other = app.test_client()
    foreign = csrf_token(other.get(INFO).get_data(as_text=True))
    assert client.post(USEFUL, data={**data, "csrf_token": foreign}).status_code == 400
    assert client.post(USEFUL, data={**data, "csrf_token": token}).status_code == 302


def test_the_timeout_dialog_s_header_takes_the_masked_token(client):
    log_in_with_testid(client)
    token = csrf_token(client.get(PROFILE).get_data(as_text=True))
    fetch = {"X-Requested-With": "fetch", "Accept": "application/json"}
    assert client.post("/eksempel/forleng", headers=fetch).status_code == 400
    answer = client.post("/eksempel/forleng", headers={**fetch, "X-CSRFToken": token})
    assert answer.status_code == 200
    assert "expires_at" in answer.get_json()


@pytest.mark.parametrize("sent", ["a", "abc", "!!!!", "=", "a.b.c", "AAAA", "_-_-_-_-",
                                  "\u00e6\u00f8\u00e5", "A" * 400])
def test_a_token_that_is_no_token_is_refused_not_an_error(client, sent):
    client.get(INFO)  # the session has its token
    answer = client.post(USEFUL, data={"page": "start", "useful": "yes", "csrf_token": sent})
    assert answer.status_code == 400
