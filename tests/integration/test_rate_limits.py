"""Staff login limits behind the reverse proxy the README recommends (issue 16, point 5).

Counted per account and real client address: someone guessing one account's password
through the proxy cannot lock out every colleague who comes through the same proxy.
"""

from __future__ import annotations

import pytest
from flask import Blueprint, Flask
from flask_limiter import Limiter

from portal import extensions
from portal.extensions import limiter
from tests.support.flows import csrf_token

LOGIN = "/eksempel/ansatt/logg-inn"
PROXY = "10.0.0.1"
ATTACKER, COLLEAGUE = "203.0.113.5", "198.51.100.7"
CASEWORKER, ADMIN = "saksbehandler@eksempel.example", "admin@eksempel.example"


def attempts(app, email: str, forwarded_for: str | None, count: int = 1) -> list[int]:
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = PROXY
    headers = {"X-Forwarded-For": forwarded_for} if forwarded_for else {}
    token = csrf_token(client.get(LOGIN, headers=headers).get_data(as_text=True))
    data = {"csrf_token": token, "email": email, "password": "wrong-password-123"}
    return [client.post(LOGIN, data=data, headers=headers).status_code for _ in range(count)]


def test_behind_a_trusted_proxy_each_account_and_address_has_its_own_count(app_factory):
    app = app_factory(TRUSTED_PROXIES=1, STAFF_LOGIN_RATE_LIMIT="3 per minute")
    assert attempts(app, CASEWORKER, ATTACKER, 4) == [200, 200, 200, 429]
    # The same proxy, other people: not locked out by the attacker.
    assert attempts(app, ADMIN, COLLEAGUE) == [200]
    assert attempts(app, CASEWORKER, COLLEAGUE) == [200]
    # The attacker's own next account has its own count too, but the first stays refused.
    assert attempts(app, CASEWORKER, ATTACKER) == [429]


def test_only_the_proxys_own_value_of_x_forwarded_for_counts(app_factory):
    """A client cannot pick a new address for each guess by sending the header itself: the
    proxy appends the real address, and only that last value is read."""
    app = app_factory(TRUSTED_PROXIES=1, STAFF_LOGIN_RATE_LIMIT="3 per minute")
    statuses = [attempts(app, CASEWORKER, f"192.0.2.{n}, {ATTACKER}")[0] for n in range(4)]
    assert statuses == [200, 200, 200, 429]


def test_without_trusted_proxies_x_forwarded_for_is_ignored(app_factory):
    app = app_factory(TRUSTED_PROXIES=0, STAFF_LOGIN_RATE_LIMIT="3 per minute")
    statuses = [attempts(app, CASEWORKER, f"192.0.2.{n}")[0] for n in range(4)]
    assert statuses == [200, 200, 200, 429]


def test_no_limiter_hook_runs_before_each_request_while_every_limit_is_on_its_view(app):
    """The hook looked for application, default and blueprint limits on every request (a
    tenth of an information page's time) and found none; the views' limits are checked by
    their own wrappers, as the tests above and test_case_status.py show."""
    assert limiter._check_request_limit not in app.before_request_funcs.get(None, [])


def test_an_app_with_rate_limits_turned_off_still_starts(app_factory):
    """RATELIMIT_ENABLED=False (the browser tests): Flask-Limiter adds no hook to drop."""
    app = app_factory(RATELIMIT_ENABLED=False)
    assert limiter._check_request_limit not in app.before_request_funcs.get(None, [])
    assert app.test_client().get("/eksempel/").status_code == 200


@pytest.mark.parametrize("declared", ["default", "blueprint"])
def test_the_hook_stays_when_there_are_limits_only_it_checks(monkeypatch, declared):
    bare = Flask(__name__)
    own = Limiter(key_func=lambda: "one address", storage_uri="memory://",
                  default_limits=["1 per minute"] if declared == "default" else [])
    pages = Blueprint("pages", __name__)
    pages.get("/")(lambda: "page")
    if declared == "blueprint":
        own.limit("1 per minute")(pages)
    bare.register_blueprint(pages)
    own.init_app(bare)
    monkeypatch.setattr(extensions, "limiter", own)
    extensions.drop_idle_limiter_hook(bare)
    assert own._check_request_limit in bare.before_request_funcs[None]
    client = bare.test_client()
    assert [client.get("/").status_code for _ in range(2)] == [200, 429]
