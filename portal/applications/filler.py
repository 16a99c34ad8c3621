"""Who fills in a form on the step pages: a citizen who is logged in, or service-desk staff
for the person present at the desk (``portal.desk``). The draft is the person's, and so is
the submission; the desk's staff member and visit are recorded beside it (channel ``desk``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from flask import g, url_for
from flask_login import current_user

from portal.identity.models import Person


@dataclass(frozen=True)
class Filler:
    person: Person  # whose draft, and the submission's sender
    channel: str = "web"
    staff_user_id: int | None = None
    desk_visit_id: int | None = None
    endpoints: str | None = None  # the blueprint of every page for this filler (the desk)
    url_values: dict = field(default_factory=dict)  # e.g. the desk visit's id

    @property
    def at_desk(self) -> bool:
        return self.channel == "desk"


def current_filler() -> Filler:
    filler = g.get("filler")
    return filler if filler is not None else Filler(person=current_user.person)


def fill_for(filler: Filler) -> None:
    """Used by the desk's pages: the step pages now fill in for the person at the desk."""
    g.filler = filler


def filler_url(endpoint: str, citizen_pages: str = "applications", **values) -> str:
    """The URL of a page for whoever fills in: the citizen's own pages (``citizen_pages`` is
    their blueprint), or the desk's pages for the visit."""
    filler = current_filler()
    pages = filler.endpoints or citizen_pages
    return url_for(f"{pages}.{endpoint}", **filler.url_values, **values)
