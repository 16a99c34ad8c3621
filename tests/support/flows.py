"""Steps that many integration tests take: read a CSRF token, post a form, log in."""

from __future__ import annotations

import re

CSRF_TOKEN = re.compile(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"')


def csrf_tokens(page: str) -> list[str]:
    """Every CSRF token the page carries, in order."""
    found = CSRF_TOKEN.findall(page)
    assert found, "the page has no CSRF token"
    return found


def csrf_token(page: str) -> str:
    return csrf_tokens(page)[0]


def post_form(client, url: str, **data):
    """GET the page for its CSRF token, then POST the form to it."""
    token = csrf_token(client.get(url).get_data(as_text=True))
    return client.post(url, data={"csrf_token": token, **data})


def log_in_with_testid(client, person: str = "kari", slug: str = "eksempel", **extra):
    response = post_form(client, f"/{slug}/testid", person=person, **extra)
    assert response.status_code == 302, response.get_data(as_text=True)
    return response


def log_in_staff(client, email: str = "saksbehandler@eksempel.example",
                 url: str = "/eksempel/ansatt/logg-inn", password: str | None = None):
    from portal.identity.demo_people import DEMO_STAFF_PASSWORD

    response = post_form(client, url, email=email, password=password or DEMO_STAFF_PASSWORD)
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    return client
