"""The payload of each submission kind: the contract the back office integrates against.

Each kind has a versioned JSON Schema in ``schemas/``; a payload is validated before it is
stored, so nothing that breaks the contract can reach the queue.
"""

from __future__ import annotations

import json
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from portal import clock
from portal.applications.consent import consent_payload
from portal.applications.steps import consent_mode
from portal.municipalities.service import localized

if TYPE_CHECKING:
    import jsonschema
    from referencing import Registry

SCHEMAS = Path(__file__).parent / "schemas"
BASIS = {"child": "parental_responsibility", "fullmakt": "power_of_attorney",
         "guardian": "guardianship"}


@cache
def schema(kind: str, version: int) -> dict:
    return json.loads((SCHEMAS / f"{kind}.v{version}.json").read_text())


# jsonschema (about 3 MB) is imported when the first payload is validated, at a submission:
# the worker, which imports this module through the receipts, never validates one.

@cache
def _registry() -> Registry:
    """Every schema in schemas/, so that ``$ref`` between them resolves without a network."""
    from referencing import Registry, Resource

    documents = [json.loads(path.read_text()) for path in sorted(SCHEMAS.glob("*.json"))]
    return Registry().with_resources(
        (document["$id"], Resource.from_contents(document)) for document in documents
    )


@cache
def validator(kind: str, version: int) -> jsonschema.Draft202012Validator:
    """One validator per schema and process: built once, its resolved ``$ref``s kept."""
    import jsonschema

    return jsonschema.Draft202012Validator(schema(kind, version), registry=_registry())


def validate_payload(payload: dict) -> None:
    validator(payload["kind"], payload["schema_version"]).validate(payload)


def chosen_services(answers: dict, municipality, language: str) -> list[dict]:
    offered = {service["key"]: service["name"] for service in municipality.services}
    return [{"key": key, "name": localized(offered[key], language)}
            for key in answers.get("services", []) if key in offered]


def envelope(keys, kind: str, *, municipality, applicant, role: str, subject_nin: str,
             subject_name: str, subject_birth_date, language: str, submitted_at: datetime,
             channel: str) -> dict:
    """The parts every submission kind has (schemas/common.v1.json, ``envelope``)."""
    from portal.identity.persons import person_nin

    return {
        "kind": kind,
        "schema_version": 1,
        "submitted_at": submitted_at.isoformat(),
        "channel": channel,
        "language": language,
        "municipality": {"slug": municipality.slug, "name": municipality.name,
                         "organisation_number": municipality.organisation_number},
        "applicant": {"national_id": person_nin(keys, applicant).value,
                      "name": applicant.name, "email": applicant.email,
                      "phone": applicant.phone, "role": role},
        "subject": {"national_id": subject_nin, "name": subject_name,
                    "birth_date": subject_birth_date.isoformat()},
    }


def build_payload(kind: str, answers: dict, *, municipality, applicant, subject, attachments,
                  language: str, submitted_at: datetime, channel: str) -> dict:
    from portal.identity.crypto import data_keys

    payload = envelope(data_keys(), kind, municipality=municipality, applicant=applicant,
                       role=answers.get("for_whom", "self"), subject_nin=subject.nin,
                       subject_name=subject.name, subject_birth_date=subject.birth_date,
                       language=language, submitted_at=submitted_at, channel=channel)
    build = BUILDERS[kind]
    payload.update(build(answers, municipality, subject, attachments, language, submitted_at))
    validate_payload(payload)
    return payload


def _ip_application(answers, municipality, subject, attachments, language, submitted_at):
    services = chosen_services(answers, municipality, language)
    mode = consent_mode(answers, subject.age(clock.norway_date(submitted_at)))
    for_whom = answers.get("for_whom", "self")
    representation = None
    if for_whom != "self":
        document = {"upload": "attached", "post": "by_post"}.get(answers.get("document"),
                                                                 "not_needed")
        representation = {"basis": BASIS[for_whom], "document": document}
    return {
        "representation": representation,
        "request": answers["request"],
        "services": services,
        "other_services": answers.get("other_services", ""),
        "coordination_needs": answers["needs"],
        "goals": answers["goals"],
        "wishes": {
            "known_coordinator": answers.get("known_coordinator", ""),
            "contact_method": answers["contact_method"],
            "interpreter": answers["interpreter"] == "yes",
            "interpreter_language": answers.get("interpreter_language", ""),
            "adaptation": answers.get("adaptation", ""),
        },
        "consent": consent_payload(answers, mode, subject.name, municipality, language),
        "attachments": [_attachment(a) for a in attachments],
        # How to reach the applicant, as given in the application (schema: optional).
        "contact": {"email": answers.get("contact_email") or "",
                    "mobile": answers.get("contact_mobile") or ""},
    }


def _eip_access(answers, municipality, subject, attachments, language, submitted_at):
    return {
        "system": {"name": municipality.eip_system_name, "url": municipality.eip_system_url},
        "account": {"email": answers["email"], "phone": answers["phone"]},
        "coordinator_name": answers.get("coordinator_name", ""),
        "confirmations": {"has_plan_or_coordinator": bool(answers.get("confirm_plan")),
                          "accepts_terms": bool(answers.get("accept_terms"))},
    }


def _attachment(attachment) -> dict:
    return {"id": attachment.id, "display_name": attachment.display_name,
            "content_type": attachment.content_type, "size_bytes": attachment.size_bytes,
            "sha256": attachment.sha256}


BUILDERS = {"ip_application": _ip_application, "eip_access": _eip_access}
