"""Queries and rules for municipalities, including the import from a TOML file."""

from __future__ import annotations

import re
import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from email_validator import EmailNotValidError, validate_email
from sqlalchemy.orm import Session

from portal.municipalities.models import Municipality

LANGUAGE_CODES = ("nb", "nn", "en")
SLUG_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
COLOUR_PATTERN = re.compile(r"^#[0-9a-fA-F]{6}$")
LOCALIZED_FIELDS = (
    "ip_unit_name",
    "opening_hours",
    "service_desk_name",
    "plan_complaints_to",
    "processing_time_statement",
)
REQUIRED_FIELDS = (
    "slug",
    "name",
    "organisation_number",
    "postal_address",
    "phone",
    "email",
    "complaint_body_name",
    *LOCALIZED_FIELDS,
)
SLUG_KEY = re.compile(r"^[a-z][a-z_]*$")  # a case kind, or "default"
MAX_RETENTION_DAYS = 3650
# White text on the brand colour must reach WCAG 2.2 contrast (1.4.3, 4.5:1 for normal text).
MIN_CONTRAST_WITH_WHITE = 4.5


class MunicipalityDataError(ValueError):
    """The municipality file is not usable; the message says which field and why."""


# Tables of the file that another capability reads (``[fiks_io]``: portal.queue.fiksio):
# each registers its importer at start-up, so this room never imports its callers. An
# importer raises ValueError with a message naming the key.
SectionImporter = Callable[[Session, Municipality, dict[str, Any] | None], None]
SECTION_IMPORTERS: dict[str, SectionImporter] = {}


def register_section(name: str, importer: SectionImporter) -> None:
    SECTION_IMPORTERS[name] = importer


def list_municipalities(session: Session) -> list[Municipality]:
    return list(session.scalars(sa.select(Municipality).order_by(Municipality.name)))


def get_by_slug(session: Session, slug: str) -> Municipality | None:
    return session.scalar(sa.select(Municipality).where(Municipality.slug == slug))


def localized(text: dict[str, str] | None, language: str) -> str:
    """Pick the text in the page's language, falling back to Bokmål."""
    if not text:
        return ""
    return text.get(language) or text.get("nb") or ""


def import_municipality_file(session: Session, path: Path) -> Municipality:
    with path.open("rb") as file:
        try:
            data = tomllib.load(file)
        except tomllib.TOMLDecodeError as error:
            raise MunicipalityDataError(f"{path.name}: not valid TOML ({error})") from error
    return import_municipality(session, data)


def import_municipality(session: Session, data: dict[str, Any]) -> Municipality:
    """Create or update (by slug) a municipality from already-parsed data."""
    values = validate_municipality_data(data)
    municipality = get_by_slug(session, values["slug"]) or Municipality()
    if "consent_texts" in values:
        values["consent_texts"] = with_consent_version(municipality.consent_texts,
                                                       values["consent_texts"])
    for key, value in values.items():
        setattr(municipality, key, value)
    session.add(municipality)
    session.flush()
    for name, importer in SECTION_IMPORTERS.items():
        try:
            importer(session, municipality, data.get(name))
        except ValueError as error:
            raise MunicipalityDataError(str(error)) from error
    from portal.municipalities.tenancy import forget_municipality

    forget_municipality(municipality.slug)
    return municipality


def validate_municipality_data(data: dict[str, Any]) -> dict[str, Any]:
    missing = [name for name in REQUIRED_FIELDS if not data.get(name)]
    if missing:
        raise MunicipalityDataError(f"missing fields: {', '.join(missing)}")
    values = {key: value for key, value in data.items() if key not in SECTION_IMPORTERS}
    _check_slug(values["slug"])
    _check_organisation_number(str(values["organisation_number"]))
    values["organisation_number"] = str(values["organisation_number"])
    values["email"] = _check_email(values["email"])
    for name in LOCALIZED_FIELDS:
        _check_localized(name, values[name])
    values["services"] = [_check_service(service) for service in values.get("services", [])]
    _check_brand_colour(values.get("brand_colour", "#1e2b3c"))
    if values.get("digital_submission_closed"):
        _check_localized("digital_closed_message", values.get("digital_closed_message"))
    if "consent_texts" in values:
        values["consent_texts"] = _check_consent_texts(values["consent_texts"])
    values["retention_days"] = _check_retention_days(values.get("retention_days", {}))
    known = set(Municipality.__table__.columns.keys()) - {"id", "created_at",
                                                          "webhook_secret_encrypted"}
    unknown = set(values) - known
    if unknown:
        raise MunicipalityDataError(f"unknown fields: {', '.join(sorted(unknown))}")
    return values


def _check_slug(slug: str) -> None:
    if not SLUG_PATTERN.match(slug) or len(slug) > 60:
        raise MunicipalityDataError("slug: use lower-case letters, digits and hyphens")


def _check_organisation_number(number: str) -> None:
    # Brønnøysundregistrene: 9 digits, the last a mod-11 check digit with weights 3 2 7 6 5 4 3 2.
    if not re.fullmatch(r"\d{9}", number):
        raise MunicipalityDataError("organisation_number: must be 9 digits")
    total = sum(int(d) * w for d, w in zip(number[:8], (3, 2, 7, 6, 5, 4, 3, 2), strict=True))
    check = (11 - total % 11) % 11
    if check == 10 or check != int(number[8]):
        raise MunicipalityDataError("organisation_number: the check digit is wrong")


def _check_email(address: str) -> str:
    try:
        return validate_email(address, check_deliverability=False).normalized
    except EmailNotValidError as error:
        raise MunicipalityDataError(f"email: {error}") from error


def _check_localized(name: str, value: Any) -> None:
    if not isinstance(value, dict) or any(not value.get(code) for code in LANGUAGE_CODES):
        raise MunicipalityDataError(f"{name}: give the text in nb, nn and en")


def _check_service(service: Any) -> dict[str, Any]:
    if not isinstance(service, dict) or not SLUG_PATTERN.match(str(service.get("key", ""))):
        raise MunicipalityDataError("services: every service needs a key (lower-case, hyphens)")
    _check_localized(f"services.{service['key']}.name", service.get("name"))
    return {"key": service["key"], "name": service["name"]}


def _check_consent_texts(texts: Any) -> dict[str, Any]:
    if not isinstance(texts, dict) or not str(texts.get("version", "")).strip():
        raise MunicipalityDataError("consent_texts: give a version, a plan text and a sharing "
                                    "text")
    for name in ("plan", "sharing"):
        _check_localized(f"consent_texts.{name}", texts.get(name))
    unknown = set(texts) - {"version", "plan", "sharing"}
    if unknown:
        raise MunicipalityDataError(f"consent_texts: unknown fields: {', '.join(sorted(unknown))}")
    return {"version": str(texts["version"]).strip()[:40],
            "plan": {code: texts["plan"][code] for code in LANGUAGE_CODES},
            "sharing": {code: texts["sharing"][code] for code in LANGUAGE_CODES}}


def with_consent_version(existing: list[dict] | None, texts: dict[str, Any]) -> list[dict]:
    """Every version kept, newest last. A consent stores the version it was given to, so a
    version's texts can never change: changed texts need a new version."""
    versions = list(existing or [])
    same = [old for old in versions if old["version"] == texts["version"]]
    if same and same[-1] != texts:
        raise MunicipalityDataError(f"consent_texts: version {texts['version']} is in use with "
                                    "other texts; give the changed texts a new version")
    if not same or versions[-1]["version"] != texts["version"]:
        versions.append(texts)  # a new version, or an older one made current again
    return versions
def _check_retention_days(days: Any) -> dict[str, int]:
    """{kind or "default": days}: how long a closed case's documents stay (portal.retention)."""
    if not isinstance(days, dict) or any(
            not SLUG_KEY.match(str(kind)) or not isinstance(number, int)
            or isinstance(number, bool) or not 1 <= number <= MAX_RETENTION_DAYS
            for kind, number in days.items()):
        raise MunicipalityDataError(
            f"retention_days: give whole days from 1 to {MAX_RETENTION_DAYS} per case kind, "
            "like ip_application = 180 or default = 90")
    return dict(days)


def _check_brand_colour(colour: str) -> None:
    if not COLOUR_PATTERN.match(colour):
        raise MunicipalityDataError("brand_colour: use a colour like #1e2b3c")
    if contrast_with_white(colour) < MIN_CONTRAST_WITH_WHITE:
        raise MunicipalityDataError(
            "brand_colour: too light; white text on it needs a contrast of at least 4.5:1"
        )


def contrast_with_white(colour: str) -> float:
    """WCAG 2.2 contrast ratio between white and a #rrggbb colour."""
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    luminance = 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]
    return 1.05 / (luminance + 0.05)
