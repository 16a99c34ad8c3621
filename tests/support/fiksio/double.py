"""A faithful local Fiks IO: an HTTP fake of the send endpoint, the account catalogue and
Maskinporten, publishing to the real RabbitMQ with Fiks IO's headers.

What it does as Fiks IO does (developers.fiks.ks.no «Fiks IO»; fiks-io-send-klient;
fiksio-katalog-api-v1.json; docs.digdir.no «JWT grant»):

- ``POST /token``: a JWT grant, checked for real (RS256 signature by the registered
  certificate given in ``x5c``, ``aud``, ``iss``, ``scope`` ``ks:fiks``, ``exp - iat <= 120``,
  ``iat`` within 10 s, ``jti`` not used before); answers a bearer token with ``expires_in``.
- ``GET /fiks-io/katalog/api/v1/kontoer/{id}/offentligNokkel``: ``{"nokkel": PEM, …}``.
- ``POST /fiks-io/api/v1/send``: bearer token, ``IntegrasjonId`` and ``IntegrasjonPassord``,
  multipart ``metadata`` (JSON) and ``data``; publishes to ``fiksio.konto.<mottaker>`` with
  headers ``avsender-id``, ``melding-id`` (new for every send), ``type``, ``svar-til`` and
  ``egendefinert-header.*``, and the TTL as the AMQP expiration; answers the metadata with the
  new ``meldingId``.
- TTL: RabbitMQ expires a message when it reaches the head of the queue, as Fiks IO does,
  and dead-letters it to the double; ``expire_waiting`` (the test decides when) sends
  ``no.ks.fiks.kvittering.tidsavbrudd`` to the sender, with ``svar-til`` and ``svar-til-type``.
- It can be told to fail: refuse the next sends (HTTP 503), hold its answer to a send (the
  sender may die meanwhile), or report ``no.ks.fiks.kvittering.serverfeil.v1``.
"""

from __future__ import annotations

import base64
import json
import secrets
import threading
import uuid
from dataclasses import dataclass, field

import pika
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

from portal import clock

AMQP_URL = "amqp://guest:guest@127.0.0.1:5672/%2F"
AUDIENCE = "https://maskinporten.test.invalid/"
TOKEN_LIFETIME = 120


def _b64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass
class Account:
    account_id: str
    certificate_pem: bytes
    integration_id: str


@dataclass
class FiksIoDouble:
    accounts: dict[str, Account] = field(default_factory=dict)
    integrations: dict[str, str] = field(default_factory=dict)  # id -> password
    clients: dict[str, x509.Certificate] = field(default_factory=dict)  # Maskinporten
    tokens: dict[str, int] = field(default_factory=dict)  # token -> expires (unix)
    used_grants: set[str] = field(default_factory=set)
    sends: list[dict] = field(default_factory=list)
    refuse_sends: int = 0
    hold_answer: threading.Event | None = None
    accepted: threading.Event = field(default_factory=threading.Event)
    url: str = ""
    expired_queue: str = field(default_factory=lambda: f"fiksio.test.expired.{uuid.uuid4()}")
    lock: threading.Lock = field(default_factory=threading.Lock)

    # --- Set-up --------------------------------------------------------------------------

    def add_integration(self, integration_id: str, password: str) -> None:
        self.integrations[integration_id] = password

    def add_client(self, client_id: str, certificate: x509.Certificate) -> None:
        self.clients[client_id] = certificate

    def add_account(self, account_id: str, certificate_pem: bytes, integration_id: str) -> None:
        """A Fiks IO account with its queue, whose expired messages come to the double."""
        self.accounts[account_id] = Account(account_id, certificate_pem, integration_id)
        with _channel() as channel:
            channel.queue_declare(self.expired_queue, durable=True)
            channel.queue_declare(f"fiksio.konto.{account_id}", durable=True, arguments={
                "x-dead-letter-exchange": "", "x-dead-letter-routing-key": self.expired_queue})

    def queue_names(self) -> list[str]:
        return [f"fiksio.konto.{a}" for a in self.accounts] + [self.expired_queue]

    # --- HTTP ----------------------------------------------------------------------------

    def __call__(self, environ, start_response):
        request = Request(environ)
        path = request.path
        if request.method == "POST" and path == "/token":
            response = self._token(request)
        elif request.method == "GET" and path.startswith("/fiks-io/katalog/api/v1/kontoer/"):
            response = self._public_key(path.split("/")[6])
        elif request.method == "POST" and path == "/fiks-io/api/v1/send":
            response = self._send(request)
        else:
            response = Response("not found", status=404)
        request.close()  # the multipart parts' temporary files
        return response(environ, start_response)

    def _token(self, request: Request) -> Response:
        if request.form.get("grant_type") != "urn:ietf:params:oauth:grant-type:jwt-bearer":
            return _error("unsupported_grant_type")
        try:
            claims = self._check_grant(request.form.get("assertion", ""))
        except (ValueError, KeyError, InvalidSignature) as error:
            return _error(f"invalid_grant: {error}")
        token = secrets.token_urlsafe(24)
        with self.lock:
            self.tokens[token] = clock.unix_seconds() + TOKEN_LIFETIME
        return _json({"access_token": token, "token_type": "Bearer",
                      "expires_in": TOKEN_LIFETIME, "scope": claims["scope"]})

    def _check_grant(self, assertion: str) -> dict:
        header_part, claims_part, signature_part = assertion.split(".")
        header, claims = json.loads(_b64url(header_part)), json.loads(_b64url(claims_part))
        registered = self.clients[claims["iss"]]
        certificate = x509.load_der_x509_certificate(base64.b64decode(header["x5c"][0]))
        if header["alg"] != "RS256" or certificate != registered:
            raise ValueError("not signed with the client's registered certificate")
        certificate.public_key().verify(_b64url(signature_part),
                                        f"{header_part}.{claims_part}".encode(),
                                        padding.PKCS1v15(), hashes.SHA256())
        now = clock.unix_seconds()
        if claims["aud"] != AUDIENCE or "ks:fiks" not in claims["scope"].split():
            raise ValueError("wrong audience or scope")
        if claims["exp"] - claims["iat"] > 120 or abs(now - claims["iat"]) > 10:
            raise ValueError("iat/exp out of bounds")
        with self.lock:
            if claims["jti"] in self.used_grants:
                raise ValueError("grant used twice")
            self.used_grants.add(claims["jti"])
        return claims

    def _public_key(self, account_id: str) -> Response:
        account = self.accounts.get(account_id)
        if account is None:
            return Response(status=404)
        certificate = x509.load_pem_x509_certificate(account.certificate_pem)
        return _json({"nokkel": account.certificate_pem.decode(),
                      "validFrom": certificate.not_valid_before_utc.isoformat(),
                      "validTo": certificate.not_valid_after_utc.isoformat(),
                      "serial": str(certificate.serial_number),
                      "subjectDN": certificate.subject.rfc4514_string(),
                      "issuerDN": certificate.issuer.rfc4514_string()})

    def _authorised(self, request: Request) -> str | None:
        """The integration id, if the token and the integration's password are right."""
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        integration = request.headers.get("IntegrasjonId", "")
        with self.lock:
            token_ok = scheme == "Bearer" and self.tokens.get(token, 0) > clock.unix_seconds()
        password_ok = self.integrations.get(integration) == request.headers.get(
            "IntegrasjonPassord")
        return integration if token_ok and password_ok else None

    def _send(self, request: Request) -> Response:
        integration = self._authorised(request)
        if integration is None:
            return Response("unauthorised", status=401)
        with self.lock:
            if self.refuse_sends > 0:
                self.refuse_sends -= 1
                return Response("Fiks IO is unavailable", status=503)
        # A part without a file name (as KS's clients send ``metadata``) is a form field.
        raw = request.form.get("metadata") or request.files["metadata"].read()
        meta = json.loads(raw)
        sender = self.accounts.get(meta.get("avsenderKontoId"))
        if sender is None or sender.integration_id != integration:
            return Response("the integration may not send from that account", status=403)
        if meta.get("mottakerKontoId") not in self.accounts or meta.get("ttl", 1000) < 1000:
            return Response("unknown receiver, or a TTL under one second", status=400)
        data = request.files["data"].read() if "data" in request.files else b""
        melding_id = str(uuid.uuid4())
        self.publish(meta, melding_id, data)
        with self.lock:
            self.sends.append({**meta, "meldingId": melding_id, "data": data})
        self.accepted.set()
        if self.hold_answer is not None:
            self.hold_answer.wait(30)
        return _json({**meta, "meldingId": melding_id, "dokumentlagerId": None})

    # --- AMQP ----------------------------------------------------------------------------

    def publish(self, meta: dict, melding_id: str, data: bytes) -> None:
        headers = {"avsender-id": meta["avsenderKontoId"], "melding-id": melding_id,
                   "type": meta["meldingType"]}
        if meta.get("svarPaMelding"):
            headers["svar-til"] = meta["svarPaMelding"]
        for name, value in (meta.get("headere") or {}).items():
            headers[f"egendefinert-header.{name}"] = value
        headers.update(meta.get("_fiks_headers", {}))
        properties = pika.BasicProperties(headers=headers, delivery_mode=2,
                                          expiration=str(meta.get("ttl") or 7 * 86400000))
        with _channel() as channel:
            channel.basic_publish("", f"fiksio.konto.{meta['mottakerKontoId']}", data,
                                  properties)

    def report_server_error(self, melding_id: str) -> None:
        """As Fiks IO does after three deliveries without an ack."""
        send = next(s for s in self.sends if s["meldingId"] == melding_id)
        self._fiks_message("no.ks.fiks.kvittering.serverfeil.v1", send["avsenderKontoId"],
                           send["mottakerKontoId"], melding_id, send["meldingType"])

    def _fiks_message(self, kind: str, to: str, about: str, melding_id: str,
                      original_type: str) -> None:
        self.publish({"avsenderKontoId": about, "mottakerKontoId": to, "meldingType": kind,
                      "svarPaMelding": melding_id,
                      "_fiks_headers": {"svar-til-type": original_type}},
                     str(uuid.uuid4()), b"")

    def expire_waiting(self) -> int:
        """Turn messages whose TTL ran out at the head of a queue into ``tidsavbrudd``."""
        expired = 0
        with _channel() as channel:
            while True:
                method, properties, _body = channel.basic_get(self.expired_queue, auto_ack=True)
                if method is None:
                    return expired
                headers = {k: (v.decode() if isinstance(v, bytes) else v)
                           for k, v in (properties.headers or {}).items()}
                death = (headers.get("x-death") or [{}])[0]
                reason = death.get("reason")
                reason = reason.decode() if isinstance(reason, bytes) else reason
                if reason == "expired":
                    queue = death["queue"].decode() if isinstance(death["queue"], bytes) \
                        else death["queue"]
                    self._fiks_message("no.ks.fiks.kvittering.tidsavbrudd",
                                       headers["avsender-id"], queue.split(".")[-1],
                                       headers["melding-id"], headers["type"])
                    expired += 1


class _Channel:
    def __enter__(self):
        self.connection = pika.BlockingConnection(pika.URLParameters(AMQP_URL))
        return self.connection.channel()

    def __exit__(self, *exc):
        self.connection.close()


def _channel() -> _Channel:
    return _Channel()


def _json(body: dict) -> Response:
    return Response(json.dumps(body), mimetype="application/json")


def _error(text: str) -> Response:
    return Response(json.dumps({"error": text}), status=400, mimetype="application/json")


def start(double: FiksIoDouble):
    server = make_server("127.0.0.1", 0, double, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    double.url = f"http://127.0.0.1:{server.server_port}"
    return server, thread


def delete_queues(double: FiksIoDouble) -> None:
    with _channel() as channel:
        for name in double.queue_names():
            channel.queue_delete(name)
