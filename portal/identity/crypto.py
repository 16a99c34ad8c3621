"""Protecting identity numbers at rest: AES-GCM encryption plus a keyed hash for look-ups.

The database never holds an identity number in clear text. To find a person by number we
store HMAC-SHA256(number) under a separate key: equal numbers give equal hashes, but the hash
cannot be reversed by trying all 11-digit numbers without the key (a plain SHA-256 could,
since there are only about 10^9 valid numbers).
"""

from __future__ import annotations

import hashlib
import hmac
import os
from dataclasses import dataclass

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import Flask, current_app

NONCE_BYTES = 12


@dataclass(frozen=True)
class DataKeys:
    encryption: bytes
    lookup: bytes

    @classmethod
    def derive(cls, master: str) -> DataKeys:
        """Two independent keys from one master secret (HKDF, RFC 5869)."""
        return cls(_hkdf(master, b"portal encryption v1"), _hkdf(master, b"portal lookup v1"))

    def encrypt(self, plaintext: str, context: bytes) -> bytes:
        return self.encrypt_bytes(plaintext.encode(), context)

    def decrypt(self, blob: bytes, context: bytes) -> str:
        return self.decrypt_bytes(blob, context).decode()

    def encrypt_bytes(self, plaintext: bytes, context: bytes) -> bytes:
        nonce = os.urandom(NONCE_BYTES)
        return nonce + AESGCM(self.encryption).encrypt(nonce, plaintext, context)

    def decrypt_bytes(self, blob: bytes, context: bytes) -> bytes:
        nonce, ciphertext = blob[:NONCE_BYTES], blob[NONCE_BYTES:]
        return AESGCM(self.encryption).decrypt(nonce, ciphertext, context)

    def lookup_hash(self, value: str, context: bytes) -> str:
        return hmac.new(self.lookup, context + b":" + value.encode(), hashlib.sha256).hexdigest()


def _hkdf(master: str, info: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=info).derive(
        master.encode()
    )


def init_app(app: Flask) -> None:
    app.extensions["portal.keys"] = DataKeys.derive(app.config["DATA_KEY"])


def data_keys() -> DataKeys:
    return current_app.extensions["portal.keys"]
