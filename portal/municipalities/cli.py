"""``flask --app portal portal digital-submission``: close or open digital submission."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from portal.db import get_db


@click.command("digital-submission")
@click.option("--municipality", "slug", required=True, help="The municipality's slug.")
@click.option("--close/--open", "close", required=True,
              help="Close digital submission for now, or open it again.")
@click.option("--message-nb", default="", help="Why, and until when (Bokmål).")
@click.option("--message-nn", default="", help="The same in Nynorsk.")
@click.option("--message-en", default="", help="The same in English.")
@with_appcontext
def digital_submission_command(slug: str, close: bool, message_nb: str, message_nn: str,
                               message_en: str) -> None:
    """Citizens are told to apply on paper or at the desk while it is closed; the service
    desk's own submissions keep working."""
    from portal.municipalities.service import get_by_slug
    from portal.municipalities.tenancy import forget_municipality

    message = {"nb": message_nb, "nn": message_nn, "en": message_en}
    if close and not all(message.values()):
        raise click.ClickException("Give the message in nb, nn and en.")
    with get_db().session_scope() as session:
        municipality = get_by_slug(session, slug)
        if municipality is None:
            raise click.ClickException(f"No municipality with the slug {slug!r}.")
        municipality.digital_submission_closed = close
        municipality.digital_closed_message = message if close else None
    forget_municipality(slug)
    click.echo(f"Digital submission is {'closed' if close else 'open'} in {municipality.name}.")
