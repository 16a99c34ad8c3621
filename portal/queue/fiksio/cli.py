"""``flask --app portal portal set-fiks-io``: deliver a municipality's queue over Fiks IO."""

from __future__ import annotations

import tomllib
from pathlib import Path

import click
from flask.cli import with_appcontext

from portal.audit.service import record
from portal.db import get_db
from portal.municipalities.service import get_by_slug
from portal.queue.fiksio.accounts import AccountDataError, clear_account, set_account


@click.command("set-fiks-io")
@click.option("--municipality", "slug", required=True,
              help="The municipality's slug, as in /<slug>/.")
@click.option("--clear", is_flag=True, help="Stop delivering over Fiks IO.")
@click.argument("path", required=False,
                type=click.Path(exists=True, dir_okay=False, path_type=Path))
@with_appcontext
def set_fiks_io_command(slug: str, clear: bool, path: Path | None) -> None:
    """Deliver over Fiks IO with the [fiks_io] settings in PATH (see docs/fiks-io.md)."""
    if clear == bool(path):
        raise click.UsageError("Give either a settings file or --clear.")
    with get_db().session_scope() as session:
        municipality = get_by_slug(session, slug)
        if municipality is None:
            raise click.ClickException(f"There is no municipality with the slug {slug!r}.")
        if clear:
            clear_account(session, municipality.id)
            record(session, "municipality.fiks_io_cleared", municipality_id=municipality.id,
                   reason="from the command line")
            click.echo(f"{municipality.name} no longer delivers over Fiks IO.")
            return
        if municipality.webhook_url:
            raise click.ClickException("This municipality pushes to a webhook: one delivery "
                                       "path at a time (set-webhook --clear first).")
        try:
            data = tomllib.loads(path.read_text())
            account = set_account(session, municipality.id, data.get("fiks_io", data))
        except (tomllib.TOMLDecodeError, AccountDataError) as error:
            raise click.ClickException(f"{path.name}: {error}") from None
        record(session, "municipality.fiks_io_set", municipality_id=municipality.id,
               reason="from the command line")
        click.echo(f"{municipality.name} delivers over Fiks IO from account "
                   f"{account.account_id} to {account.receiver_account_id}.")
