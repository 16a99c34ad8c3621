"""The IP-portal protocol over Fiks IO: message types, headers, queue names.

The protocol (``no.ks.fiks.ip-portal.v1``) is this module and docs/fiks-io.md; its JSON
Schemas are in ``schemas/``. A type's name ends in its version: a change that a receiver
must know about gets a new type (``….v2``), sent only to accounts that declare it.

Header and queue names are Fiks IO's (developers.fiks.ks.no, «Headere og properties i
meldingsutvekslingen»; fiks-io-commons ``FiksIOHeaders``).
"""

from __future__ import annotations

PROTOCOL = "no.ks.fiks.ip-portal.v1"
PREFIX = "no.ks.fiks.ip-portal."

# What the portal sends, per submission kind. A new kind is one line here (and its schema).
MESSAGE_TYPES = {
    "ip_application": PREFIX + "soknad.v1",
    "eip_access": PREFIX + "tilgang.v1",
    "complaint": PREFIX + "klage.v1",
    "reply": PREFIX + "svar.v1",
    "withdrawal": PREFIX + "trekking.v1",
    "power_of_attorney": PREFIX + "fullmakt.v1",
    "consent": PREFIX + "samtykke.v1",
}
# A case change made in the portal's own caseworker pages (an outbox message without a
# submission): the same event types as the REST events API.
CASE_EVENT_TYPE = PREFIX + "hendelse.v1"

# What the back office sends back.
RECEIVED = PREFIX + "mottatt.v1"  # stored safely: the outbox message is delivered
RECEIVER_SERVER_ERROR = PREFIX + "feilmelding.serverfeil.v1"  # try again later
RECEIVER_INVALID = PREFIX + "feilmelding.ugyldigforespoersel.v1"  # never: dead letter now
STATUS_EVENT = PREFIX + "status.v1"  # a case event, as POST /api/v1/cases/{ref}/events

# Fiks IO's own messages (developers.fiks.ks.no, «Feilmeldinger fra Fiks IO»): the TTL ran
# out at the head of the receiver's queue, or the receiver took it three times without an ack.
FIKS_TIMEOUT = "no.ks.fiks.kvittering.tidsavbrudd"
FIKS_SERVER_ERROR = "no.ks.fiks.kvittering.serverfeil.v1"

RETRY_LATER = frozenset({RECEIVER_SERVER_ERROR, FIKS_TIMEOUT, FIKS_SERVER_ERROR})

# AMQP headers set by Fiks IO on every delivery.
HEADER_SENDER = "avsender-id"
HEADER_MESSAGE_ID = "melding-id"
HEADER_TYPE = "type"
HEADER_REPLY_TO = "svar-til"
HEADER_REPLY_TO_TYPE = "svar-til-type"
HEADER_DOCUMENT_STORE = "dokumentlager-id"
# The sender's own headers travel with this prefix (the metadata's ``headere`` map).
CUSTOM_PREFIX = "egendefinert-header."
CLIENT_MESSAGE_ID = "klientMeldingId"  # the same on every resend: the receiver de-duplicates
CLIENT_CORRELATION_ID = "klientKorrelasjonsId"  # copied into replies

QUEUE_PREFIX = "fiksio.konto."
SEND_PATH = "/fiks-io/api/v1/send"
PUBLIC_KEY_PATH = "/fiks-io/katalog/api/v1/kontoer/{account_id}/offentligNokkel"
MASKINPORTEN_SCOPE = "ks:fiks"

# Names inside the ASiC-E container (ETSI TS 102 918, with a CAdES signature).
PAYLOAD_FILE = "melding.json"
RECEIPT_FILE = "kvittering.pdf"
ATTACHMENT_FOLDER = "vedlegg/"


def queue_name(account_id: str) -> str:
    """The AMQP queue Fiks IO delivers an account's messages on."""
    return QUEUE_PREFIX + account_id


def message_type(submission_kind: str | None) -> str:
    """The type a message is sent with; KeyError for a kind the protocol does not have."""
    return CASE_EVENT_TYPE if submission_kind is None else MESSAGE_TYPES[submission_kind]
