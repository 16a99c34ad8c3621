"""``flask --app portal portal set-webhook``: push a municipality's back-office queue.

Messages are in English, like the other operations commands: they are for whoever runs the
server, not for citizens.
"""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from portal.audit.service import record
from portal.db import get_db
from portal.identity.crypto import data_keys
from portal.municipalities.service import get_by_slug
from portal.queue.webhook import WebhookUrlError, clear_webhook, set_webhook


@click.command("set-webhook")
@click.option("--municipality", "slug", required=True,
              help="The municipality's slug, as in /<slug>/.")
@click.option("--url", help="The receiver's HTTPS address (see docs/webhook.md).")
@click.option("--clear", is_flag=True, help="Stop pushing; the back office uses the API.")
@with_appcontext
def set_webhook_command(slug: str, url: str | None, clear: bool) -> None:
    """Push the queue to a webhook and print its new signing secret (shown only once)."""
    if clear == bool(url):
        raise click.UsageError("Give either --url or --clear.")
    with get_db().session_scope() as session:
        municipality = get_by_slug(session, slug)
        if municipality is None:
            raise click.ClickException(f"There is no municipality with the slug {slug!r}.")
        if clear:
            clear_webhook(session, municipality)
            record(session, "municipality.webhook_cleared", municipality_id=municipality.id,
                   reason="from the command line")
            click.echo(f"{municipality.name} no longer pushes its queue to a webhook.")
            return
        try:
            secret = set_webhook(session, data_keys(), municipality, url)
        except WebhookUrlError as error:
            raise click.ClickException(f"{url!r}: {error}.") from None
        record(session, "municipality.webhook_set", municipality_id=municipality.id,
               reason="from the command line")
        click.echo(f"{municipality.name} pushes its queue to {municipality.webhook_url}")
    # After the commit: a secret is only shown for a webhook that was stored.
    click.echo(f"Signing secret (shown only once; store it with the receiver): {secret}")
