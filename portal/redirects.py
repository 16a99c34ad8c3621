"""Where a ``next`` address may send someone: a path on this site, never another host.

One function for every login and every form that takes a ``next`` (OWASP Unvalidated
Redirects and Forwards Cheat Sheet). Browsers are lenient with what they are given in a
``Location`` header: they drop tabs and newlines (``/\\t/evil.example`` becomes
``//evil.example``), read a backslash as a slash (``/\\evil.example``), and take ``//host``
as another host. So the rule is strict rather than clever: printable ASCII only, one leading
slash followed by something that is not a slash or a backslash, no scheme or host however
it is spelled, not even once more percent-decoded. The portal's own links (``url_for``,
``request.full_path``) always pass.
"""

from __future__ import annotations

import unicodedata
from urllib.parse import unquote, urlsplit

MAX_LENGTH = 2000


def is_safe_next(value: object) -> bool:
    if not isinstance(value, str) or not value or len(value) > MAX_LENGTH:
        return False
    # Printable ASCII, no space: url_for and request.full_path percent-encode everything else.
    if not all("!" <= char <= "~" for char in value):
        return False
    decoded = unquote(value)
    return all(_is_local_path(form) for form in (value, decoded, unquote(decoded)))


def _is_local_path(value: str) -> bool:
    # Encoded letters (%C3%A6, æ) are fine; encoded control characters and spaces are not.
    if any(unicodedata.category(char)[0] in "CZ" for char in value):
        return False
    if not value.startswith("/") or value[1:2] in ("/", "\\") or "\\" in value:
        return False
    parts = urlsplit(value)
    return not parts.scheme and not parts.netloc


def safe_next(value: object, default: str) -> str:
    """``value`` if it is a path on this site, else ``default``."""
    return value if is_safe_next(value) else default
