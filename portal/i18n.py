"""Languages: Norwegian Bokmål (default), Nynorsk and English.

The language is chosen with ``?lang=`` (the plain links on every page) and remembered in a
cookie. Without either, the page is in Bokmål, the municipality's default language.
"""

from __future__ import annotations

from functools import cache
from urllib.parse import quote, urlencode

from babel import Locale, support
from flask import Flask, Response, current_app, g, request
from flask_babel import Domain, force_locale, get_domain, get_locale
from jinja2 import pass_context
from jinja2.runtime import Context
from markupsafe import Markup
from wtforms.i18n import messages_path

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


def translations() -> support.Translations:
    """The catalogue of the page's language (or of a forced one: ``in_language``).

    What Flask-Babel's ``gettext`` finds too, found faster: Flask-Babel looks up the domain,
    the locale and the catalogue through its context object on every call, and names the
    locale again as a string for its cache key. A page calls it thirty times or more
    (make bench, «throughput»: a sixth of the information page's time)."""
    state = g.get("_flask_babel")
    locale = getattr(state, "babel_locale", None) or get_locale()
    domain = getattr(state, "babel_domain", None) or get_domain()
    return _catalogue(domain, locale)


@cache
def _catalogue(domain: Domain, locale: Locale) -> support.Translations:
    """Called with ``locale`` current: the domain's own cache then has its catalogue."""
    return domain.get_translations()


@cache
def _wtforms_catalogue(locale: Locale) -> support.Translations:
    return support.Translations.load(messages_path(), [locale], domain="wtforms")


def keep_wtforms_catalogue() -> None:
    """WTForms' own messages (a choice that is not one of the choices) in the page's language.

    Flask-WTF reads and parses WTForms' catalogue from disk again in every request that
    builds a form, and keeps it on the request as ``wtforms_translations``. Giving it the
    catalogue each process has read once is the same catalogue without the disk."""
    request.wtforms_translations = _wtforms_catalogue(get_locale())


def _install_template_gettext(app: Flask) -> None:
    """``_()`` and ``ngettext()`` in templates, as Flask-Babel installs them (newstyle: the
    variables are formatted after translation, escaped), through ``translations``."""
    app.jinja_env.install_gettext_callables(
        gettext=lambda text: translations().ugettext(text),
        ngettext=lambda singular, plural, n: translations().ungettext(singular, plural, n),
        pgettext=lambda context, text: translations().upgettext(context, text),
        npgettext=lambda context, singular, plural, n: translations().unpgettext(
            context, singular, plural, n),
        newstyle=True,
    )
    app.jinja_env.globals["_"] = template_gettext


@pass_context
def template_gettext(context: Context, text: str, **variables) -> str:
    """``_()`` in a template: what Jinja's newstyle ``gettext`` does, asked directly.

    Jinja's ``_`` looks ``gettext`` up in the template's context and calls it through the
    context, which calls our catalogue's function through the context again: three calls
    that each inspect their callee, for every text (a logged-in page has some thirty; make
    bench, «throughput»). Escaped like Jinja's: the translation is markup, the variables are
    not."""
    translated = translations().ugettext(text)
    if context.eval_ctx.autoescape:
        translated = Markup(translated)  # noqa: S704 - our own catalogue, as in Jinja
    return translated % variables  # formatted even without variables, as Jinja does


def init_app(app: Flask) -> None:
    """After Flask-Babel's ``init_app``: the template callables replace its own."""
    app.after_request(remember_language)
    app.before_request(keep_wtforms_catalogue)
    _install_template_gettext(app)
    app.jinja_env.globals.update(
        LANGUAGES=LANGUAGES, url_in_language=url_in_language, current_language=current_language
    )


def in_language(code: str):
    """Texts, dates and numbers in one language for a while (a receipt, an e-mail), with the
    same locale a page in that language has (English is British English)."""
    return force_locale(_locale(code if code in LANGUAGES else DEFAULT_LANGUAGE))
