"""Production refuses unsafe settings with one clear message each, and no traceback."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa

from portal.audit.models import AuditEvent
from portal.identity.demo_people import DEMO_STAFF_PASSWORD
from tests.support.flows import csrf_token

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
UNSAFE = {"PORTAL_ENV": "production", "PORTAL_SECRET_KEY": "a" * 32,
          "PORTAL_DATA_KEY": "a" * 32 + " ", "PORTAL_HSTS": "0",
          "PORTAL_DATABASE_URL": "mysql://portal@db.internal/portal"}
EXPECTED = ("PORTAL_SECRET_KEY is too predictable", "PORTAL_DATA_KEY must be a secret of its own",
            "PORTAL_HSTS is off", "PORTAL_DATABASE_URL uses 'mysql'",
            "PORTAL_PUBLIC_URL must be the portal's https:// address",
            "PORTAL_RATELIMIT_STORAGE_URI is memory://")


def environ(**extra: str) -> dict[str, str]:
    clean = {k: v for k, v in os.environ.items()
             if not k.startswith("PORTAL_") and k != "WEB_CONCURRENCY"}
    return {**clean, **UNSAFE, **extra}


def assert_clear_refusal(result: subprocess.CompletedProcess) -> None:
    output = result.stdout + result.stderr
    assert result.returncode != 0
    for line in EXPECTED:
        assert line in output
    assert "Traceback" not in output
    # One line per problem, each starting with "- ".
    assert sum(1 for line in output.splitlines() if line.startswith("- ")) >= len(EXPECTED)


def test_the_command_line_prints_the_refusals_without_a_traceback(tmp_path):
    result = subprocess.run(  # noqa: S603 - our own flask, fixed arguments
        [str(BIN / "flask"), "--app", "portal", "portal", "migrate"], cwd=ROOT,
        env=environ(), capture_output=True, text=True, timeout=60, check=False)
    assert_clear_refusal(result)


def test_gunicorn_prints_the_refusals_without_a_traceback(tmp_path):
    result = subprocess.run(  # noqa: S603 - our own gunicorn, fixed arguments
        [str(BIN / "gunicorn"), "--workers", "1", "--bind", f"unix:{tmp_path / 'g.sock'}",
         "wsgi:app"], cwd=ROOT, env=environ(), capture_output=True, text=True, timeout=60,
        check=False)
    assert_clear_refusal(result)


def test_the_published_demo_password_logs_nobody_in_in_production(app, db_session):
    app.config["PORTAL_ENV"] = "production"  # the rest of the profile is not needed here
    client = app.test_client()
    page = client.get("/eksempel/ansatt/logg-inn").get_data(as_text=True)
    response = client.post("/eksempel/ansatt/logg-inn?lang=en", data={
        "csrf_token": csrf_token(page), "email": "admin@eksempel.example",
        "password": DEMO_STAFF_PASSWORD})
    assert response.status_code == 200
    assert "The e-mail address or password is wrong" in response.get_data(as_text=True)
    db_session.expire_all()
    reasons = db_session.scalars(sa.select(AuditEvent.reason).where(
        AuditEvent.action == "staff.login_failed")).all()
    assert "published demo password refused" in reasons
    assert client.get("/eksempel/ansatt/").status_code == 302  # still not logged in


@pytest.mark.parametrize("profile", ["development", "test"])
def test_the_demo_password_still_works_outside_production(app, profile):
    app.config["PORTAL_ENV"] = profile
    client = app.test_client()
    page = client.get("/eksempel/ansatt/logg-inn").get_data(as_text=True)
    response = client.post("/eksempel/ansatt/logg-inn", data={
        "csrf_token": csrf_token(page), "email": "admin@eksempel.example",
        "password": DEMO_STAFF_PASSWORD})
    assert response.status_code == 302
