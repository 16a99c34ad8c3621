"""Factories: build valid domain data with only the fields a test cares about changed."""

from __future__ import annotations

import zlib
from typing import Any


def localized(text: str) -> dict[str, str]:
    return {"nb": f"{text} (nb)", "nn": f"{text} (nn)", "en": text}


def municipality_data(**changes: Any) -> dict[str, Any]:
    data = {
        "slug": "testby",
        "name": "Testby kommune",
        "organisation_number": "940000009",
        "postal_address": "Postboks 2, 0002 Testby",
        "phone": "11 22 33 44",
        "email": "post@testby.example",
        "complaint_body_name": "Statsforvalteren i Test",
        "ip_unit_name": localized("Coordination unit"),
        "opening_hours": localized("Weekdays 9 to 15"),
        "service_desk_name": localized("Service desk"),
        "plan_complaints_to": localized("the system coordinator"),
        "processing_time_statement": localized("Four weeks."),
        "services": [{"key": "home-nursing", "name": localized("Home nursing")}],
    }
    if "slug" in changes and "organisation_number" not in changes:
        data["organisation_number"] = _unique_organisation_number(changes["slug"])
    data.update(changes)
    return data


def _unique_organisation_number(seed: str) -> str:
    """A valid organisation number derived from a seed, so that two test municipalities differ."""
    for offset in range(1000):
        base = f"9{(zlib.crc32(seed.encode()) + offset) % 10_000_000:07d}"
        total = sum(int(d) * w for d, w in zip(base, (3, 2, 7, 6, 5, 4, 3, 2), strict=True))
        check = (11 - total % 11) % 11
        if check != 10:
            return f"{base}{check}"
    raise AssertionError("no organisation number found")
