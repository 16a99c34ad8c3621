"""Setting a municipality's Fiks IO account: the command, the municipality file's [fiks_io]
table, and secrets that are only ever references."""

from __future__ import annotations

import tomllib

import pytest

from portal.municipalities.service import (
    MunicipalityDataError,
    get_by_slug,
    import_municipality,
)
from portal.queue.fiksio.accounts import find_account
from portal.queue.fiksio.cli import set_fiks_io_command
from portal.queue.webhook import set_webhook
from tests.integration.factories import municipality_data

SETTINGS = """
[fiks_io]
account_id = "7b0d3c1e-1111-4b7a-9d35-3a4d5c6e7f80"
integration_id = "7b0d3c1e-2222-4b7a-9d35-3a4d5c6e7f80"
integration_password_ref = "env:PORTAL_FIKSIO_PASSWORD_EKSEMPEL"
maskinporten_client_id = "0f9a-client"
signing_key_ref = "file:/run/secrets/virksomhet.key.pem"
signing_certificate_ref = "file:/run/secrets/virksomhet.chain.pem"
account_key_ref = "file:/run/secrets/konto.key.pem"
receiver_account_id = "7b0d3c1e-3333-4b7a-9d35-3a4d5c6e7f80"
"""


def test_the_command_stores_the_account_with_references_to_its_secrets(app, db_session,
                                                                        tmp_path):
    path = tmp_path / "fiks-io.toml"
    path.write_text(SETTINGS)
    runner = app.test_cli_runner()
    result = runner.invoke(set_fiks_io_command, ["--municipality", "eksempel", str(path)])
    assert result.exit_code == 0, result.output
    assert "delivers over Fiks IO from account 7b0d3c1e-1111" in result.output
    account = find_account(db_session, get_by_slug(db_session, "eksempel").id)
    assert account.integration_password_ref == "env:PORTAL_FIKSIO_PASSWORD_EKSEMPEL"
    assert account.enabled
    result = runner.invoke(set_fiks_io_command, ["--municipality", "eksempel", "--clear"])
    assert result.exit_code == 0, result.output
    db_session.expire_all()
    assert not find_account(db_session, get_by_slug(db_session, "eksempel").id).enabled


def test_the_command_refuses_a_secret_written_in_the_file(app, tmp_path):
    path = tmp_path / "fiks-io.toml"
    path.write_text(SETTINGS.replace('"env:PORTAL_FIKSIO_PASSWORD_EKSEMPEL"', '"hunter2"'))
    result = app.test_cli_runner().invoke(set_fiks_io_command,
                                          ["--municipality", "eksempel", str(path)])
    assert result.exit_code != 0
    assert "secrets are never written in the file itself" in result.output


def test_one_delivery_path_at_a_time(app, db_session, tmp_path):
    with app.app_context():
        set_webhook(db_session, app.extensions["portal.keys"],
                    get_by_slug(db_session, "eksempel"), "https://backoffice.example/hook")
    db_session.commit()
    path = tmp_path / "fiks-io.toml"
    path.write_text(SETTINGS)
    result = app.test_cli_runner().invoke(set_fiks_io_command,
                                          ["--municipality", "eksempel", str(path)])
    assert result.exit_code != 0
    assert "one delivery path at a time" in result.output


def test_the_municipality_file_may_hold_a_fiks_io_table(app, db_session):


    section = tomllib.loads(SETTINGS)["fiks_io"]
    with app.app_context():
        municipality = import_municipality(db_session, municipality_data(fiks_io=section))
        assert find_account(db_session, municipality.id).receiver_account_id == (
            "7b0d3c1e-3333-4b7a-9d35-3a4d5c6e7f80")
        with pytest.raises(MunicipalityDataError, match=r"fiks_io\.account_id: must be a UUID"):
            import_municipality(db_session, municipality_data(
                slug="annen", fiks_io={**section, "account_id": "x"}))
