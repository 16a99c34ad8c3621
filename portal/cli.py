"""``flask --app portal portal …``: set-up and operations commands."""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from portal.db import get_db

portal_cli = AppGroup("portal", help="IP-portal: database, demo data, worker.")


@portal_cli.command("migrate")
def migrate_command() -> None:
    """Apply the database migrations (Alembic) up to the newest."""
    from portal.migrations import upgrade

    # Migration 0009 re-encrypts data stored before it, bound to its rows: it needs the key.
    upgrade(get_db().engine, data_key=current_app.config["DATA_KEY"])
    click.echo("Database is up to date.")


@portal_cli.command("rotate-data-key")
@click.option("--batch", type=click.IntRange(1, 10_000), default=None,
              help="Rows per transaction (default: 200; 20 receipts, 10 attachments).")
def rotate_data_key_command(batch: int | None) -> None:
    """Re-encrypt every stored ciphertext with PORTAL_DATA_KEY (older keys in
    PORTAL_DATA_KEY_PREVIOUS are read meanwhile). Safe to stop and run again."""
    from portal.identity.crypto import data_keys
    from portal.identity.key_rotation import rotate

    unreadable = 0
    for column, outcome in rotate(get_db(), data_keys(), batch=batch):
        click.echo(f"{column.name}: {outcome.re_encrypted} re-encrypted, "
                   f"{outcome.current} already under the current key"
                   + (f", {len(outcome.unreadable)} unreadable (ids "
                      f"{', '.join(map(str, outcome.unreadable[:20]))})"
                      if outcome.unreadable else ""))
        unreadable += len(outcome.unreadable)
    if unreadable:
        raise click.ClickException(
            f"{unreadable} ciphertexts could not be read with PORTAL_DATA_KEY or "
            "PORTAL_DATA_KEY_PREVIOUS: add the key they were made with and run this again.")
    click.echo("Every ciphertext is under the current key: PORTAL_DATA_KEY_PREVIOUS can go.")


@portal_cli.command("make-migration")
@click.argument("message")
def make_migration_command(message: str) -> None:
    """Write a new migration from the difference between the models and the database."""
    from portal.migrations import make_revision

    make_revision(get_db().engine, message)


@portal_cli.command("import-municipality")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def import_municipality_command(path: Path) -> None:
    """Create or update a municipality from a TOML file (see portal/demo/eksempel.toml)."""
    from portal.municipalities.service import MunicipalityDataError, import_municipality_file

    try:
        with get_db().session_scope() as session:
            municipality = import_municipality_file(session, path)
            click.echo(f"Imported {municipality.name} at /{municipality.slug}/")
    except MunicipalityDataError as error:
        raise click.ClickException(str(error)) from error


@portal_cli.command("load-demo")
def load_demo_command() -> None:
    """Load the fictional demo municipality, Eksempel kommune (safe to run again)."""
    from portal.demo.loader import load_demo

    if current_app.config["PORTAL_ENV"] == "production":
        raise click.ClickException("Demo data is not loaded in production.")
    with get_db().session_scope() as session:
        summary = load_demo(session)
    click.echo(summary)


@portal_cli.command("worker")
@click.option("--once", is_flag=True, help="Run every job once, then stop.")
def worker_command(once: bool) -> None:
    """Run the background worker until stopped (SIGTERM or Ctrl+C); see python -m portal.queue."""
    from portal.queue.worker import serve

    serve(current_app._get_current_object(), once=once)


from portal.audit.cli import audit_cli  # noqa: E402
from portal.identity.cli import create_staff_command  # noqa: E402
from portal.municipalities.cli import digital_submission_command  # noqa: E402
from portal.queue.cli import set_webhook_command  # noqa: E402
from portal.queue.fiksio.cli import set_fiks_io_command  # noqa: E402

portal_cli.add_command(create_staff_command)
portal_cli.add_command(set_webhook_command)
portal_cli.add_command(digital_submission_command)
portal_cli.add_command(set_fiks_io_command)
portal_cli.add_command(audit_cli)


@portal_cli.command("create-api-client")
@click.option("--municipality", "slug", required=True, help="The municipality's slug.")
@click.option("--name", required=True, help="Which system, e.g. 'DIPS'.")
@click.option("--scope", "scopes", multiple=True, required=True,
              type=click.Choice(["queue", "cases"]), help="queue and/or cases.")
def create_api_client_command(slug: str, name: str, scopes: tuple[str, ...]) -> None:
    """Create a back-office API client; its token is shown once."""
    from portal.api.clients import create_client
    from portal.municipalities.service import get_by_slug

    with get_db().session_scope() as session:
        municipality = get_by_slug(session, slug)
        if municipality is None:
            raise click.ClickException(f"No municipality with the slug {slug!r}.")
        client, token = create_client(session, municipality_id=municipality.id, name=name,
                                      scopes=list(scopes))
        click.echo(f"API client {client.name} (id {client.id}) for {municipality.name}.")
        click.echo(f"Token (shown once, store it safely): {token}")
