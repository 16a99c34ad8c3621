"""The settings a portal refuses to start with, each named with what to do instead.

``database_url_problem`` holds in every profile (an unsupported database cannot work);
``production_problems`` lists every unsafe production setting at once, one line each, so that
one restart fixes them all. ``portal.config`` raises them as ``UnsafeConfigurationError``,
which the command line and ``wsgi.py`` print as a message, without a traceback.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping
from difflib import SequenceMatcher
from itertools import pairwise
from typing import Any
from urllib.parse import urlsplit

MIN_SECRET_LENGTH = 32
# A secret's strength, estimated as its length times the Shannon entropy of its characters.
# 128 bits is the strength of the AES keys derived from it (NSM Grunnprinsipper for
# IKT-sikkerhet 2.0, 2.7: use strong cryptography). A secret made with
# ``python3 -c "import secrets; print(secrets.token_urlsafe(32))"`` estimates at about 210.
MIN_SECRET_BITS = 128
# Secrets that appear in this repository, in examples or in the development profile. A
# production deployment that uses one of them has, in effect, a public secret.
KNOWN_DEFAULT_SECRETS = frozenset({
    "development-secret-key-not-for-production-use",
    "test-secret-key-not-for-production-use",
    "change-me",
    "secret",
})
SUPPORTED_DATABASES = ("postgresql", "postgresql+psycopg", "postgres", "sqlite")
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "::1", "localhost"})
GENERATE = 'python3 -c "import secrets; print(secrets.token_urlsafe(32))"'


def scanner_problem(settings: Mapping[str, Any]) -> str | None:
    """In every profile: a scanner the portal knows (production: only clamd, below)."""
    if settings.get("SCANNER") in ("clamd", "none"):
        return None
    return f"PORTAL_SCANNER must be clamd or none, not {settings.get('SCANNER')!r}."


def database_url_problem(url: str | None) -> str | None:
    """Only PostgreSQL (production) and SQLite (development, tests) are supported."""
    if not url:
        return None
    scheme = url.split("://", 1)[0].lower() if "://" in url else ""
    if scheme in SUPPORTED_DATABASES:
        return None
    shown = scheme or url[:20]
    return (f"PORTAL_DATABASE_URL uses {shown!r}, which the portal does not support: use "
            f"postgresql://… (production) or sqlite:///… (development).")


def production_problems(settings: Mapping[str, Any]) -> list[str]:
    """Every unsafe production setting, one sentence each."""
    return [
        *_secret_problems(settings),
        *_login_problems(settings),
        *_transport_problems(settings),
        *_channel_problems(settings),
        *_process_problems(settings),
    ]


# --- Secrets ---------------------------------------------------------------------------------

def _secret_problems(settings: Mapping[str, Any]) -> list[str]:
    secret_key, data_key = settings.get("SECRET_KEY") or "", settings.get("DATA_KEY") or ""
    problems = [problem for variable, secret in (("PORTAL_SECRET_KEY", secret_key),
                                                 ("PORTAL_DATA_KEY", data_key))
                if (problem := secret_problem(variable, secret))]
    if secret_key and data_key and too_alike(secret_key, data_key):
        problems.append("PORTAL_DATA_KEY must be a secret of its own, not PORTAL_SECRET_KEY "
                        "or a variant of it.")
    for previous in settings.get("DATA_KEY_PREVIOUS") or ():
        if secret_key and too_alike(secret_key, previous):
            problems.append("PORTAL_DATA_KEY_PREVIOUS must not hold PORTAL_SECRET_KEY or a "
                            "variant of it.")
    return problems


def secret_problem(variable: str, secret: str) -> str | None:
    if not secret or secret in KNOWN_DEFAULT_SECRETS or "not-for-production" in secret:
        return f"{variable} is missing or a default value: set a random secret ({GENERATE})."
    if len(secret) < MIN_SECRET_LENGTH:
        return (f"{variable} is too short: use at least {MIN_SECRET_LENGTH} random "
                f"characters ({GENERATE}).")
    if estimated_bits(secret) < MIN_SECRET_BITS or _is_patterned(secret):
        return (f"{variable} is too predictable (repeated or ordered characters, or too few "
                f"different ones): use a random secret ({GENERATE}).")
    return None


def estimated_bits(secret: str) -> float:
    """Length × the Shannon entropy of the secret's characters: 0 for 'aaaa…'."""
    counts, length = Counter(secret), len(secret)
    per_character = -sum(n / length * math.log2(n / length) for n in counts.values())
    return length * per_character


def _is_patterned(secret: str) -> bool:
    """A repeated unit ('abcdefgh' × 6) or a run of neighbouring characters ('abcdef…')."""
    length = len(secret)
    if any(secret == secret[:period] * (length // period) + secret[:length % period]
           for period in range(1, length // 2 + 1)):
        return True
    steps = [ord(b) - ord(a) for a, b in pairwise(secret)]
    return sum(1 for step in steps if abs(step) == 1) > len(steps) / 2


def too_alike(first: str, second: str) -> bool:
    """The same secret, or one with a small change (a space, a suffix, other case)."""
    a, b = first.strip().casefold(), second.strip().casefold()
    return a == b or a in b or b in a or SequenceMatcher(None, a, b).ratio() >= 0.8


# --- Logins, cookies, transport --------------------------------------------------------------

def _login_problems(settings: Mapping[str, Any]) -> list[str]:
    problems = []
    if settings.get("ALLOW_SYNTHETIC_NIN"):
        problems.append("Synthetic identity numbers are for testing only: not in production.")
    if settings.get("DEV_LOGIN_ENABLED"):
        problems.append("PORTAL_DEV_LOGIN is on: the development login (TestID) must be off.")
    if settings.get("PARENT_CHECK") != "manual":
        problems.append("PORTAL_PARENT_CHECK must be manual: the demo check knows only the demo "
                        "family.")
    discovery = settings.get("IDPORTEN_DISCOVERY_URL") or ""
    if discovery and not discovery.startswith("https://"):
        problems.append("PORTAL_IDPORTEN_DISCOVERY_URL must be an https:// address: ID-porten's "
                        "keys and endpoints must not be read over plain HTTP.")
    return problems


def _transport_problems(settings: Mapping[str, Any]) -> list[str]:
    problems = []
    url = settings.get("DATABASE_URL") or ""
    if not url:
        problems.append("PORTAL_DATABASE_URL is missing: set a PostgreSQL URL.")
    elif url.startswith("sqlite"):
        problems.append("PORTAL_DATABASE_URL points to SQLite: production needs PostgreSQL.")
    if not settings.get("SESSION_COOKIE_SECURE"):
        problems.append(
            "PORTAL_SESSION_COOKIE_SECURE is off: cookies must be sent over HTTPS only."
        )
    if not settings.get("HSTS_ENABLED"):
        problems.append("PORTAL_HSTS is off: browsers must be told to use HTTPS only "
                        "(Strict-Transport-Security).")
    public_url = settings.get("PUBLIC_URL") or ""
    if not public_url.startswith("https://") or not urlsplit(public_url).hostname:
        problems.append("PORTAL_PUBLIC_URL must be the portal's https:// address (links in "
                        "e-mail and in the back-office API are made from it).")
    return problems


def _channel_problems(settings: Mapping[str, Any]) -> list[str]:
    problems = []
    if settings.get("MAIL_BACKEND") != "smtp":
        problems.append("PORTAL_MAIL_BACKEND must be smtp: e-mail written to files never arrives.")
    elif (not settings.get("SMTP_STARTTLS")
          and settings.get("SMTP_HOST") not in LOOPBACK_HOSTS):
        problems.append("PORTAL_SMTP_STARTTLS is off: mail to another machine must be sent "
                        "over TLS (a relay on this machine, 127.0.0.1, may go without).")
    problems.extend(_sms_problems(settings))
    problems.extend(_fiks_io_problems(settings))
    if settings.get("SCANNER") != "clamd":
        problems.append("PORTAL_SCANNER must be clamd: every uploaded file is scanned for "
                        "viruses before it is stored.")
    return problems


def _sms_problems(settings: Mapping[str, Any]) -> list[str]:
    backend = settings.get("SMS_BACKEND")
    if backend not in ("http", "none"):
        return ["PORTAL_SMS_BACKEND must be http or none: SMS written to files never arrive."]
    if backend == "none":
        return []
    problems = []
    if not (settings.get("SMS_GATEWAY_URL") or "").startswith("https://"):
        problems.append("PORTAL_SMS_GATEWAY_URL must be an https:// address for the http backend.")
    if not settings.get("SMS_GATEWAY_TOKEN"):
        problems.append("PORTAL_SMS_GATEWAY_TOKEN is missing: the SMS gateway needs its token.")
    return problems


def _process_problems(settings: Mapping[str, Any]) -> list[str]:
    """Rate limits counted in memory hold only if one process counts them all."""
    if not str(settings.get("RATELIMIT_STORAGE_URI", "")).startswith("memory://"):
        return []
    processes = settings.get("WEB_CONCURRENCY") or 0
    if not settings.get("SINGLE_PROCESS"):
        return ["PORTAL_RATELIMIT_STORAGE_URI is memory://, which each web process counts on "
                "its own: use redis://… with several processes, or set PORTAL_SINGLE_PROCESS=1 "
                "if exactly one web process runs (gunicorn --workers 1)."]
    if processes > 1:
        return [f"PORTAL_SINGLE_PROCESS is on, but WEB_CONCURRENCY asks gunicorn for {processes} "
                f"processes: use redis://… for PORTAL_RATELIMIT_STORAGE_URI."]
    return []


def _fiks_io_problems(settings: Mapping[str, Any]) -> list[str]:
    """Fiks IO and Maskinporten over TLS only; AMQP credentials come from the integration and
    a Maskinporten token (portal.queue.fiksio.receipts), never from the URL."""
    problems = []
    for variable, name in (("PORTAL_FIKSIO_API_URL", "FIKSIO_API_URL"),
                           ("PORTAL_MASKINPORTEN_TOKEN_URL", "MASKINPORTEN_TOKEN_URL")):
        if not str(settings.get(name) or "").startswith("https://"):
            problems.append(f"{variable} must be an https:// address.")
    amqp = urlsplit(str(settings.get("FIKSIO_AMQP_URL") or ""))
    if amqp.scheme != "amqps" or amqp.username or amqp.password:
        problems.append("PORTAL_FIKSIO_AMQP_URL must be an amqps:// address without a user "
                        "name or password.")
    return problems
