"""Settings, read from PORTAL_* environment variables.

Three profiles: ``development`` (the default, what ``make run`` uses), ``test`` and
``production``. Production refuses to start with settings that would put citizens' data at
risk; every refusal names the setting to change.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from datetime import timedelta
from pathlib import Path
from typing import Any

import click

from portal import config_checks

PROJECT_ROOT = Path(__file__).resolve().parent.parent
PROFILES = ("development", "test", "production")


class UnsafeConfigurationError(click.ClickException):
    """Settings that must not be used. The message lists every problem.

    A ``ClickException``: ``flask --app portal …`` prints the message and stops, without a
    traceback (``wsgi.py`` does the same for gunicorn).
    """

    def __str__(self) -> str:
        return self.message


def _flag(value: str | None, default: bool) -> bool:
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _int(value: str | None, default: int) -> int:
    return default if value in (None, "") else int(value)


def _keys(value: str) -> list[str]:
    """Older data keys, comma-separated (random keys hold no commas), still readable."""
    return [key.strip() for key in value.split(",") if key.strip()]


def profile_defaults(profile: str, instance_path: Path) -> dict[str, Any]:
    """What each profile starts from before environment variables are applied."""
    production = profile == "production"
    return {
        "PORTAL_ENV": profile,
        "SECRET_KEY": None if production else f"{profile}-secret-key-not-for-production-use",
        # Encrypts identity numbers and keys their look-up hashes; never the same as SECRET_KEY.
        "DATA_KEY": None if production else f"{profile}-data-key-not-for-production-use",
        # Keys the data was encrypted with before PORTAL_DATA_KEY: readable while
        # ``portal rotate-data-key`` re-encrypts everything with the current key.
        "DATA_KEY_PREVIOUS": [],
        "DATABASE_URL": None if production else f"sqlite:///{instance_path / 'portal.db'}",
        "DEV_LOGIN_ENABLED": not production,
        "SESSION_COOKIE_SECURE": production,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        # __Host-: the browser takes the cookie only over HTTPS, for the whole site and this
        # host alone (no Domain), so a sibling sub-domain cannot set or overwrite it.
        "SESSION_COOKIE_NAME": "__Host-portal_session" if production else "portal_session",
        "PERMANENT_SESSION_LIFETIME": timedelta(hours=12),
        # The cookie is written when its contents change, not again on every page: it lives
        # as long as the longest session from the login that wrote it (load_settings), and
        # the idle and absolute timeouts are kept on the server (portal.identity.sessions).
        "SESSION_REFRESH_EACH_REQUEST": False,
        "PREFERRED_URL_SCHEME": "https" if production else "http",
        "MAX_CONTENT_LENGTH": 26 * 1024 * 1024,
        "WTF_CSRF_TIME_LIMIT": None,  # the token lives as long as the session
        "BABEL_DEFAULT_LOCALE": "nb",
        "BABEL_DEFAULT_TIMEZONE": "Europe/Oslo",
        "BABEL_TRANSLATION_DIRECTORIES": str(PROJECT_ROOT / "translations"),
        "RATELIMIT_STORAGE_URI": "memory://",
        "RATELIMIT_ENABLED": True,
        # memory:// counts in each process: production takes it only with one web process.
        "SINGLE_PROCESS": False,
        "WEB_CONCURRENCY": 0,  # gunicorn's own variable, read to catch a contradiction
        # How many reverse proxies in front of the portal set X-Forwarded-For/-Proto; 0:
        # none, the client's address is the connection's (see portal.security).
        "TRUSTED_PROXIES": 0,
        "HSTS_ENABLED": production,
        "WORKER_POLL_SECONDS": 2,
        # Sessions: logged out after 20 idle minutes, and after 12 hours whatever happens.
        "SESSION_IDLE_SECONDS": 20 * 60,
        "SESSION_ABSOLUTE_SECONDS": 12 * 3600,
        "SESSION_WARNING_SECONDS": 2 * 60,
        "IDPORTEN_DISCOVERY_URL": None,
        "IDPORTEN_CLIENT_ID": None,
        "IDPORTEN_CLIENT_SECRET": None,
        "IDPORTEN_ACR_VALUES": "idporten-loa-substantial",
        # Synthetic identity numbers (Tenor test data) are for testing only.
        "ALLOW_SYNTHETIC_NIN": not production,
        "STAFF_LOGIN_RATE_LIMIT": "10 per minute",
        # The portal's address as citizens see it, for links in e-mails sent by the worker.
        # In development, the port `make run` serves on (PORT=8000 make run).
        "PUBLIC_URL": None if production else f"http://127.0.0.1:{_development_port()}",
        "DRAFT_LIFETIME_DAYS": 30,
        "WEBHOOK_TIMEOUT_SECONDS": 10.0,  # one request's budget; a lease lasts twice as long
        "WEBHOOK_BATCH": 10,  # messages pushed per municipality per worker round
        # KS Fiks IO (portal/queue/fiksio, docs/fiks-io.md): KS's production hosts by default;
        # nothing is sent until a municipality has a Fiks IO account (set-fiks-io).
        "FIKSIO_API_URL": "https://api.fiks.ks.no",
        "FIKSIO_AMQP_URL": "amqps://io.fiks.ks.no:5671",
        "MASKINPORTEN_TOKEN_URL": "https://maskinporten.no/token",
        "MASKINPORTEN_AUDIENCE": "https://maskinporten.no/",
        "FIKSIO_TIMEOUT_SECONDS": 10.0,
        "FIKSIO_TTL_SECONDS": 2 * 24 * 3600,  # Fiks IO's own default is 7 days
        "FIKSIO_BATCH": 10,
        # The undelivered-submission watch (portal/queue/watch.py): a message not acknowledged
        # within this many working days is listed for admins and in their daily e-mail.
        "UNDELIVERED_WORKING_DAYS": 2,
        "UNDELIVERED_DIGEST_HOUR": 7,  # Norwegian time; the digest goes once a day after it
        "ATTACHMENT_MAX_FILE_BYTES": 10 * 1024 * 1024,
        "ATTACHMENT_MAX_TOTAL_BYTES": 25 * 1024 * 1024,
        # Virus scanning of every upload (portal.documents.scanning): "clamd" or "none"
        # ("none" is refused in production). The address: unix:/path or tcp:host:port.
        "SCANNER": "clamd" if production else "none",
        "CLAMD_ADDRESS": "unix:/var/run/clamav/clamd.ctl",
        "SCANNER_TIMEOUT_SECONDS": 30.0,
        # Days a closed case's documents are kept once the back office has them all
        # (portal.retention); per kind with "kind=days", and per municipality in its file.
        "RETENTION_DAYS": {"default": 90},
        "MAIL_BACKEND": "file",
        "MAIL_DIRECTORY": None,  # the file backend's folder; None: instance/mail
        "MAIL_FROM": "ikke-svar@ip-portal.invalid",
        "SMTP_HOST": "127.0.0.1",
        "SMTP_PORT": 25,
        "SMTP_USERNAME": None,
        "SMTP_PASSWORD": None,
        "SMTP_STARTTLS": production,
        # SMS: "file" (development, tests), "none" (no SMS at all) or "http" (a gateway that
        # takes POST {"to", "text"} with a bearer token); see portal.notifications.sms.
        "SMS_BACKEND": "file",
        "SMS_DIRECTORY": None,  # the file backend's folder; None: instance/sms
        "SMS_GATEWAY_URL": None,
        "SMS_GATEWAY_TOKEN": None,
        "SMS_TIMEOUT_SECONDS": 10.0,
        # The status page without ID-porten (reference + tracking code), per address.
        "CASE_STATUS_RATE_LIMIT": "10 per minute;50 per hour",
        # Is this person the child's parent? "manual" (a caseworker checks) or "demo" (knows
        # the demo family; not in production). See portal.representation.checks.
        "PARENT_CHECK": "demo" if profile == "development" else "manual",
        "CONTACT_REGISTER": "none",  # portal.identity.contact_register (KRR would plug in)
        # Seconds a process keeps a municipality it has loaded (portal.municipalities.tenancy).
        "MUNICIPALITY_CACHE_SECONDS": 0 if profile == "test" else 30,
        # Seconds a process keeps a public page as rendered (portal.page_cache); off while
        # developing, so that a changed template shows at once.
        "PAGE_CACHE_SECONDS": 30 if profile == "production" else 0,
        "TESTING": profile == "test",
    }


# Environment variable → (setting, parser). Parsers turn the text of the variable into a value.
ENVIRONMENT = {
    "PORTAL_SECRET_KEY": ("SECRET_KEY", str),
    "PORTAL_DATA_KEY": ("DATA_KEY", str),
    "PORTAL_DATA_KEY_PREVIOUS": ("DATA_KEY_PREVIOUS", _keys),
    "PORTAL_DATABASE_URL": ("DATABASE_URL", str),
    "PORTAL_DEV_LOGIN": ("DEV_LOGIN_ENABLED", lambda v: _flag(v, False)),
    "PORTAL_SESSION_COOKIE_SECURE": ("SESSION_COOKIE_SECURE", lambda v: _flag(v, False)),
    "PORTAL_SERVER_NAME": ("SERVER_NAME", str),
    "PORTAL_MAX_CONTENT_LENGTH": ("MAX_CONTENT_LENGTH", lambda v: _int(v, 0)),
    "PORTAL_RATELIMIT_STORAGE_URI": ("RATELIMIT_STORAGE_URI", str),
    "PORTAL_HSTS": ("HSTS_ENABLED", lambda v: _flag(v, False)),
    "PORTAL_WORKER_POLL_SECONDS": ("WORKER_POLL_SECONDS", lambda v: _int(v, 2)),
    "PORTAL_SESSION_IDLE_SECONDS": ("SESSION_IDLE_SECONDS", lambda v: _int(v, 1200)),
    "PORTAL_SESSION_ABSOLUTE_SECONDS": ("SESSION_ABSOLUTE_SECONDS", lambda v: _int(v, 43200)),
    "PORTAL_IDPORTEN_DISCOVERY_URL": ("IDPORTEN_DISCOVERY_URL", str),
    "PORTAL_IDPORTEN_CLIENT_ID": ("IDPORTEN_CLIENT_ID", str),
    "PORTAL_IDPORTEN_CLIENT_SECRET": ("IDPORTEN_CLIENT_SECRET", str),
    "PORTAL_IDPORTEN_ACR_VALUES": ("IDPORTEN_ACR_VALUES", str),
    "PORTAL_STAFF_LOGIN_RATE_LIMIT": ("STAFF_LOGIN_RATE_LIMIT", str),
    "PORTAL_PUBLIC_URL": ("PUBLIC_URL", str),
    "PORTAL_DRAFT_LIFETIME_DAYS": ("DRAFT_LIFETIME_DAYS", lambda v: _int(v, 30)),
    "PORTAL_WEBHOOK_TIMEOUT_SECONDS": ("WEBHOOK_TIMEOUT_SECONDS", float),
    "PORTAL_WEBHOOK_BATCH": ("WEBHOOK_BATCH", lambda v: _int(v, 10)),
    "PORTAL_FIKSIO_API_URL": ("FIKSIO_API_URL", str),
    "PORTAL_FIKSIO_AMQP_URL": ("FIKSIO_AMQP_URL", str),
    "PORTAL_MASKINPORTEN_TOKEN_URL": ("MASKINPORTEN_TOKEN_URL", str),
    "PORTAL_MASKINPORTEN_AUDIENCE": ("MASKINPORTEN_AUDIENCE", str),
    "PORTAL_FIKSIO_TIMEOUT_SECONDS": ("FIKSIO_TIMEOUT_SECONDS", float),
    "PORTAL_FIKSIO_TTL_SECONDS": ("FIKSIO_TTL_SECONDS", lambda v: _int(v, 172800)),
    "PORTAL_FIKSIO_BATCH": ("FIKSIO_BATCH", lambda v: _int(v, 10)),
    "PORTAL_UNDELIVERED_WORKING_DAYS": ("UNDELIVERED_WORKING_DAYS", lambda v: _int(v, 2)),
    "PORTAL_UNDELIVERED_DIGEST_HOUR": ("UNDELIVERED_DIGEST_HOUR", lambda v: _int(v, 7)),
    "PORTAL_PARENT_CHECK": ("PARENT_CHECK", str),
    "PORTAL_CONTACT_REGISTER": ("CONTACT_REGISTER", str),
    "PORTAL_MUNICIPALITY_CACHE_SECONDS": ("MUNICIPALITY_CACHE_SECONDS", lambda v: _int(v, 30)),
    "PORTAL_PAGE_CACHE_SECONDS": ("PAGE_CACHE_SECONDS", lambda v: _int(v, 30)),
    "PORTAL_MAIL_BACKEND": ("MAIL_BACKEND", str),
    "PORTAL_MAIL_DIRECTORY": ("MAIL_DIRECTORY", str),
    "PORTAL_MAIL_FROM": ("MAIL_FROM", str),
    "PORTAL_SMTP_HOST": ("SMTP_HOST", str),
    "PORTAL_SMTP_PORT": ("SMTP_PORT", lambda v: _int(v, 25)),
    "PORTAL_SMTP_USERNAME": ("SMTP_USERNAME", str),
    "PORTAL_SMTP_PASSWORD": ("SMTP_PASSWORD", str),
    "PORTAL_SMTP_STARTTLS": ("SMTP_STARTTLS", lambda v: _flag(v, True)),
    "PORTAL_SMS_BACKEND": ("SMS_BACKEND", str),
    "PORTAL_SMS_DIRECTORY": ("SMS_DIRECTORY", str),
    "PORTAL_SMS_GATEWAY_URL": ("SMS_GATEWAY_URL", str),
    "PORTAL_SMS_GATEWAY_TOKEN": ("SMS_GATEWAY_TOKEN", str),
    "PORTAL_SMS_TIMEOUT_SECONDS": ("SMS_TIMEOUT_SECONDS", float),
    "PORTAL_CASE_STATUS_RATE_LIMIT": ("CASE_STATUS_RATE_LIMIT", str),
    "PORTAL_SINGLE_PROCESS": ("SINGLE_PROCESS", lambda v: _flag(v, False)),
    "WEB_CONCURRENCY": ("WEB_CONCURRENCY", lambda v: _int(v, 0)),
    "PORTAL_TRUSTED_PROXIES": ("TRUSTED_PROXIES", lambda v: _int(v, 0)),
    "PORTAL_SCANNER": ("SCANNER", str),
    "PORTAL_CLAMD_ADDRESS": ("CLAMD_ADDRESS", str),
    "PORTAL_SCANNER_TIMEOUT_SECONDS": ("SCANNER_TIMEOUT_SECONDS", float),
    "PORTAL_RETENTION_DAYS": ("RETENTION_DAYS", lambda v: parse_retention_days(v)),
}


def load_settings(
    environ: Mapping[str, str], instance_path: Path, overrides: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """Build the settings for one app: profile defaults, then environment, then overrides."""
    profile = environ.get("PORTAL_ENV", "development")
    if profile not in PROFILES:
        raise UnsafeConfigurationError(
            f"PORTAL_ENV must be one of {', '.join(PROFILES)}, not {profile!r}."
        )
    settings = profile_defaults(profile, instance_path)
    problems = []
    for variable, (name, parse) in ENVIRONMENT.items():
        if environ.get(variable, "") != "":
            try:
                settings[name] = parse(environ[variable])
            except ValueError as error:
                problems.append(f"{variable} cannot be read: {error}")
    settings.update(overrides or {})
    # The cookie is not written again on every page (SESSION_REFRESH_EACH_REQUEST): it must
    # outlive the longest session a login can have.
    settings["PERMANENT_SESSION_LIFETIME"] = max(
        settings["PERMANENT_SESSION_LIFETIME"],
        timedelta(seconds=settings["SESSION_ABSOLUTE_SECONDS"]))
    for problem in (config_checks.database_url_problem(settings["DATABASE_URL"]),
                    config_checks.scanner_problem(settings)):
        problems.extend([problem] if problem else [])
    if settings["PORTAL_ENV"] == "production":
        problems.extend(config_checks.production_problems(settings))
    if problems:
        raise UnsafeConfigurationError("Refusing to start:\n- " + "\n- ".join(problems))
    settings["DATABASE_URL"] = normalise_database_url(settings["DATABASE_URL"])
    return settings


def normalise_database_url(url: str | None) -> str | None:
    """Use the psycopg 3 driver for PostgreSQL URLs written the usual way."""
    if url and url.startswith(("postgres://", "postgresql://")):
        return "postgresql+psycopg://" + url.split("://", 1)[1]
    return url


def parse_retention_days(value: str) -> dict[str, int]:
    """"90" or "default=90,power_of_attorney=30": days per case kind, "default" for the rest."""
    days: dict[str, int] = {}
    for part in value.split(","):
        kind, _, number = part.strip().rpartition("=")
        number = int(number)
        if number < 1:
            raise ValueError("the number of days must be 1 or more")
        days[kind.strip() or "default"] = number
    return {"default": 90, **days}


def environment() -> Mapping[str, str]:
    """The process environment; a function so that tests can pass their own mapping."""
    return os.environ


def _development_port() -> str:
    port = os.environ.get("PORT", "")
    return port if port.isdigit() else "5000"
