"""Personal data of tracked events, normalised then hashed (EVT-1): never stored in clear.

The normalisation is the one the ad platforms apply before matching customer lists
(Meta, Google, TikTok, LinkedIn): email trimmed and lower-cased; phone as digits with
the country code, no "+", spaces or punctuation. The SHA-256 of the same normalised
value is what the export sends (SEG-4), so a hash stored here matches theirs.
"""

from __future__ import annotations

import hashlib
import re

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_PHONE_NOISE = re.compile(r"[\s().\-/]")


def normal_email(raw: str) -> str | None:
    email = raw.strip().lower()
    return email if _EMAIL.match(email) else None


def normal_phone(raw: str) -> str | None:
    """E.164 digits: "+33 6 12 34 56 78" and "0033612345678" -> "33612345678". A
    number without its country code cannot be told from one with it: it must have one.
    The national trunk 0 written in brackets ("+33 (0)6 ...", "+44 (0)20 ...") is not
    part of the international number."""
    phone = _PHONE_NOISE.sub("", raw.strip().replace("(0)", ""))
    if phone.startswith("+"):
        phone = phone[1:]
    elif phone.startswith("00"):
        phone = phone[2:]
    else:
        return None
    return phone if phone.isdigit() and 8 <= len(phone) <= 15 and phone[0] != "0" else None


def sha256(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()
