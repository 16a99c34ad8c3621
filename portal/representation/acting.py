"""Whom the logged-in person acts for: themself, or a principal they represent now.

The choice is kept on the server-side session and checked again on every request through
``rules.principals_of``: when a representation is revoked or expires, the next page the
representative opens is theirs again, with a notice saying why.
"""

from __future__ import annotations

from flask import Flask, flash, g
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm import Session

from portal.identity.models import Person, SessionKind, UserSession
from portal.representation.models import Representation
from portal.representation.rules import principals_of

SELF = "self"


def choices(session: Session, person: Person, municipality_id: int,
            ) -> list[tuple[str, str, Representation | None]]:
    rows = [(SELF, _("Myself (%(name)s)", name=person.name), None)]
    for representation in principals_of(session, person, municipality_id):
        rows.append((str(representation.principal_person_id), representation.principal.name,
                     representation))
    return rows


def current_choice() -> str:
    row = current_user.row
    return str(row.acting_for_person_id) if row.acting_for_person_id else SELF


def switch(session: Session, row: UserSession, choice: str, offered) -> None:
    allowed = {key for key, _label, _rep in offered}
    if choice not in allowed:
        return
    row.acting_for_person_id = None if choice == SELF else int(choice)
    session.flush()


def acting_representation() -> Representation | None:
    """The representation the person acts through now (None: acting for themself)."""
    return g.get("acting_representation")


def _check_acting() -> None:
    """On every request: is the chosen principal still someone this person may act for?"""
    g.acting_representation = None
    municipality = g.get("municipality")  # only the municipality's pages (not static files)
    if municipality is None:
        return
    if not current_user.is_authenticated or current_user.kind != SessionKind.CITIZEN:
        return
    row = current_user.row
    if row.acting_for_person_id is None:
        return
    from portal.db import session

    current = {rep.principal_person_id: rep
               for rep in principals_of(session(), row.person, municipality.id)}
    representation = current.get(row.acting_for_person_id)
    if representation is None:
        name = row.acting_for.name if row.acting_for else ""
        row.acting_for_person_id = None
        flash(_("You can no longer act for %(name)s. The power of attorney has ended or is "
                "taken back. You now act for yourself.", name=name), "warning")
        session().flush()
        return
    g.acting_representation = representation


def init_app(app: Flask) -> None:
    app.before_request(_check_acting)
    from portal.representation.forms import BASIS_WORDS
    from portal.representation.service import last_day

    app.context_processor(lambda: {"acting_representation": acting_representation,
                                   "acts_for_others": acts_for_others,
                                   "basis_words_for": BASIS_WORDS.get,
                                   "last_day_of": last_day})


def acts_for_others() -> bool:
    """Whether the logged-in person may act for anyone now: only then does every page show
    whom they act for (everyone else always acts for themself)."""
    if g.get("acting_representation") is not None:
        return True
    if getattr(current_user, "may_represent", None) is False:
        return False  # the login's own query found no representation here (load_actor)
    if "may_act_for_others" not in g:
        from portal.db import session

        municipality = g.get("municipality")
        g.may_act_for_others = municipality is not None and bool(
            principals_of(session(), current_user.person, municipality.id))
    return g.may_act_for_others
