"""``flask --app portal portal create-staff``: the first admin of a municipality, and others.

Messages are in English, like the other operations commands: they are for whoever runs the
server, not for citizens.
"""

from __future__ import annotations

import sys

import click
from flask.cli import with_appcontext

from portal.audit.service import record
from portal.db import get_db
from portal.identity import staff as accounts
from portal.identity.models import StaffRole
from portal.municipalities.service import get_by_slug

ERRORS = {
    accounts.INVALID_EMAIL: "{email!r} is not a valid e-mail address.",
    accounts.DUPLICATE_EMAIL: "{municipality} already has a staff account with {email}.",
    accounts.TOO_SHORT: f"The password is too short: use at least "
                        f"{accounts.MIN_PASSWORD_LENGTH} characters.",
    accounts.TOO_LONG: f"The password is too long: use at most "
                       f"{accounts.MAX_PASSWORD_LENGTH} characters.",
}


@click.command("create-staff")
@click.option("--municipality", "slug", required=True,
              help="The municipality's slug, as in /<slug>/.")
@click.option("--email", required=True, help="The e-mail address they log in with.")
@click.option("--name", required=True, help="Their full name.")
@click.option("--role", type=click.Choice([role.value for role in StaffRole]), required=True)
@click.option("--password-stdin", is_flag=True,
              help="Read the password from the first line of standard input instead of asking.")
@click.option("--must-change-password", is_flag=True,
              help="Make them choose a new password when they first log in.")
@with_appcontext
def create_staff_command(slug: str, email: str, name: str, role: str, password_stdin: bool,
                         must_change_password: bool) -> None:
    """Create a staff account (desk, caseworker or admin) in a municipality."""
    password = _read_password() if password_stdin else click.prompt(
        "Password", hide_input=True, confirmation_prompt=True
    )
    with get_db().session_scope() as session:
        municipality = get_by_slug(session, slug)
        if municipality is None:
            raise click.ClickException(f"There is no municipality with the slug {slug!r}.")
        if not name.strip():
            raise click.ClickException("The name is empty.")
        try:
            staff = accounts.create_staff(session, municipality_id=municipality.id, email=email,
                                          name=name, role=StaffRole(role), password=password)
        except accounts.StaffAccountError as error:
            message = ERRORS.get(str(error), str(error))
            raise click.ClickException(
                message.format(email=email, municipality=municipality.name)
            ) from None
        staff.must_change_password = must_change_password
        record(session, "staff.created", municipality_id=municipality.id,
               target=f"staff_user:{staff.id}", reason=f"role {staff.role}, from the command line")
        click.echo(f"Created {staff.role} {staff.email} in {municipality.name}.")


def _read_password() -> str:
    password = sys.stdin.readline().rstrip("\r\n")
    if not password:
        raise click.ClickException("No password on standard input.")
    return password
