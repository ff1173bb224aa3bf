"""The pure parts of webhooks: retry policy, signing, the SSRF address rules."""

from __future__ import annotations

import ipaddress
from datetime import UTC, datetime, timedelta

import pytest
from standardwebhooks import Webhook, WebhookVerificationError

from shared.crypto import SecretBox, generate_key
from shared.webhooks import signing, ssrf
from shared.webhooks.models import DeliveryStatus
from shared.webhooks.policy import DISABLE_AFTER, Verdict, judge

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
SCHEDULE = (5.0, 300.0, 1800.0)


def verdict(
    code: int | None,
    attempt: int = 1,
    *,
    one_off: bool = False,
    failing_since: datetime | None = None,
) -> Verdict:
    return judge(
        code,
        attempt=attempt,
        one_off=one_off,
        schedule=SCHEDULE,
        now=NOW,
        failing_since=failing_since,
    )


def test_any_2xx_succeeds_and_nothing_else_does() -> None:
    for ok in (200, 201, 202, 204, 299):
        assert verdict(ok).status == DeliveryStatus.succeeded
    for failed in (None, 199, 301, 400, 404, 429, 500, 503):
        assert verdict(failed).status == DeliveryStatus.pending


def test_retries_follow_the_schedule_then_fail() -> None:
    assert verdict(500, attempt=1).next_attempt_at == NOW + timedelta(seconds=5)
    assert verdict(None, attempt=2).next_attempt_at == NOW + timedelta(seconds=300)
    assert verdict(503, attempt=3).next_attempt_at == NOW + timedelta(seconds=1800)
    last = verdict(500, attempt=4)  # 1 + len(schedule) attempts in all
    assert (last.status, last.next_attempt_at) == (DeliveryStatus.failed, None)


def test_gone_disables_at_once() -> None:
    gone = verdict(410, attempt=1)
    assert gone.status == DeliveryStatus.failed
    assert "410" in (gone.disable_reason or "")


def test_a_one_off_retry_is_one_attempt() -> None:
    assert verdict(500, attempt=2, one_off=True).status == DeliveryStatus.failed
    assert verdict(200, attempt=2, one_off=True).status == DeliveryStatus.succeeded


def test_five_days_of_failures_disable_the_endpoint() -> None:
    just_under = verdict(500, failing_since=NOW - DISABLE_AFTER + timedelta(seconds=1))
    assert just_under.disable_reason is None
    assert just_under.status == DeliveryStatus.pending
    at_limit = verdict(500, failing_since=NOW - DISABLE_AFTER)
    assert at_limit.status == DeliveryStatus.failed
    assert "5 days" in (at_limit.disable_reason or "")
    # A success ends the streak whatever its age.
    assert verdict(200, failing_since=NOW - timedelta(days=30)).disable_reason is None


def test_signatures_verify_with_the_standardwebhooks_library() -> None:
    secret = signing.generate_secret()
    assert secret.startswith("whsec_")
    body = signing.body("content_item.due", NOW, {"content_item": {"id": "x", "caption": "é"}})
    now = datetime.now(UTC)
    headers = signing.headers("evt-1", body, [secret], now)
    assert Webhook(secret).verify(body, headers) == {
        "type": "content_item.due",
        "timestamp": "2026-11-23T12:00:00Z",
        "data": {"content_item": {"id": "x", "caption": "é"}},
    }
    with pytest.raises(WebhookVerificationError):
        Webhook(signing.generate_secret()).verify(body, headers)
    with pytest.raises(WebhookVerificationError):
        Webhook(secret).verify(body.replace(b"x", b"y"), headers)


def test_during_a_rotation_both_secrets_verify() -> None:
    old, new = signing.generate_secret(), signing.generate_secret()
    body = signing.body("webhook.test", NOW, {})
    headers = signing.headers("evt-2", body, [new, old], datetime.now(UTC))
    assert len(headers["webhook-signature"].split(" ")) == 2
    for secret in (old, new):
        Webhook(secret).verify(body, headers)


def test_secrets_are_encrypted_and_the_key_can_rotate() -> None:
    first, second = generate_key(), generate_key()
    token = SecretBox(first).encrypt("whsec_abc")
    assert "whsec_abc" not in token
    assert SecretBox(f"{second},{first}").decrypt(token) == "whsec_abc"
    with pytest.raises(RuntimeError, match="cannot be decrypted"):
        SecretBox(second).decrypt(token)


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",
        "10.0.0.8",
        "172.16.5.4",
        "192.168.1.1",
        "169.254.169.254",  # cloud metadata
        "100.64.0.1",  # carrier-grade NAT
        "0.0.0.0",
        "224.0.0.251",
        "::1",
        "fe80::1",
        "fd00:ec2::254",  # AWS metadata over IPv6
        "::ffff:127.0.0.1",
        "64:ff9b::a9fe:a9fe",  # NAT64 of 169.254.169.254
    ],
)
def test_internal_addresses_are_not_public(address: str) -> None:
    assert not ssrf.is_public(ipaddress.ip_address(address))


@pytest.mark.parametrize("address", ["93.184.216.34", "8.8.8.8", "2606:4700:4700::1111"])
def test_public_addresses_are(address: str) -> None:
    assert ssrf.is_public(ipaddress.ip_address(address))


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("http://93.184.216.34/hook", "https"),
        ("https://127.0.0.1/hook", "not a public address"),
        ("https://10.1.2.3:8443/hook", "not a public address"),
        ("https://169.254.169.254/latest/meta-data/", "not a public address"),
        ("https://[::1]/hook", "not a public address"),
        ("https://[fd00:ec2::254]/hook", "not a public address"),
        ("https://localhost/hook", "internal name"),
        ("https://api.localhost/hook", "internal name"),
        ("https://metadata.google.internal/computeMetadata/v1/", "internal name"),
    ],
)
async def test_internal_urls_are_refused(url: str, reason: str) -> None:
    problem = await ssrf.url_problem(url, allow_private=False)
    assert reason in (problem or "")
    assert await ssrf.url_problem(url, allow_private=True) is None


async def test_public_urls_pass() -> None:
    assert await ssrf.url_problem("https://93.184.216.34/hook", allow_private=False) is None


async def test_a_name_that_resolves_inside_is_refused_at_connect(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """DNS rebinding: the name was public when saved, it resolves inside now."""

    async def rebound(host: str, port: int) -> list[ssrf.IPAddress]:
        return [ipaddress.ip_address("93.184.216.34"), ipaddress.ip_address("10.0.0.7")]

    monkeypatch.setattr(ssrf, "resolve", rebound)
    with pytest.raises(ssrf.BlockedAddress, match=r"10\.0\.0\.7"):
        await ssrf.GuardedBackend(allow_private=False).connect_tcp("hooks.example.com", 443)
    assert "10.0.0.7" in (
        await ssrf.url_problem("https://hooks.example.com/", allow_private=False) or ""
    )
