"""Why a delivery failed, in the staff member's language.

The queue keeps the reason as plain English for logs (portal.queue.service, webhook, fiksio);
staff read it in their own language. What an integration wrote itself (a release reason
through the API) is quoted as it came.
"""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

FIXED_ERRORS = {
    "too many deliveries": _l("The back-office system took the message too many times without "
                              "confirming that it got it."),
    "not sent": _l("The message was not sent."),
    "the back office failed (serverfeil)": _l("The back-office system failed (serverfeil)."),
    "Fiks IO: the message's time to live ran out (tidsavbrudd)": _l(
        "Fiks IO: the message's time to live ran out (tidsavbrudd)."),
    "Fiks IO: the receiver took it three times without an ack (serverfeil)": _l(
        "Fiks IO: the receiver took the message three times without confirming it "
        "(serverfeil)."),
}
ERROR_PREFIXES = (
    ("timeout: ", _l("The receiver did not answer in time (%(detail)s).")),
    ("connection error: ", _l("The portal could not reach the receiver (%(detail)s).")),
    ("HTTP ", _l("The receiver answered with an error (HTTP %(detail)s).")),
    ("could not build the message: ", _l("The portal could not make the message (%(detail)s).")),
    ("the back office refused it: ", _l("The back-office system refused the message: "
                                        "«%(detail)s»")),
)


def error_in_words(stored: str | None) -> str:
    """A stored delivery error as staff read it ('' when there is none)."""
    text = (stored or "").strip()
    if not text:
        return ""
    if text in FIXED_ERRORS:
        return str(FIXED_ERRORS[text])
    for prefix, words in ERROR_PREFIXES:
        if text.startswith(prefix):
            return str(words) % {"detail": text.removeprefix(prefix)}
    return _("The back-office system said: «%(text)s»", text=text)
