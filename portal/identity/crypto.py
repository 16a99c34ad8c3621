"""Protecting personal data at rest: AES-GCM encryption plus a keyed hash for look-ups.

The database never holds an identity number, a payload or a file in clear text. To find a
person by number we store HMAC-SHA256(number) under a separate key: equal numbers give equal
hashes, but the hash cannot be reversed by trying all 11-digit numbers without the key (a
plain SHA-256 could, since there are only about 10^9 valid numbers).

Every ciphertext is bound to where it belongs. The associated data of AES-GCM names the
table, the column and the row (its id, its municipality, and the rows it belongs to that never
change, see ``row_context``): a payload copied from one case's row into another's does not
decrypt there, so it can never show under another person. Values that live in the cookie
session for a moment are bound to their purpose and the account they are for.

Every ciphertext also carries the id of the key it was made with (format ``v2``: one version
byte, four bytes of key id, a 12-byte nonce, then AES-GCM's output). ``PORTAL_DATA_KEY`` is
the key new data is encrypted with; ``PORTAL_DATA_KEY_PREVIOUS`` lists older keys that are
still read, while ``flask --app portal portal rotate-data-key`` re-encrypts everything with
the current key (portal.identity.key_rotation). Ciphertexts from before v2 were re-encrypted
by migration 0009, so nothing unbound is ever read.
"""

from __future__ import annotations

import hashlib
import hmac
import os
from collections.abc import Sequence
from dataclasses import dataclass

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import Flask, current_app

NONCE_BYTES = 12
KEY_ID_BYTES = 4
VERSION = b"\x02"
HEADER_BYTES = len(VERSION) + KEY_ID_BYTES
ASSOCIATED_DATA_PREFIX = b"ip-portal/v2|"


class UnreadableCiphertextError(InvalidTag):
    """Not a ciphertext of ours, or made with a key this process does not have."""


@dataclass(frozen=True)
class KeyMaterial:
    """The keys derived from one master secret (HKDF, RFC 5869), and the id that names it."""

    encryption: bytes
    lookup: bytes
    key_id: bytes

    @classmethod
    def derive(cls, master: str) -> KeyMaterial:
        return cls(_hkdf(master, b"portal encryption v1"), _hkdf(master, b"portal lookup v1"),
                   _hkdf(master, b"portal key id v1")[:KEY_ID_BYTES])


@dataclass(frozen=True)
class DataKeys:
    """The current data key, which encrypts, and the previous ones, which still decrypt."""

    current: KeyMaterial
    previous: tuple[KeyMaterial, ...] = ()

    @classmethod
    def derive(cls, master: str, previous: Sequence[str] = ()) -> DataKeys:
        return cls(KeyMaterial.derive(master),
                   tuple(KeyMaterial.derive(key) for key in previous if key != master))

    @property
    def encryption(self) -> bytes:  # the current key's, for code that only needs one
        return self.current.encryption

    def encrypt(self, plaintext: str, context: bytes) -> bytes:
        return self.encrypt_bytes(plaintext.encode(), context)

    def decrypt(self, blob: bytes, context: bytes) -> str:
        return self.decrypt_bytes(blob, context).decode()

    def encrypt_bytes(self, plaintext: bytes, context: bytes) -> bytes:
        key = self.current
        nonce = os.urandom(NONCE_BYTES)
        sealed = AESGCM(key.encryption).encrypt(nonce, plaintext, _associated(key, context))
        return VERSION + key.key_id + nonce + sealed

    def decrypt_bytes(self, blob: bytes, context: bytes) -> bytes:
        key = self._key_for(blob)
        nonce = blob[HEADER_BYTES:HEADER_BYTES + NONCE_BYTES]
        return AESGCM(key.encryption).decrypt(nonce, blob[HEADER_BYTES + NONCE_BYTES:],
                                              _associated(key, context))

    def is_current(self, blob: bytes | None) -> bool:
        """Made with the current key (nothing for ``rotate-data-key`` to do)."""
        return blob is not None and blob[:HEADER_BYTES] == VERSION + self.current.key_id

    def lookup_hash(self, value: str, context: bytes) -> str:
        """The keyed hash to store, under the current key."""
        return _lookup(self.current, value, context)

    def lookup_hashes(self, value: str, context: bytes) -> list[str]:
        """Every hash a stored row may have while keys rotate: the current key's first."""
        return [_lookup(key, value, context) for key in (self.current, *self.previous)]

    def _key_for(self, blob: bytes) -> KeyMaterial:
        if bytes(blob[:1]) == VERSION:
            key_id = bytes(blob[1:HEADER_BYTES])
            for key in (self.current, *self.previous):
                if key.key_id == key_id:
                    return key
        raise UnreadableCiphertextError("unknown ciphertext format or data key")


def row_context(table: str, column: str, row_id: object, **owners: object) -> bytes:
    """Associated data that binds a ciphertext to one row: its table, column and id, and the
    rows it belongs to that never change (municipality, case, owner)."""
    if row_id is None or any(value is None for value in owners.values()):
        raise ValueError(f"{table}.{column}: the row must be flushed before it is encrypted")
    parts = [f"{table}.{column}", f"id={row_id}",
             *(f"{name}={owners[name]}" for name in sorted(owners))]
    return "|".join(parts).encode()


def _associated(key: KeyMaterial, context: bytes) -> bytes:
    # The key id is part of the associated data: a header changed to name another key fails.
    return ASSOCIATED_DATA_PREFIX + key.key_id + b"|" + context


def _lookup(key: KeyMaterial, value: str, context: bytes) -> str:
    return hmac.new(key.lookup, context + b":" + value.encode(), hashlib.sha256).hexdigest()


def _hkdf(master: str, info: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=info).derive(
        master.encode()
    )


def init_app(app: Flask) -> None:
    app.extensions["portal.keys"] = DataKeys.derive(app.config["DATA_KEY"],
                                                    app.config.get("DATA_KEY_PREVIOUS") or ())


def data_keys() -> DataKeys:
    return current_app.extensions["portal.keys"]
