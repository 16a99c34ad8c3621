"""``GET /api/v1/cases``: the cases an integration may read, by status and changed since a
moment, in keyset pages, so that it can catch up after downtime (routes on the API blueprint).
"""

from __future__ import annotations

from datetime import datetime

from flask import jsonify, request

from portal.api.auth import current_client, scope
from portal.api.views import blueprint, problem
from portal.audit.service import record_read
from portal.cases.models import CaseStatus
from portal.cases.resync import changed_cases, parse_moment
from portal.db import as_utc, session

MAX_LIMIT = 500
MAX_ID = 2**31 - 1
KNOWN = {"status", "updated_since", "after_updated_at", "after_id", "limit"}


@blueprint.get("/cases")
@scope("cases")
def cases():
    unknown = sorted(set(request.args) - KNOWN)
    if unknown:
        problem(422, f"Unknown query parameters: {', '.join(unknown)}.")
    limit = _limit(request.args.get("limit", "100"))
    found = changed_cases(session(), current_client().municipality_id,
                          since=_since(request.args.get("updated_since")),
                          status=_status(request.args.get("status")),
                          after=_after(), limit=limit)
    record_read(session(), "cases.listed", municipality_id=current_client().municipality_id,
                target="cases", reason=f"api client {current_client().id} "
                                       f"({current_client().name}): {len(found)} listed")
    last = found[-1] if len(found) == limit else None
    return jsonify(cases=[_summary(case) for case in found],
                   next={"after_updated_at": as_utc(last.updated_at).isoformat(),
                         "after_id": last.id} if last else None)


def _summary(case) -> dict:
    return {"reference": case.reference, "kind": case.kind, "status": str(case.status),
            "created_at": as_utc(case.created_at).isoformat(),
            "updated_at": as_utc(case.updated_at).isoformat(),
            "assignee": ({"id": case.assignee.id, "name": case.assignee.name}
                         if case.assignee else None)}


def _limit(text: str) -> int:
    if not text.isascii() or not text.isdigit() or not 1 <= int(text) <= MAX_LIMIT:
        problem(422, f"limit must be a whole number from 1 to {MAX_LIMIT}.")
    return int(text)


def _since(text: str | None, name: str = "updated_since") -> datetime | None:
    if text is None:
        return None
    moment = parse_moment(text)
    if moment is None:
        problem(422, f"{name} must be a date and time with its offset (RFC 3339), like "
                     "2026-12-01T08:00:00Z.")
    return moment


def _status(text: str | None) -> CaseStatus | None:
    if text is None:
        return None
    if text not in CaseStatus._value2member_map_:
        problem(422, f"status must be one of {', '.join(s.value for s in CaseStatus)}.")
    return CaseStatus(text)


def _after() -> tuple[datetime, int] | None:
    """The page after (after_updated_at, after_id), as ``next`` gave them; after_id alone
    does nothing, after_updated_at alone starts after every case changed at that moment's
    first id."""
    moment = _since(request.args.get("after_updated_at"), "after_updated_at")
    text = request.args.get("after_id", "0")
    if not text.isascii() or not text.isdigit() or int(text) > MAX_ID:
        problem(422, f"after_id must be a whole number from 0 to {MAX_ID}.")
    return (moment, int(text)) if moment is not None else None
