"""Attachments (vedlegg): files people upload with a submission, kept encrypted in the database.

A file is judged by its bytes, never by its name or by the type the browser claims: only
PDF, JPEG and PNG are taken, since those are what caseworkers can open safely. The bytes
live in the database (AES-GCM, see ``portal.identity.crypto``) rather than on disk, so that
they commit with the submission in one transaction and are never at a guessable URL.

The rules take plain values; the limits come from the app's settings in ``upload_fields``.
"""

from __future__ import annotations

import enum
import hashlib
import hmac
import re
import unicodedata
import zlib
from collections.abc import Iterator, Sequence
from datetime import datetime

import sqlalchemy as sa
from cryptography.exceptions import InvalidTag
from sqlalchemy.orm import Mapped, Session, mapped_column

from portal.clock import utcnow
from portal.db import Base
from portal.documents.scanning import Scanner, check_clean
from portal.identity.crypto import DataKeys, row_context

PDF = "application/pdf"
PNG = "image/png"
JPEG = "image/jpeg"
SIGNATURES = ((b"%PDF-", PDF), (b"\x89PNG\r\n\x1a\n", PNG), (b"\xff\xd8\xff", JPEG))
EXTENSIONS = {PDF: ".pdf", PNG: ".png", JPEG: ".jpg"}
KNOWN_EXTENSIONS = frozenset({".pdf", ".png", ".jpg", ".jpeg"})
DISPLAY_NAME_LENGTH = 120
# Shown when nothing is left of the uploaded name; the caseworkers read Norwegian.
FALLBACK_NAME = "vedlegg"


class Attachment(Base):
    """An uploaded file: PDF, JPEG or PNG, encrypted at rest.

    It belongs to a draft while the form is being filled in, and to the submission once sent.
    """

    __tablename__ = "attachment"

    id: Mapped[int] = mapped_column(primary_key=True)
    municipality_id: Mapped[int] = mapped_column(sa.ForeignKey("municipality.id"), index=True)
    # No foreign key yet: the draft table is still being written.
    draft_id: Mapped[int | None] = mapped_column(index=True)
    submission_id: Mapped[int | None] = mapped_column(sa.ForeignKey("submission.id"), index=True)
    uploaded_by_person_id: Mapped[int | None] = mapped_column(sa.ForeignKey("person.id"))
    uploaded_by_staff_user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("staff_user.id"))
    # The uploaded file's name, cleaned, for display only: never part of a path.
    display_name: Mapped[str] = mapped_column(sa.String(DISPLAY_NAME_LENGTH))
    content_type: Mapped[str] = mapped_column(sa.String(40))  # decided by the bytes
    size_bytes: Mapped[int]
    sha256: Mapped[str] = mapped_column(sa.String(64))
    # Deferred: listing a draft's files must not load megabytes of ciphertext.
    data_encrypted: Mapped[bytes] = mapped_column(sa.LargeBinary, deferred=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    def __repr__(self) -> str:  # never the file name: it may say something about health
        return f"<Attachment {self.id} {self.content_type}>"


class Refusal(enum.StrEnum):
    EMPTY = "empty"
    TOO_LARGE = "too_large"
    WRONG_TYPE = "wrong_type"
    UNSAFE_PDF = "unsafe_pdf"
    TOTAL_TOO_LARGE = "total_too_large"
    INFECTED = "infected"  # the virus scanner found something


class AttachmentRefused(ValueError):  # noqa: N818 - the name is part of the agreed interface
    """A file was refused; ``code`` says why."""

    def __init__(self, code: Refusal) -> None:
        super().__init__(code.value)
        self.code = code


class AttachmentUnreadableError(Exception):
    """The stored bytes do not decrypt, or do not match their hash: damaged or swapped."""


# --- What a file is --------------------------------------------------------------------------


def sniff_content_type(data: bytes) -> str | None:
    """PDF, PNG or JPEG as the first bytes show, or None. Name and claimed type do not count."""
    for signature, content_type in SIGNATURES:
        if data.startswith(signature):
            return content_type
    return None


def check_content(data: bytes) -> str:
    """The content type of a file we accept, whatever its size, or AttachmentRefused."""
    if not data:
        raise AttachmentRefused(Refusal.EMPTY)
    content_type = sniff_content_type(data)
    if content_type is None:
        raise AttachmentRefused(Refusal.WRONG_TYPE)
    if content_type == PDF and pdf_has_active_content(data):
        raise AttachmentRefused(Refusal.UNSAFE_PDF)
    return content_type


def check_upload(
    data: bytes, *, max_file_bytes: int, bytes_already: int, max_total_bytes: int
) -> str:
    """The content type of an upload within the limits, or AttachmentRefused with the reason."""
    if len(data) > max_file_bytes:
        raise AttachmentRefused(Refusal.TOO_LARGE)
    content_type = check_content(data)
    if bytes_already + len(data) > max_total_bytes:
        raise AttachmentRefused(Refusal.TOTAL_TOO_LARGE)
    return content_type


# --- PDF screening ---------------------------------------------------------------------------
# A screen, not a sanitiser (compare Didier Stevens' pdfid): it refuses PDFs that name scripts,
# launch actions or embedded files, so caseworkers do not open them; their PDF readers should
# still have JavaScript switched off.

# Long names: searched in the whole file, where random image bytes cannot plausibly form them.
ACTIVE_NAMES = frozenset({b"JavaScript", b"Launch", b"EmbeddedFile", b"EmbeddedFiles",
                          b"RichMedia"})
# /JS (the script of a JavaScript action) is short enough to occur by chance in image data:
# it is searched only outside streams, and in object streams once inflated.
SCRIPT_NAME = b"JS"
OBJECT_STREAM_NAME = b"ObjStm"
MAX_INFLATED_BYTES = 32 * 1024 * 1024  # all object streams together; more is a zip bomb

# A name: "/" then regular characters (ISO 32000-1, 7.2.2 and 7.3.5); "#xx" escapes a byte.
_NAME = re.compile(rb"/([^\x00\t\n\x0c\r ()<>\[\]{}/%]+)")
_NAME_ESCAPE = re.compile(rb"#([0-9A-Fa-f]{2})")
# The keyword "stream" after the dictionary and before an end of line (7.3.8.1).
_STREAM_START = re.compile(rb"(?<![^\s>])stream(?:\r\n|\n|\r)")
_STREAM_END = b"endstream"


def pdf_has_active_content(data: bytes) -> bool:
    """True if the PDF names JavaScript, a launch action or an embedded file."""
    names = _names(data)
    if names & ACTIVE_NAMES:
        return True
    if any(SCRIPT_NAME in _names(part) for part in _outside_streams(data)):
        return True
    if OBJECT_STREAM_NAME in names:
        return _object_streams_are_active(data)
    return False


def _names(syntax: bytes) -> set[bytes]:
    return {_unescape(name) for name in _NAME.findall(syntax)}


def _unescape(name: bytes) -> bytes:
    """"/J#61vaScript" is "/JavaScript" to a PDF reader, so it is to us."""
    if b"#" not in name:
        return name
    return _NAME_ESCAPE.sub(lambda match: bytes([int(match[1], 16)]), name)


def _outside_streams(data: bytes) -> Iterator[bytes]:
    position = 0
    while start := _STREAM_START.search(data, position):
        yield data[position:start.start()]
        end = data.find(_STREAM_END, start.end())
        if end == -1:
            return
        position = end + len(_STREAM_END)
    yield data[position:]


def _object_streams_are_active(data: bytes) -> bool:
    """Inflate each object stream (where compressed PDFs keep their dictionaries) and look.

    An object stream we cannot inflate counts as active: we cannot tell what it holds.
    """
    budget = MAX_INFLATED_BYTES
    for match in _NAME.finditer(data):
        if _unescape(match[1]) != OBJECT_STREAM_NAME:
            continue
        inflated = _inflate_stream_after(data, match.end(), budget)
        if inflated is None:
            return True
        names = _names(inflated)
        if names & ACTIVE_NAMES or SCRIPT_NAME in names:
            return True
        budget -= len(inflated)
    return False


def _inflate_stream_after(data: bytes, position: int, budget: int) -> bytes | None:
    start = _STREAM_START.search(data, position)
    if start is None:
        return None
    end = data.find(_STREAM_END, start.end())
    body = data[start.end():end if end != -1 else len(data)]
    try:
        # One byte over the budget is enough to know; 0 would mean "no limit" to zlib.
        inflated = zlib.decompressobj().decompress(body, budget + 1)
    except zlib.error:
        return None
    return None if len(inflated) > budget else inflated


# --- Names -----------------------------------------------------------------------------------


def clean_display_name(filename: str | None) -> str:
    """The last part of an uploaded name, without control characters, at most 120 characters.

    For display only: browsers may send a whole path ("C:\\fakepath\\…", "../../etc/passwd").
    """
    name = unicodedata.normalize("NFC", filename or "")
    name = _without_path(name)
    # Category C: control and format characters, including right-to-left overrides that
    # could make "gpj.exe" look like "exe.jpg".
    name = "".join(char for char in name if not unicodedata.category(char).startswith("C"))
    name = " ".join(name.split())
    if not name.strip("."):  # "..", "."
        return ""
    return _shorten(name, DISPLAY_NAME_LENGTH)


# A name that is a path: a Windows path (C:\fakepath\…, any backslash), or a Unix path from
# the root or from here (/home/…, ./…, ../…). Other slashes are part of the person's name
# ("Vedtak 1/2.pdf", "<script>alert(1)</script>.pdf") and are kept, escaped where shown.
_PATH = re.compile(r"\\|^\.{0,2}/")


def _without_path(name: str) -> str:
    if not _PATH.search(name):
        return name
    return re.split(r"[\\/]", name)[-1]


# Characters a download name may not hold on Windows, macOS or Linux.
_UNSAFE_IN_DOWNLOAD = re.compile(r'[\\/:*?"<>|\x00-\x1f]')


def download_name(display_name: str) -> str:
    """The display name made safe as a file name on the caseworker's computer."""
    return _UNSAFE_IN_DOWNLOAD.sub("_", display_name).strip(" .") or FALLBACK_NAME


def display_name_for(filename: str | None, content_type: str) -> str:
    """The cleaned name, ending in the extension of what the file is ("scan.pdf" → "scan.png").

    So that a caseworker's computer opens a downloaded file with the right program.
    """
    extension = EXTENSIONS[content_type]
    stem, dot, ending = clean_display_name(filename).rpartition(".")
    known = dot and f".{ending.lower()}" in KNOWN_EXTENSIONS
    name = stem if known else f"{stem}{dot}{ending}"
    name = _shorten(name.strip(" .") or FALLBACK_NAME, DISPLAY_NAME_LENGTH - len(extension))
    return f"{name}{extension}"


def _shorten(name: str, length: int) -> str:
    """At most ``length`` characters, keeping a short extension."""
    if len(name) <= length:
        return name
    stem, dot, ending = name.rpartition(".")
    if dot and stem and len(ending) <= 10:
        return f"{stem[:length - len(ending) - 1].rstrip(' .')}.{ending}"
    return name[:length].rstrip(" .")


# --- Storing and reading ---------------------------------------------------------------------


def store_attachment(
    session: Session,
    keys: DataKeys,
    *,
    scanner: Scanner,
    municipality_id: int,
    data: bytes,
    filename: str | None,
    uploaded_by_person_id: int | None = None,
    uploaded_by_staff_user_id: int | None = None,
    draft_id: int | None = None,
) -> Attachment:
    """Scan, encrypt and add an attachment (flush only). Refuses what ``check_content``
    refuses and what the scanner does not find clean (``Refusal.INFECTED``); raises
    ``ScannerUnavailableError`` when there is no verdict: nothing is stored unscanned.

    Check the size limits first with ``check_upload`` (the upload field does, and scans:
    the verdict is remembered for the request, so the bytes are scanned once).
    """
    if not check_clean(scanner, data).clean:
        raise AttachmentRefused(Refusal.INFECTED)
    content_type = check_content(data)
    attachment = Attachment(
        municipality_id=municipality_id,
        draft_id=draft_id,
        uploaded_by_person_id=uploaded_by_person_id,
        uploaded_by_staff_user_id=uploaded_by_staff_user_id,
        display_name=display_name_for(filename, content_type),
        content_type=content_type,
        size_bytes=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        data_encrypted=b"",
    )
    session.add(attachment)
    session.flush()  # the id binds the ciphertext to this row
    attachment.data_encrypted = keys.encrypt_bytes(data, attachment_context(attachment))
    session.flush()
    return attachment


def read_attachment(keys: DataKeys, attachment: Attachment) -> bytes:
    """The file's bytes, decrypted and checked against its hash; else AttachmentUnreadableError."""
    try:
        data = keys.decrypt_bytes(attachment.data_encrypted, attachment_context(attachment))
    except InvalidTag:
        raise AttachmentUnreadableError(attachment.id) from None
    if not hmac.compare_digest(hashlib.sha256(data).hexdigest(), attachment.sha256):
        raise AttachmentUnreadableError(attachment.id)
    return data


def attachment_context(attachment: Attachment) -> bytes:
    """Bound to the row, its municipality and the file's hash: a blob copied into another row
    fails to decrypt. (Not to a draft or submission: an attachment moves from one to the other.)"""
    return row_context("attachment", "data_encrypted", attachment.id,
                       municipality=attachment.municipality_id, sha256=attachment.sha256)



# --- A draft's attachments -------------------------------------------------------------------


def _in_draft(municipality_id: int, draft_id: int) -> sa.ColumnElement[bool]:
    return sa.and_(
        Attachment.municipality_id == municipality_id,
        Attachment.draft_id == draft_id,
        Attachment.submission_id.is_(None),
    )


def attachments_for_draft(
    session: Session, municipality_id: int, draft_id: int
) -> Sequence[Attachment]:
    """The draft's attachments in the order they were uploaded (without their bytes)."""
    return session.scalars(
        sa.select(Attachment).where(_in_draft(municipality_id, draft_id)).order_by(Attachment.id)
    ).all()


def draft_total_bytes(session: Session, municipality_id: int, draft_id: int) -> int:
    """The size of the draft's attachments together, for the total limit."""
    total = session.scalar(
        sa.select(sa.func.sum(Attachment.size_bytes)).where(_in_draft(municipality_id, draft_id))
    )
    return int(total or 0)


def delete_attachment(
    session: Session, municipality_id: int, draft_id: int, attachment_id: int
) -> bool:
    """Delete one of the draft's attachments; False if it is not that draft's (or was sent)."""
    attachment = session.scalar(
        sa.select(Attachment).where(
            Attachment.id == attachment_id, _in_draft(municipality_id, draft_id)
        )
    )
    if attachment is None:
        return False
    session.delete(attachment)
    session.flush()
    return True


def move_to_submission(session: Session, draft_id: int, submission_id: int) -> int:
    """Give the draft's attachments to the submission; the number moved.

    Part of the submitting transaction. The draft id is cleared, so that a later draft that
    happens to get the same id (SQLite may reuse ids) can never see or delete them.
    """
    result = session.execute(
        sa.update(Attachment)
        .where(Attachment.draft_id == draft_id, Attachment.submission_id.is_(None))
        .values(submission_id=submission_id, draft_id=None)
        .execution_options(synchronize_session="fetch")
    )
    session.flush()
    return result.rowcount


def move_to_submission_ids(session: Session, municipality_id: int, attachment_ids,
                           submission_id: int) -> None:
    """Give these attachments (not yet sent, of this municipality) to the submission."""
    if not attachment_ids:
        return
    session.execute(
        sa.update(Attachment)
        .where(Attachment.id.in_(list(attachment_ids)), Attachment.submission_id.is_(None),
               Attachment.municipality_id == municipality_id)
        .values(submission_id=submission_id, draft_id=None)
        .execution_options(synchronize_session="fetch")
    )
