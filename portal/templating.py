"""What every template can use: the municipality, its texts in the page's language, dates."""

from __future__ import annotations

from datetime import date

from flask import Flask, g, request
from flask_babel import format_date, format_datetime, format_decimal, format_time, ngettext
from flask_babel import gettext as _

from portal import clock
from portal.clock import utcnow
from portal.forms import choice_inputs
from portal.i18n import current_language
from portal.info.pages import PAGES, STATEMENTS
from portal.municipalities.service import localized


def _localized(text: dict[str, str] | None) -> str:
    return localized(text, current_language())


KILOBYTE = 1024  # as the upload limits count (10 MB is 10 × 1024 × 1024 bytes)


def file_size(size: int) -> str:
    """A file's size as people read it: bytes below 1 kB (never «0 kB»), then kB, then MB."""
    if size < KILOBYTE:
        return ngettext("%(num)d byte", "%(num)d bytes", size)
    if size < KILOBYTE * KILOBYTE:
        return _("%(size)s kB", size=format_decimal(round(size / KILOBYTE)))
    return _("%(size)s MB", size=format_decimal(round(size / KILOBYTE / KILOBYTE, 1)))


def _template_context() -> dict:
    return {"municipality": g.get("municipality"), "footer_pages": STATEMENTS, "info_pages": PAGES}


def this_page() -> str:
    """The page's own address, for a form that posts back to it. Written out, since a form
    without an action posts to the address with its #fragment (after an error-summary link,
    #field), and the answer then focuses that field instead of the new error summary."""
    return request.full_path.rstrip("?")


def filled_at_desk() -> bool:
    """Whether the page is one of the person's own, filled in by the service desk: its title
    says so, so that a desk's browser tab is never mistaken for the person's own page."""
    filler = g.get("filler")
    return filler is not None and filler.at_desk


def init_app(app: Flask) -> None:
    app.jinja_env.filters["localized"] = _localized
    app.jinja_env.filters["date"] = lambda value, style="long": format_date(value, style)
    app.jinja_env.filters["isodate"] = lambda value, style="long": format_date(
        date.fromisoformat(value), style)
    app.jinja_env.filters["time"] = lambda value, style="short": format_time(value, style)
    app.jinja_env.filters["datetime"] = lambda value, style="medium": format_datetime(value, style)
    app.jinja_env.filters["file_size"] = file_size
    app.jinja_env.globals["now_utc"] = utcnow
    app.jinja_env.globals["today"] = clock.today  # Norway's date
    app.jinja_env.globals["this_page"] = this_page
    app.jinja_env.globals["filled_at_desk"] = filled_at_desk
    app.jinja_env.globals["choice_inputs"] = choice_inputs  # the form kit's choice groups
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
    app.context_processor(_template_context)
