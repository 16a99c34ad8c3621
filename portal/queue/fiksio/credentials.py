"""Secrets come from the environment or from a file, never from the database.

An account stores references: ``env:NAME`` reads the environment variable NAME, and
``file:/path`` reads a file (a mounted secret, readable by the portal's user only).
"""

from __future__ import annotations

import os
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa


class SecretError(ValueError):
    """A secret reference that cannot be read; the message names it, never its value."""


def check_reference(reference: str) -> str:
    kind, _, where = reference.partition(":")
    if kind not in ("env", "file") or not where:
        raise SecretError(f"{reference!r}: write env:NAME or file:/path")
    return reference


def read_secret(reference: str) -> bytes:
    kind, _, where = check_reference(reference).partition(":")
    if kind == "env":
        value = os.environ.get(where)
        if not value:
            raise SecretError(f"the environment variable {where} is not set")
        return value.encode()
    try:
        return Path(where).read_bytes()
    except OSError as error:
        raise SecretError(f"the file {where} cannot be read ({error.strerror})") from None


def read_text(reference: str) -> str:
    return read_secret(reference).decode().strip()


def read_private_key(reference: str) -> rsa.RSAPrivateKey:
    """A PEM private key (PKCS#8 or PKCS#1), RSA: what Fiks IO and Maskinporten use."""
    try:
        key = serialization.load_pem_private_key(read_secret(reference), password=None)
    except ValueError:
        raise SecretError(f"{reference}: not a PEM private key without a password") from None
    if not isinstance(key, rsa.RSAPrivateKey):
        raise SecretError(f"{reference}: Fiks IO needs an RSA key")
    return key


def read_certificates(reference: str) -> list[x509.Certificate]:
    """A PEM certificate chain, the signer's own certificate first."""
    try:
        chain = x509.load_pem_x509_certificates(read_secret(reference))
    except ValueError:
        raise SecretError(f"{reference}: not a PEM certificate chain") from None
    return chain
