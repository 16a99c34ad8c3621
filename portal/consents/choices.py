"""What a consent form's answers stand for: the plan, and each service that may share."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from portal.consents import texts as words
from portal.consents.models import Purpose

MAX_OTHERS = 10


@dataclass(frozen=True)
class Choice:
    """One consent: to the plan work, or to sharing with one service or provider."""

    purpose: Purpose
    recipient: str = ""
    recipient_name: str = ""


def choices_from(*, plan: bool, sharing: Sequence[str], unit: str = "",
                 others: str = "") -> list[Choice]:
    """The plan, each service ticked (the specialist health service with its unit), and each
    other provider on its own line."""
    chosen = [Choice(Purpose.PLAN)] if plan else []
    for recipient in words.RECIPIENTS:
        if recipient in sharing:
            name = unit.strip() if recipient == "specialist" else ""
            chosen.append(Choice(Purpose.SHARING, recipient, name))
    for name in other_names(others):
        chosen.append(Choice(Purpose.SHARING, words.OTHER, name))
    return chosen


def other_names(others: str) -> list[str]:
    """Providers typed in, one per line (or separated by semicolons), each once, at most ten."""
    names = [part.strip() for line in (others or "").splitlines() for part in line.split(";")]
    return list(dict.fromkeys(name[:200] for name in names if name))[:MAX_OTHERS]
