"""Security headers and error pages.

The CSP allows no inline script or style at all: every page works without JavaScript and
styles come from files. See the OWASP Secure Headers Project for the choice of headers.
"""

from __future__ import annotations

from flask import Flask, Response, current_app, jsonify, render_template, request
from flask_babel import lazy_gettext as _l
from werkzeug.exceptions import HTTPException
from werkzeug.middleware.proxy_fix import ProxyFix

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        # Designsystemet draws some icons with data: URIs inside its CSS.
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
        "form-action 'self'",
    ]
)

ERROR_TEXTS = {
    400: (
        _l("Something went wrong with the request"),
        _l("Go back and try again. If you were filling in a form, your answers may have expired."),
    ),
    403: (
        _l("You do not have access to this page"),
        _l("If you think you should have access, contact the municipality."),
    ),
    404: (
        _l("We could not find the page"),
        _l("Check that the address is correct. The page may have been moved or deleted."),
    ),
    405: (
        _l("The page cannot be used like this"),
        _l("Go back and try again from the previous page."),
    ),
    413: (
        _l("The file is too large"),
        _l("Go back and choose a smaller file."),
    ),
    429: (
        _l("Too many attempts"),
        _l("Wait a few minutes and try again."),
    ),
    500: (
        _l("Sorry, something went wrong on our side"),
        _l("Your answers have not been lost if you saved them. Try again later."),
    ),
}


# Sent with every response that does not send its own (a view may set one of them itself).
SECURITY_HEADERS = (
    ("Content-Security-Policy", CONTENT_SECURITY_POLICY),
    ("X-Content-Type-Options", "nosniff"),
    ("X-Frame-Options", "DENY"),
    ("Referrer-Policy", "strict-origin-when-cross-origin"),
    ("Cross-Origin-Opener-Policy", "same-origin"),
    ("Permissions-Policy", "camera=(), microphone=(), geolocation=()"),
)
HSTS = ("Strict-Transport-Security", "max-age=63072000; includeSubDomains")


def set_security_headers(response: Response) -> Response:
    """Each header the response lacks, added in one pass: asked one by one (``setdefault``),
    each looked through every header again (make bench, «throughput»)."""
    headers = response.headers
    present = {name.lower() for name in headers.keys()}  # noqa: SIM118 - Headers, not a dict
    wanted = (*SECURITY_HEADERS, HSTS) if current_app.config["HSTS_ENABLED"] else SECURITY_HEADERS
    headers.extend([(name, value) for name, value in wanted if name.lower() not in present])
    if request.endpoint != "static" and "cache-control" not in present:
        # Pages may show personal data, and carry a CSRF token: never keep them in a cache.
        # A view that serves something public (the brand CSS) sets its own caching.
        headers["Cache-Control"] = "no-store"
    return response


def render_error(error: HTTPException):
    if request.path.startswith("/api/"):
        return api_problem(error)
    code = error.code or 500
    # A code without texts of its own keeps its status (a 409 is no server error).
    title, text = ERROR_TEXTS.get(code) or ERROR_TEXTS[400 if code < 500 else 500]
    response = current_app.make_response(
        (render_template("errors/error.html", code=code, title=title, text=text), code))
    _allow(error, response)
    return response


def _allow(error: HTTPException, response: Response) -> None:
    """A 405 says which methods the address does take (RFC 9110 § 15.5.6)."""
    methods = getattr(error, "valid_methods", None)
    if error.code == 405 and methods:
        response.headers["Allow"] = ", ".join(sorted(methods))


def api_problem(error: HTTPException):
    """API errors as RFC 9457 problem details, never an HTML page."""
    status = error.code or 500
    detail = getattr(error, "api_detail", None) or (
        error.description if status < 500 else "Internal error"
    )
    body = {"type": "about:blank", "title": error.name, "status": status, "detail": detail,
            **getattr(error, "api_extra", {})}
    response = jsonify(body)
    response.status_code = status
    response.mimetype = "application/problem+json"
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="ip-portal"'
    _allow(error, response)
    return response


def trust_proxies(app: Flask) -> None:
    """Behind PORTAL_TRUSTED_PROXIES reverse proxies, take the client's address and scheme
    from X-Forwarded-For and X-Forwarded-Proto, as set by those proxies only.

    Werkzeug's ProxyFix reads the given number of values from the right of each header: the
    ones our own proxies appended. A value a client sent itself further left is ignored, so
    it cannot choose the address the rate limits count. Without proxies (0) the headers are
    not read at all. The Host header is never trusted: links are made from PORTAL_PUBLIC_URL.
    """
    proxies = int(app.config.get("TRUSTED_PROXIES") or 0)
    if proxies > 0:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=0,
                                x_port=0, x_prefix=0)


def init_app(app: Flask) -> None:
    trust_proxies(app)
    app.after_request(set_security_headers)
    app.register_error_handler(HTTPException, render_error)
