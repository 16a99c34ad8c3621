"""Case references like ``IP-2026-7KQ4-M9``: random, with a check character, never sequential.

Sequential numbers would tell anyone how many cases a municipality has and let a typo land on
someone else's case; the check character catches a wrong or swapped character when a
reference is typed in (on the desk's status look-up, on the phone).
"""

from __future__ import annotations

import secrets

# Crockford's Base32 alphabet: no I, L, O or U, which are easy to confuse with 1, 0 and V.
ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
RANDOM_CHARACTERS = 5


def check_character(body: str) -> str:
    """A weighted sum mod 31 (a prime): catches any single wrong character and any swap."""
    total = sum((position + 1) * ALPHABET.index(char) for position, char in enumerate(body))
    return ALPHABET[total % 31]


def new_reference(year: int, prefix: str = "IP") -> str:
    body = "".join(secrets.choice(ALPHABET) for _ in range(RANDOM_CHARACTERS))
    return f"{prefix}-{year}-{body[:4]}-{body[4]}{check_character(body)}"


def normalise_reference(typed: str) -> str | None:
    """A typed reference in its canonical form, or None if it cannot be one of ours."""
    parts = typed.strip().upper().replace(" ", "").split("-")
    if len(parts) != 4 or not parts[1].isdigit() or len(parts[2]) != 4 or len(parts[3]) != 2:
        return None
    look_alikes = str.maketrans({"O": "0", "I": "1", "L": "1"})
    parts[2], parts[3] = parts[2].translate(look_alikes), parts[3].translate(look_alikes)
    body = parts[2] + parts[3][0]
    if any(char not in ALPHABET for char in body + parts[3][1]):
        return None
    if check_character(body) != parts[3][1]:
        return None
    return "-".join(parts)
