from __future__ import annotations

import pytest

from shared.events.pii import normal_email, normal_phone, sha256


@pytest.mark.parametrize(
    ("raw", "normal"),
    [
        (" Claire.B@Example.COM ", "claire.b@example.com"),
        ("a@b.co", "a@b.co"),
        ("no-at-sign.example.com", None),
        ("two@@example.com", None),
        ("spaces in@example.com", None),
    ],
)
def test_emails(raw: str, normal: str | None) -> None:
    assert normal_email(raw) == normal


@pytest.mark.parametrize(
    ("raw", "normal"),
    [
        ("+33 6 12 34 56 78", "33612345678"),
        ("0033 (6) 12.34.56.78", "33612345678"),
        ("+33 (0)6 12 34 56 78", "33612345678"),
        ("+44 (0)20 7946 0958", "442079460958"),
        ("+1-415-555-0100", "14155550100"),
        ("06 12 34 56 78", None),  # no country code
        ("+33 6 12 34 56 78 ext 9", None),
        ("+0 12 34 56 78", None),
        ("+1234567", None),  # too short
    ],
)
def test_phones(raw: str, normal: str | None) -> None:
    assert normal_phone(raw) == normal


def test_hashes_are_lowercase_hex_sha256() -> None:
    # printf 'a@b.co' | sha256sum
    assert sha256("a@b.co") == "80305c9bb1bb2480e03894350e0a8a366dcbdeb302e69e0817aa0743abd77054"
