"""Staff login limits behind the reverse proxy the README recommends (issue 16, point 5).

Counted per account and real client address: someone guessing one account's password
through the proxy cannot lock out every colleague who comes through the same proxy.
"""

from __future__ import annotations

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
