"""The pure parts of webhooks: retry policy, signing, the SSRF address rules."""

from __future__ import annotations

import ipaddress
from datetime import UTC, datetime, timedelta

import pytest
from pydantic import ValidationError
from standardwebhooks import Webhook, WebhookVerificationError

from shared.config import Settings
from shared.crypto import SecretBox, generate_key
from shared.webhooks import signing, ssrf
from shared.webhooks.models import DeliveryStatus
from shared.webhooks.policy import DISABLE_AFTER, Verdict, judge
from tests.helpers.dns import FakeDNS

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


@pytest.mark.parametrize(
    "address",
    [
        "::127.0.0.1",  # IPv4-compatible (deprecated): loopback
        "::8.8.8.8",  # IPv4-compatible: never a destination, whatever it carries
        "::ffff:0:7f00:1",  # IPv4-translated (SIIT): 127.0.0.1
        "::ffff:0:808:808",  # IPv4-translated: only inside a translator's domain
        "::ffff:192.0.0.8",  # IPv4-mapped: IETF protocol assignments (global on 3.11.7)
        "64:ff9b:1::a00:1",  # local-use NAT64: 10.0.0.1
        "64:ff9b:1::808:808",  # local-use NAT64: our own translator, whatever it carries
        "64:ff9b::c000:8",  # well-known NAT64 of 192.0.0.8
        "2002:c000:8::1",  # 6to4 of 192.0.0.8
        "2001:0:a00:1::f7f7:f7f7",  # Teredo: public client 8.8.8.8, server 10.0.0.1
        "192.0.0.8",  # IETF protocol assignments
        "192.88.99.1",  # 6to4 relay anycast
        "3fff::1",  # IPv6 documentation (2024)
        "5f00::1",  # SRv6 SIDs: outside 2000::/3
        "fec0::1",  # site-local (deprecated)
    ],
)
def test_every_form_of_a_non_public_address_is_refused(address: str) -> None:
    """F5: one row per form; each was accepted before the guard had its own tables."""
    assert not ssrf.is_public(ipaddress.ip_address(address))


@pytest.mark.parametrize(
    "address",
    [
        "1.1.1.1",
        "2001:4860:4860::8888",
        "::ffff:8.8.8.8",  # IPv4-mapped: sockets send it as 8.8.8.8
        "64:ff9b::808:808",  # well-known NAT64 of 8.8.8.8
        "2002:808:808::1",  # 6to4 of 8.8.8.8
        "2001:0:4136:e378:8000:63bf:f7f7:f7f7",  # Teredo: server 65.54.227.120, client 8.8.8.8
    ],
)
def test_public_addresses_in_every_form_are(address: str) -> None:
    assert ssrf.is_public(ipaddress.ip_address(address))


@pytest.mark.parametrize(
    "url",
    [
        "https://[::7f00:1]/hook",  # how `https://[::127.0.0.1]/` is stored
        "https://[::ffff:0:7f00:1]/hook",
        "https://[64:ff9b:1::a00:1]/hook",
        "https://[2001:0:a00:1::f7f7:f7f7]/hook",
    ],
)
async def test_ipv6_urls_carrying_internal_ipv4_are_refused(url: str) -> None:
    assert "not a public address" in (await ssrf.url_problem(url, allow_private=False) or "")


@pytest.mark.parametrize("url", ["https://2130706433/", "https://0x7f.1/", "https://127.1/"])
async def test_legacy_ipv4_spellings_are_addresses_not_names(url: str, fake_dns: FakeDNS) -> None:
    assert "127.0.0.1 is not a public address" in (
        await ssrf.url_problem(url, allow_private=False) or ""
    )
    assert fake_dns.asked == []


@pytest.mark.parametrize(
    "url",
    [
        "https://93.184.216.34:6379/hook",
        "https://93.184.216.34:80/hook",
        "https://93.184.216.34:8443/hook",
        "https://hooks.example.com:22/hook",
    ],
)
async def test_only_port_443_is_accepted_by_default(url: str, fake_dns: FakeDNS) -> None:
    fake_dns.answers["hooks.example.com"] = ["93.184.216.34"]
    problem = await ssrf.url_problem(url, allow_private=False)
    assert "is not allowed for webhooks (allowed: 443)" in (problem or "")
    assert await ssrf.url_problem(url, allow_private=True) is None
    assert fake_dns.asked == []


async def test_a_configured_port_list_replaces_443(fake_dns: FakeDNS) -> None:
    fake_dns.answers["hooks.example.com"] = ["2606:4700:4700::1111"]
    ports = (443, 8443)
    for url in ("https://hooks.example.com:8443/", "https://93.184.216.34:443/hook"):
        assert await ssrf.url_problem(url, allow_private=False, allowed_ports=ports) is None
    refused = await ssrf.url_problem(
        "https://93.184.216.34:6379/", allow_private=False, allowed_ports=ports
    )
    assert "allowed: 443, 8443" in (refused or "")


async def test_a_port_that_is_not_allowed_is_refused_at_connect(fake_dns: FakeDNS) -> None:
    """Endpoints saved before the port rule, or under another setting, are not delivered."""
    fake_dns.answers["hooks.example.com"] = ["93.184.216.34"]
    with pytest.raises(ssrf.BlockedAddress, match="port 6379"):
        await ssrf.GuardedBackend(allow_private=False).connect_tcp("hooks.example.com", 6379)
    with pytest.raises(ssrf.BlockedAddress, match="port 8443"):
        await ssrf.GuardedBackend(allow_private=False).connect_tcp("93.184.216.34", 8443)


async def test_names_resolving_to_embedded_internal_ipv4_are_refused(fake_dns: FakeDNS) -> None:
    fake_dns.answers["hooks.example.com"] = ["2606:4700:4700::1111", "64:ff9b:1::a00:1"]
    problem = await ssrf.url_problem("https://hooks.example.com/", allow_private=False)
    assert "resolves to 64:ff9b:1::a00:1" in (problem or "")
    with pytest.raises(ssrf.BlockedAddress, match="64:ff9b:1::a00:1"):
        await ssrf.GuardedBackend(allow_private=False).connect_tcp("hooks.example.com", 443)


async def test_a_resolver_can_be_passed_in() -> None:
    async def resolver(host: str, port: int) -> list[ssrf.IPAddress]:
        return [ipaddress.ip_address("::ffff:0:a00:1")]

    problem = await ssrf.url_problem(
        "https://hooks.example.com/", allow_private=False, resolver=resolver
    )
    assert "resolves to ::ffff:0:a00:1" in (problem or "")


async def test_a_name_not_in_the_fake_dns_is_left_to_delivery(fake_dns: FakeDNS) -> None:
    assert await ssrf.url_problem("https://hooks.example.net/", allow_private=False) is None
    assert fake_dns.asked == ["hooks.example.net"]


def test_the_allowed_ports_setting_reads_a_comma_separated_list() -> None:
    assert Settings(webhook_allowed_ports="443, 8443").webhook_allowed_ports == (443, 8443)
    assert Settings().webhook_allowed_ports == (443,)
    for wrong in ("", "0", "443,70000", "https"):
        with pytest.raises(ValidationError, match="webhook_allowed_ports"):
            Settings(webhook_allowed_ports=wrong)
