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
