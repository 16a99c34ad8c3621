"""Languages: Norwegian Bokmål (default), Nynorsk and English.

The language is chosen with ``?lang=`` (the plain links on every page) and remembered in a
cookie. Without either, the page is in Bokmål, the municipality's default language.
"""

from __future__ import annotations

from functools import cache
from urllib.parse import quote, urlencode

from babel import Locale
from flask import Flask, Response, current_app, g, request
from flask_babel import force_locale, get_locale

LANGUAGES = {"nb": "Norsk (bokmål)", "nn": "Norsk (nynorsk)", "en": "English"}
DEFAULT_LANGUAGE = "nb"
LANGUAGE_COOKIE = "lang"
ONE_YEAR = 365 * 24 * 3600


def select_locale() -> Locale:
    for candidate in (request.args.get("lang"), request.cookies.get(LANGUAGE_COOKIE)):
        if candidate in LANGUAGES:
            return _locale(candidate)
    return _locale(DEFAULT_LANGUAGE)


@cache
def _locale(code: str) -> Locale:
    """One Locale per language: Flask-Babel parses a language code again on every request,
    and Babel looks for its data file on disk each time (make bench: a tenth of the start
    page's time). A Locale object is taken as it is.

    English is British English: dates as «1 December 2026» and a 24-hour clock, as a reader in
    Norway expects (US English would print «Dec 1, 2026, 11:08:29 PM»). Its texts are still
    the ``en`` catalogue (gettext looks for en_GB, then en)."""
    return Locale.parse("en_GB" if code == "en" else code)


def remember_language(response: Response) -> Response:
    chosen = request.args.get("lang")
    if chosen in LANGUAGES and chosen != request.cookies.get(LANGUAGE_COOKIE):
        response.set_cookie(
            LANGUAGE_COOKIE,
            chosen,
            max_age=ONE_YEAR,
            secure=current_app.config["SESSION_COOKIE_SECURE"],
            httponly=True,
            samesite="Lax",
        )
    return response


def url_in_language(code: str) -> str:
    """The current page's URL with ``lang`` set: the target of the language links."""
    args = [(key, value) for key, value in request.args.items(multi=True) if key != "lang"]
    args.append(("lang", code))
    # request.path is decoded: encode it again, so that whatever the path held (a refused
    # request's NUL byte, a space) is a valid link on the error page too.
    return f"{quote(request.path)}?{urlencode(args)}"


def current_language() -> str:
    if "language" not in g:
        locale = get_locale()
        g.language = locale.language if locale else DEFAULT_LANGUAGE
    return g.language


def init_app(app: Flask) -> None:
    app.after_request(remember_language)
    app.jinja_env.globals.update(
        LANGUAGES=LANGUAGES, url_in_language=url_in_language, current_language=current_language
    )


def in_language(code: str):
    """Texts, dates and numbers in one language for a while (a receipt, an e-mail), with the
    same locale a page in that language has (English is British English)."""
    return force_locale(_locale(code if code in LANGUAGES else DEFAULT_LANGUAGE))
