"""``flask --app portal portal audit verify``: check the audit log's hash chains."""

from __future__ import annotations

import click
import sqlalchemy as sa
from flask.cli import AppGroup

from portal.db import get_db

audit_cli = AppGroup("audit", help="The audit log: verify its hash chains.")


@audit_cli.command("verify")
@click.option("--municipality", "slug", default=None, help="Only this municipality's chain.")
def verify_command(slug: str | None) -> None:
    """Report every deleted, changed or moved row; exit with 1 if there is one.

    Prints each chain's head too: keep that line somewhere else (a log server) to see later
    that no rows were cut off the end."""
    from portal.audit.chain import verify
    from portal.municipalities.models import Municipality
    from portal.municipalities.service import get_by_slug

    with get_db().session_scope() as session:
        names = {m.id: m.slug for m in session.scalars(sa.select(Municipality))}
        chains = None
        if slug is not None:
            municipality = get_by_slug(session, slug)
            if municipality is None:
                raise click.ClickException(f"No municipality with the slug {slug!r}.")
            chains = [municipality.id]
        problems, summaries = verify(session, chains)
    for problem in problems:
        click.echo(f"{names.get(problem.chain, 'no municipality')}: {problem.text}")
    for summary in summaries:
        click.echo(f"{names.get(summary.chain, 'no municipality')}: {summary.rows} rows, head "
                   f"number {summary.head_seq}, hash {summary.head_hash}")
    if problems:
        raise click.ClickException(f"{len(problems)} problems in the audit log.")
    click.echo("The audit log is whole: every row is in its place and unchanged.")
