"""The form kit's file upload: a field for one attachment and the validator that checks it.

The validator reads the chosen file, has it scanned for viruses (``scanning``), judges it by
its bytes (``attachments.check_upload``) against the limits in the app's settings, and leaves
the accepted bytes on the field for the view to store, or puts a message next to the field
that says what to do. When the scanner cannot answer, the file is refused with a "try again
later" (fail closed); the view keeps what the person typed.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from flask import current_app
from flask_babel import format_decimal
from flask_babel import gettext as _
from flask_babel.speaklater import LazyString
from flask_wtf.file import FileField
from werkzeug.datastructures import FileStorage
from wtforms.validators import ValidationError

from portal.documents.attachments import AttachmentRefused, Refusal, check_upload
from portal.documents.scanning import ScannerUnavailableError, check_clean, current_scanner

log = logging.getLogger(__name__)

MEGABYTE = 1024 * 1024
DEFAULT_MAX_FILE_BYTES = 10 * MEGABYTE
DEFAULT_MAX_TOTAL_BYTES = 25 * MEGABYTE
# Only a hint to the browser's file picker: the bytes decide (see attachments.sniff_content_type).
ACCEPT = ".pdf,.jpg,.jpeg,.png,application/pdf,image/jpeg,image/png"


def max_file_bytes() -> int:
    return current_app.config.get("ATTACHMENT_MAX_FILE_BYTES", DEFAULT_MAX_FILE_BYTES)


def max_total_bytes() -> int:
    return current_app.config.get("ATTACHMENT_MAX_TOTAL_BYTES", DEFAULT_MAX_TOTAL_BYTES)


def megabytes(size: int) -> str:
    """A size for people, in the page's language: 10485760 → "10", 2621440 → "2,5" (nb)."""
    return format_decimal(round(size / MEGABYTE, 1))


def refusal_message(code: Refusal) -> str:
    """What to tell the person whose file was refused."""
    if code is Refusal.EMPTY:
        return _("The file is empty. Choose another file")
    if code is Refusal.TOO_LARGE:
        return _("The file is too large. It can be at most %(size)s MB",
                 size=megabytes(max_file_bytes()))
    if code is Refusal.TOTAL_TOO_LARGE:
        return _("All files together can be at most %(size)s MB",
                 size=megabytes(max_total_bytes()))
    if code is Refusal.INFECTED:
        return _("We found a virus or other harmful content in the file, so we cannot take it. "
                 "Choose another file")
    if code is Refusal.UNSAFE_PDF:
        return _("The PDF contains content we cannot accept (such as scripts). "
                 "Save it again as a plain PDF")
    return _("The file must be a PDF, JPG or PNG")


def scanner_down_message() -> str:
    return _("We cannot check files for viruses just now, so the file was not added. Try "
             "again in a few minutes. What you have written is kept")


def _limits_hint() -> str:
    return _("PDF, JPG or PNG. Each file can be at most %(file_size)s MB, "
             "all files together at most %(total_size)s MB.",
             file_size=megabytes(max_file_bytes()), total_size=megabytes(max_total_bytes()))


class AttachmentField(FileField):
    """A file input for one attachment. Add ``AcceptedUpload`` to its validators.

    The hint states the limits from the settings unless a ``description`` is given. The
    form must be sent as ``multipart/form-data``.
    """

    def __init__(self, label=None, validators=None, **kwargs) -> None:
        kwargs.setdefault("description", LazyString(_limits_hint))
        kwargs["render_kw"] = {"accept": ACCEPT, **(kwargs.get("render_kw") or {})}
        super().__init__(label, validators, **kwargs)
        self.checked_data: bytes | None = None
        self.checked_type: str | None = None
        self.scanner_unavailable = False


class AcceptedUpload:
    """Accepts a PDF, JPEG or PNG within the limits; leaves its bytes and type on the field.

    ``bytes_already`` gives the size of the files already attached (for the total limit),
    e.g. ``lambda: draft_total_bytes(session(), municipality.id, draft.id)``. With no file
    chosen the field passes: add ``FileRequired`` before this validator if a file is needed.
    """

    def __init__(self, bytes_already: Callable[[], int] | None = None) -> None:
        self.bytes_already = bytes_already

    def __call__(self, form, field) -> None:
        field.checked_data = field.checked_type = None
        upload = field.data
        if not isinstance(upload, FileStorage) or not upload:
            return
        limit = max_file_bytes()
        data = upload.stream.read(limit + 1)  # one byte more than allowed is enough to refuse
        if len(data) <= limit:
            self._scan(field, data)
        try:
            content_type = check_upload(
                data,
                max_file_bytes=limit,
                bytes_already=self.bytes_already() if self.bytes_already else 0,
                max_total_bytes=max_total_bytes(),
            )
        except AttachmentRefused as refused:
            raise ValidationError(refusal_message(refused.code)) from None
        field.checked_data, field.checked_type = data, content_type

    def _scan(self, field, data: bytes) -> None:
        """Refuse a file the scanner finds harmful, or any file when it cannot answer."""
        try:
            verdict = check_clean(current_scanner(), data)
        except ScannerUnavailableError as error:
            log.warning("An upload was refused because the virus scanner gave no verdict: %s",
                        error)
            field.scanner_unavailable = True
            raise ValidationError(scanner_down_message()) from None
        if not verdict.clean:
            # The signature helps IT; the file's name and the person are not logged.
            log.warning("An upload was refused: the virus scanner found %s", verdict.signature)
            raise ValidationError(refusal_message(Refusal.INFECTED))
