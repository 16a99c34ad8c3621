"""A case event as a back-office system sends it: the REST events API and Fiks IO's
``no.ks.fiks.ip-portal.status.v1`` messages read the same JSON object the same way."""

from __future__ import annotations

EVENT_FIELDS = frozenset({"text", "answer_by", "reason", "expected_decision_date", "outcome",
                          "decision_date", "complaint_deadline", "complaint_rule", "notified_on",
                          "sent_on", "name", "unit", "phone", "email"})


class EventRequestError(ValueError):
    """The request's shape is wrong (HTTP 422): unknown fields, a missing type, a non-text."""


def parse_event_request(body: dict, *, extra_fields: frozenset[str] = frozenset()
                        ) -> tuple[str, dict]:
    """``(event_type, data)`` from ``{"type": …, <field>: <text>, …}``; the event's own rules
    (required fields, dates, outcomes, the case's life) are checked by ``apply_event``."""
    event_type = body.get("type")
    if not isinstance(event_type, str):
        raise EventRequestError("type is required.")
    data = {key: value for key, value in body.items() if key not in {"type", *extra_fields}}
    unknown = sorted(set(data) - EVENT_FIELDS)
    if unknown:
        raise EventRequestError(f"Unknown fields: {', '.join(unknown)}.")
    if any(not isinstance(value, str | type(None)) for value in data.values()):
        raise EventRequestError("Every field of an event is a text.")
    return event_type, data
