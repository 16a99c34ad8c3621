import re

import pytest
from flask import abort

from portal import access


def test_pages_send_strict_security_headers(client):
    response = client.get("/eksempel/")
    csp = response.headers["Content-Security-Policy"]
    for directive in ("default-src 'self'", "script-src 'self'", "style-src 'self'",
                      "object-src 'none'", "base-uri 'none'", "frame-ancestors 'none'"):
        assert directive in csp
    assert "unsafe-inline" not in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert response.headers["Cache-Control"] == "no-store"
    assert "Strict-Transport-Security" not in response.headers  # only in production


def test_hsts_is_sent_when_enabled(app_factory):
    app = app_factory(HSTS_ENABLED=True)
    response = app.test_client().get("/eksempel/brand.css")
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")


def test_each_security_header_is_sent_once_and_a_views_own_is_kept(app_factory):
    app = app_factory(HSTS_ENABLED=True)

    @app.get("/own-headers")
    @access.public
    def own_headers():
        return "x", {"Content-Type": "text/plain", "X-Frame-Options": "SAMEORIGIN",
                     "Cache-Control": "public, max-age=60"}

    for path in ("/eksempel/", "/own-headers"):
        response = app.test_client().get(path)
        names = [name.lower() for name, _value in response.headers.items()]
        assert len(names) == len(set(names)), names
        for name in ("Content-Security-Policy", "X-Content-Type-Options", "Referrer-Policy",
                     "Cross-Origin-Opener-Policy", "Permissions-Policy",
                     "Strict-Transport-Security"):
            assert name in response.headers
    assert response.headers["X-Frame-Options"] == "SAMEORIGIN"
    assert response.headers["Cache-Control"] == "public, max-age=60"


def test_session_cookie_is_httponly_and_samesite_lax(client):
    response = client.get("/eksempel/tilbakemelding/nyttig")
    cookie = next(c for c in response.headers.getlist("Set-Cookie") if "portal_session" in c)
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie


def test_session_cookie_is_secure_when_configured(app_factory):
    app = app_factory(SESSION_COOKIE_SECURE=True)
    response = app.test_client().get("/eksempel/tilbakemelding/nyttig")
    cookie = next(c for c in response.headers.getlist("Set-Cookie") if "portal_session" in c)
    assert "Secure" in cookie


def test_post_without_csrf_token_is_refused(client):
    response = client.post("/eksempel/tilbakemelding/nyttig?lang=en", data={"useful": "yes"})
    assert response.status_code == 400
    assert "Something went wrong with the request" in response.get_data(as_text=True)


def test_too_large_request_gets_a_clear_413(failing_app):
    failing_app.config["MAX_CONTENT_LENGTH"] = 1000
    response = failing_app.test_client().post(
        "/eksempel/tilbakemelding/kommentar?lang=en", data={"comment": "x" * 5000}
    )
    assert response.status_code == 413
    assert "The file is too large" in response.get_data(as_text=True)


@pytest.fixture
def failing_app(app_factory):
    """An app with routes that fail on purpose, to see each error page."""
    app = app_factory(PROPAGATE_EXCEPTIONS=False)

    @app.get("/fail/<int:code>")
    @access.public
    def fail(code: int):
        if code == 500:
            raise RuntimeError("secret internal detail")
        abort(code)

    return app


@pytest.mark.parametrize("code", [400, 403, 404, 405, 413, 429, 500])
@pytest.mark.parametrize("language", ["nb", "nn", "en"])
def test_error_pages_are_translated_and_leak_nothing(failing_app, code, language):
    response = failing_app.test_client().get(f"/fail/{code}?lang={language}")
    page = response.get_data(as_text=True)
    assert response.status_code == code
    assert f'<html lang="{language}"' in page
    assert str(code) in page
    assert "secret internal detail" not in page
    assert "Traceback" not in page


def test_a_route_without_an_access_rule_is_closed(failing_app):
    @failing_app.get("/no-rule")
    def no_rule():
        return "should never be served"

    assert failing_app.test_client().get("/no-rule?lang=en").status_code == 403


def test_every_route_declares_an_access_rule(app):
    missing = [
        rule.rule
        for rule in app.url_map.iter_rules()
        if access.rule_of(rule.endpoint, app) is None
    ]
    assert missing == []


def test_method_not_allowed_gets_the_error_page(client):
    response = client.post("/eksempel/brand.css?lang=en")
    assert response.status_code == 405


# --- Issue 16: open redirects, links from the public address, the __Host- cookie -------------

OPEN_REDIRECTS = ["/%09/evil.example", "//evil.example", "/\\evil.example", "/%5Cevil.example",
                  "/%0a/evil.example", "https://evil.example", "/%2F%2Fevil.example"]


@pytest.mark.parametrize("target", OPEN_REDIRECTS)
def test_staff_login_never_redirects_to_another_host(client, target):
    from portal.identity.demo_people import DEMO_STAFF_PASSWORD
    from tests.support.flows import csrf_token

    page = client.get(f"/eksempel/ansatt/logg-inn?next={target}").get_data(as_text=True)
    response = client.post(f"/eksempel/ansatt/logg-inn?next={target}", data={
        "csrf_token": csrf_token(page), "email": "saksbehandler@eksempel.example",
        "password": DEMO_STAFF_PASSWORD})
    assert response.headers["Location"] == "/eksempel/ansatt/"


@pytest.mark.parametrize("target", OPEN_REDIRECTS)
def test_citizen_login_never_redirects_to_another_host(client, target):
    from tests.support.flows import csrf_token

    page = client.get(f"/eksempel/testid?next={target}").get_data(as_text=True)
    response = client.post(f"/eksempel/testid?next={target}",
                           data={"csrf_token": csrf_token(page), "person": "kari"})
    assert response.headers["Location"] == "/eksempel/"
    login = client.get(f"/eksempel/logg-inn?next={target}").get_data(as_text=True)
    [testid_link] = re.findall(r'href="(/eksempel/testid[^"]*)"', login)
    assert testid_link == "/eksempel/testid?next=/eksempel/"  # the default, not the target


def test_api_links_come_from_the_public_url_never_the_host_header(app, db_session):
    from portal.api.clients import create_client
    from portal.municipalities.service import get_by_slug
    from tests.support.apply import fill_application, send
    from tests.support.flows import log_in_with_testid

    citizen = app.test_client()
    log_in_with_testid(citizen, "kari")
    send(citizen, fill_application(citizen))
    _, token = create_client(db_session, municipality_id=get_by_slug(db_session, "eksempel").id,
                             name="DIPS", scopes=["queue"])
    db_session.commit()
    response = app.test_client().post(
        "/api/v1/queue/lease", json={}, base_url="http://evil.example",
        headers={"Authorization": f"Bearer {token}", "Host": "evil.example"})
    [message] = response.get_json()["messages"]
    link = message["links"]["receipt_pdf"]
    submission_id = message["submission"]["id"]
    assert link == f"{app.config['PUBLIC_URL']}/api/v1/submissions/{submission_id}/receipt.pdf"
    assert "evil.example" not in response.get_data(as_text=True)


def test_the_production_session_cookie_has_the_host_prefix(app_factory):
    from portal.config import load_settings
    from tests.unit.test_config import INSTANCE, SAFE_PRODUCTION

    production = load_settings(SAFE_PRODUCTION, INSTANCE)
    app = app_factory(SESSION_COOKIE_NAME=production["SESSION_COOKIE_NAME"],
                      SESSION_COOKIE_SECURE=production["SESSION_COOKIE_SECURE"],
                      SERVER_NAME="localhost")
    response = app.test_client().get("/eksempel/tilbakemelding/nyttig")
    [cookie] = [c for c in response.headers.getlist("Set-Cookie") if "portal_session" in c]
    # RFC 6265bis §4.1.3.2: __Host- cookies are Secure, have Path=/ and no Domain.
    assert cookie.startswith("__Host-portal_session=")
    attributes = [part.strip().lower() for part in cookie.split(";")[1:]]
    assert "secure" in attributes
    assert "path=/" in attributes
    assert not any(part.startswith("domain=") for part in attributes)
