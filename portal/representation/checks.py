"""Is this person the child's parent? A pluggable check.

In production the population register (Folkeregisteret, through Skatteetaten's API) would
answer; that needs an agreement the demo municipality does not have. ``manual`` answers
"unknown", so a caseworker verifies the declaration against documents. ``demo`` knows the
fictional demo family and is refused in production (see portal.config).
"""

from __future__ import annotations

from collections.abc import Callable

from flask import current_app

# True: confirmed, False: refuted, None: unknown (a caseworker decides).
ParentCheck = Callable[[str, str], bool | None]


def manual(_parent_nin: str, _child_nin: str) -> bool | None:
    return None


def demo(parent_nin: str, child_nin: str) -> bool | None:
    from portal.identity.demo_people import DEMO_CITIZENS

    numbers = {citizen.key: citizen.nin for citizen in DEMO_CITIZENS}
    families = {(numbers["kari"], numbers["emma"]), (numbers["kari"], numbers["jonas"])}
    return True if (parent_nin, child_nin) in families else None


CHECKS: dict[str, ParentCheck] = {"manual": manual, "demo": demo}


def parent_check() -> ParentCheck:
    return CHECKS[current_app.config.get("PARENT_CHECK", "manual")]
