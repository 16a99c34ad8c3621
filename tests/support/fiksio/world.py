"""Fixtures: RabbitMQ (required in CI, skipped with a message elsewhere), the Fiks IO double,
the portal's Fiks IO account for Eksempel kommune and the back office that receives."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pika
import pytest

from portal.municipalities.service import get_by_slug
from portal.queue.fiksio.accounts import set_account
from tests.support.fiksio import double as fake
from tests.support.fiksio.keys import KeyPair, make_key_pair
from tests.support.fiksio.receiver import BackOffice


def rabbitmq_available() -> bool:
    try:
        pika.BlockingConnection(pika.URLParameters(fake.AMQP_URL + "?connection_attempts=1"
                                                   "&socket_timeout=2")).close()
    except pika.exceptions.AMQPError:
        return False
    return True


@pytest.fixture(scope="session")
def rabbitmq() -> str:
    if rabbitmq_available():
        return fake.AMQP_URL
    message = "RabbitMQ is not running on 127.0.0.1:5672 (guest/guest)"
    if os.environ.get("PORTAL_REQUIRE_RABBITMQ") == "1":
        pytest.fail(f"PORTAL_REQUIRE_RABBITMQ=1 but {message}")
    pytest.skip(f"Fiks IO tests skipped: {message}; apt-get install -y rabbitmq-server")
    return ""


@pytest.fixture(scope="session")
def fiks_io_keys() -> dict[str, KeyPair]:
    """Made once per run: the portal's virksomhetssertifikat and account key, and the back
    office's account key (which also signs what it sends)."""
    return {name: make_key_pair(f"IP-portal test {name}")
            for name in ("portal-signer", "portal-account", "back-office")}


@dataclass
class FiksIoWorld:
    double: fake.FiksIoDouble
    back_office: BackOffice
    portal_account_id: str
    settings: dict
    secrets: dict[str, str]


def settings_for(double: fake.FiksIoDouble, **changes) -> dict:
    return {"FIKSIO_API_URL": double.url, "FIKSIO_AMQP_URL": fake.AMQP_URL,
            "MASKINPORTEN_TOKEN_URL": f"{double.url}/token",
            "MASKINPORTEN_AUDIENCE": fake.AUDIENCE, "FIKSIO_TIMEOUT_SECONDS": 5.0,
            "FIKSIO_TTL_SECONDS": 3600, **changes}


def make_world(folder: Path, keys: dict[str, KeyPair]) -> tuple[FiksIoWorld, object]:
    """The double with two accounts (the portal's and the back office's), started."""
    double = fake.FiksIoDouble()
    server = fake.start(double)
    portal_account, office_account = str(uuid.uuid4()), str(uuid.uuid4())
    portal_integration, office_integration = str(uuid.uuid4()), str(uuid.uuid4())
    double.add_integration(portal_integration, "portal-integration-password")
    double.add_integration(office_integration, "office-integration-password")
    double.add_client("portal-maskinporten-client", keys["portal-signer"].certificate)
    double.add_client("office-maskinporten-client", keys["back-office"].certificate)
    double.add_account(portal_account, keys["portal-account"].certificate_pem, portal_integration)
    double.add_account(office_account, keys["back-office"].certificate_pem, office_integration)
    signer_key, signer_cert = keys["portal-signer"].write(folder, "signer")
    account_key, _ = keys["portal-account"].write(folder, "account")
    password = folder / "integration-password"
    password.write_text("portal-integration-password\n")
    secrets = {"account_id": portal_account, "integration_id": portal_integration,
               "integration_password_ref": f"file:{password}",
               "maskinporten_client_id": "portal-maskinporten-client",
               "signing_key_ref": f"file:{signer_key}",
               "signing_certificate_ref": f"file:{signer_cert}",
               "account_key_ref": f"file:{account_key}", "receiver_account_id": office_account}
    office_folder = folder / "back-office"
    office_folder.mkdir()
    back_office = BackOffice(office_account, keys["back-office"], office_folder,
                             keys["portal-signer"].certificate_pem, office_integration,
                             "office-integration-password", "office-maskinporten-client",
                             double.url)
    return FiksIoWorld(double, back_office, portal_account, settings_for(double), secrets), server


@pytest.fixture
def fiks_io(rabbitmq, fiks_io_keys, tmp_path) -> Iterator[FiksIoWorld]:
    world, (server, thread) = make_world(tmp_path, fiks_io_keys)
    yield world
    if world.double.hold_answer is not None:
        world.double.hold_answer.set()
    server.shutdown()
    thread.join(timeout=5)
    fake.delete_queues(world.double)


def connect_eksempel(db_session, world: FiksIoWorld) -> None:
    """Eksempel kommune delivers over Fiks IO (as ``set-fiks-io`` would set it)."""
    set_account(db_session, get_by_slug(db_session, "eksempel").id, world.secrets)
    db_session.commit()
