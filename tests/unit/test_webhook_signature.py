"""The webhook's signature header and the rules for its address (docs/webhook.md)."""

from __future__ import annotations

import re

import pytest

from portal import clock
from portal.queue.webhook import WebhookUrlError, check_webhook_url, sign, verify

SECRET = b"whsec_test-secret"
BODY = b'{"id":"m-1"}'
SENT_AT = 1_700_000_000


def test_the_signature_is_hmac_sha256_over_the_timestamp_a_dot_and_the_body():
    # Computed outside Python: printf '1700000000.{"id":"m-1"}' |
    #   openssl dgst -sha256 -hmac 'whsec_test-secret'
    assert sign(SECRET, SENT_AT, BODY) == (
        "t=1700000000,v1=26304e1d3f6906650bf465357ebf4ad655ffad181542687cfaec7f5fad92b3ed"
    )


def test_a_fresh_signature_verifies():
    header = sign(SECRET, SENT_AT, BODY)
    assert verify(SECRET, header, BODY, now=SENT_AT + 299)


def test_a_tampered_body_fails():
    header = sign(SECRET, SENT_AT, BODY)
    assert not verify(SECRET, header, b'{"id":"m-2"}', now=SENT_AT)


def test_another_secret_fails():
    header = sign(b"whsec_another", SENT_AT, BODY)
    assert not verify(SECRET, header, BODY, now=SENT_AT)


def test_an_old_timestamp_fails_so_a_captured_request_cannot_be_replayed():
    header = sign(SECRET, SENT_AT, BODY)
    assert not verify(SECRET, header, BODY, now=SENT_AT + 301)
    assert verify(SECRET, header, BODY, now=SENT_AT + 301, tolerance_seconds=600)


def test_a_timestamp_far_in_the_future_fails():
    header = sign(SECRET, SENT_AT + 3600, BODY)
    assert not verify(SECRET, header, BODY, now=SENT_AT)


def test_moving_the_body_to_another_time_fails():
    digest = sign(SECRET, SENT_AT, BODY).split(",")[1]
    assert not verify(SECRET, f"t={SENT_AT + 10},{digest}", BODY, now=SENT_AT + 10)


def test_one_matching_signature_among_several_is_enough():
    """While a secret is replaced, a sender may sign with the old and the new one."""
    digest = sign(SECRET, SENT_AT, BODY).split("v1=")[1]
    header = f"t={SENT_AT},v1={'0' * 64},v1={digest}"
    assert verify(SECRET, header, BODY, now=SENT_AT)


@pytest.mark.parametrize("header", [
    "", "garbage", f"t={SENT_AT}", "v1=" + "0" * 64, f"t=soon,v1={'0' * 64}",
    f"t={SENT_AT},v1=ø{'0' * 63}", f"t=-{SENT_AT},v1={'0' * 64}", f"t={SENT_AT},v0={'0' * 64}",
])
def test_a_malformed_header_fails_without_an_error(header):
    assert not verify(SECRET, header, BODY, now=SENT_AT)


@pytest.mark.parametrize("url", [
    "https://backoffice.example/hooks/ip-portal",
    "https://backoffice.example:8443/hook?token=x",
])
def test_https_addresses_are_accepted(url):
    assert check_webhook_url(f" {url} ", production=True) == url


def test_plain_http_is_accepted_only_to_this_machine_outside_production():
    assert check_webhook_url("http://127.0.0.1:8080/hook", production=False)
    assert check_webhook_url("http://localhost/hook", production=False)
    with pytest.raises(WebhookUrlError, match="https"):
        check_webhook_url("http://127.0.0.1:8080/hook", production=True)
    with pytest.raises(WebhookUrlError, match="https"):
        check_webhook_url("http://backoffice.example/hook", production=False)


@pytest.mark.parametrize("url", [
    "ftp://backoffice.example/", "https://", "backoffice.example/hook",
    "https://user:password@backoffice.example/hook",
    "https://backoffice.example/" + "a" * 500,
])
def test_other_addresses_are_refused(url):
    with pytest.raises(WebhookUrlError):
        check_webhook_url(url, production=False)


def test_the_example_in_the_receivers_guide_verifies_our_signatures(project_root):
    guide = (project_root / "docs" / "webhook.md").read_text(encoding="utf-8")
    [example] = re.findall(r"```python\n(.*?)```", guide, flags=re.DOTALL)
    namespace: dict = {}
    exec(compile(example, "docs/webhook.md", "exec"), namespace)  # noqa: S102 - our own docs
    now = clock.unix_seconds()
    header = sign(SECRET, now, BODY)
    assert namespace["verify"](SECRET.decode(), header, BODY)
    assert not namespace["verify"](SECRET.decode(), header, BODY + b" ")
    assert not namespace["verify"](SECRET.decode(), sign(SECRET, now - 301, BODY), BODY)
    assert not namespace["verify"](SECRET.decode(), "t=x,v1=0", BODY)
