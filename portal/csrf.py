"""CSRF tokens as pages carry them: masked anew for every response (BREACH).

Pages are compressed (``portal.assets``), and a page can hold text a visitor sent next to
the CSRF token. Over TLS an attacker who can send a victim's browser to a page many times
and watch how long the compressed answers are can guess such a secret a character at a
time (BREACH). Flask-WTF's token (``generate_csrf``: the session's secret, signed with a
timestamp) is the same in every answer for a second at a time, which is all that takes.

So every response carries the token XOR a random pad of its own, the pad in front, in
URL-safe base64 (Django masks its token per response too): no two answers hold the same bytes.
A form, a header (``X-CSRFToken``) or Flask-WTF's own check get the token back with
``unmask``; ``CSRFProtect`` then checks it as it always has. A token that comes unmasked
(with its signature's dots) is passed on as it is: it is still checked, and a page never
holds one for an attacker to guess.
"""

from __future__ import annotations

import base64
import secrets

from flask import Flask, g
from flask_wtf import FlaskForm
from flask_wtf.csrf import CSRFProtect, generate_csrf, validate_csrf
from wtforms.csrf.core import CSRF

MASKED = "_portal_masked_csrf_token"


def masked_token() -> str:
    """This response's CSRF token: the same wherever the page shows it, new for the next."""
    masked = g.get(MASKED)
    if masked is None:
        token = generate_csrf().encode()
        pad = secrets.token_bytes(len(token))
        masked = base64.urlsafe_b64encode(pad + _xor(pad, token)).decode().rstrip("=")
        setattr(g, MASKED, masked)
    return masked


def unmask(sent: str | None) -> str | None:
    """The signed token inside a masked one. Anything that is not a masked token is given
    back as it came, for Flask-WTF to refuse it (or take it, if it is the token itself)."""
    if not sent or "." in sent:
        return sent
    try:  # binascii.Error and UnicodeDecodeError are ValueErrors
        both = base64.urlsafe_b64decode(sent + "=" * (-len(sent) % 4))
        if both and not len(both) % 2:
            return _xor(both[:len(both) // 2], both[len(both) // 2:]).decode("ascii")
    except ValueError:
        pass
    return sent


def _xor(pad: bytes, data: bytes) -> bytes:
    return (int.from_bytes(pad, "big") ^ int.from_bytes(data, "big")).to_bytes(len(data), "big")


class MaskedCSRFProtect(CSRFProtect):
    """Flask-WTF's protection of every POST, taking the token masked; templates'
    ``csrf_token()`` gives the masked one."""

    def init_app(self, app: Flask) -> None:
        super().init_app(app)
        app.jinja_env.globals["csrf_token"] = masked_token
        # Flask-WTF's context processor offers its own csrf_token; a later one wins.
        app.context_processor(lambda: {"csrf_token": masked_token})

    def _get_csrf_token(self) -> str | None:
        return unmask(super()._get_csrf_token())


class MaskedFormCSRF(CSRF):
    """A form's hidden csrf_token field, masked. ``CSRFProtect`` has checked the request
    before the view runs; where it did not (an exempt view), the form checks it here."""

    def generate_csrf_token(self, csrf_token_field) -> str:
        return masked_token()

    def validate_csrf_token(self, form, field) -> None:
        if g.get("csrf_valid", False):
            return
        validate_csrf(unmask(field.data))


class MaskedCSRFForm(FlaskForm):
    """The base of every form the portal renders: its CSRF token is masked per response."""

    class Meta:
        csrf_class = MaskedFormCSRF
