"""The receiving account's public certificate, from the Fiks IO account catalogue.

``GET /fiks-io/katalog/api/v1/kontoer/{kontoId}/offentligNokkel`` answers ``{"nokkel": PEM,
"validFrom", "validTo", …}`` (fiksio-katalog-api-v1.json); it needs no token. KS's clients
keep a certificate for ten minutes, so a new one is used soon after the receiver publishes
it. KS notes that the catalogue is a convenience: for true end-to-end encryption a
municipality may pin the certificate it got through its own channels (docs/fiks-io.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import httpx
from cryptography import x509

from portal import clock
from portal.queue.fiksio.protocol import PUBLIC_KEY_PATH

CACHE_TIME = timedelta(minutes=10)


class CatalogueError(RuntimeError):
    """No usable certificate for the account (the message says why)."""


@dataclass(frozen=True)
class _Cached:
    certificate: x509.Certificate
    fetched_at: datetime


def receiver_certificate(http: httpx.Client, api_url: str, account_id: str,
                         cache: dict) -> x509.Certificate:
    cached = cache.get(account_id)
    if cached and clock.utcnow() - cached.fetched_at < CACHE_TIME:
        return cached.certificate
    url = api_url + PUBLIC_KEY_PATH.format(account_id=account_id)
    try:
        response = http.get(url, headers={"Accept": "application/json"})
    except httpx.HTTPError as error:
        raise CatalogueError(f"the catalogue did not answer: {type(error).__name__}") from None
    if response.status_code == 404:
        raise CatalogueError(f"the account {account_id} has no public key in the catalogue")
    if response.status_code != 200:
        raise CatalogueError(f"the catalogue answered HTTP {response.status_code}")
    try:
        certificate = x509.load_pem_x509_certificate(response.json()["nokkel"].encode())
    except (KeyError, ValueError):
        raise CatalogueError("the catalogue's answer holds no PEM certificate") from None
    now = clock.utcnow()
    if not certificate.not_valid_before_utc <= now <= certificate.not_valid_after_utc:
        raise CatalogueError(f"the certificate of account {account_id} is not valid now")
    cache[account_id] = _Cached(certificate, now)
    return certificate
