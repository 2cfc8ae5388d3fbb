"""A caller's number, normalised and turned into a keyed hash; the number itself is dropped.

Cambodian numbers come in many forms (`+855 12 345 678`, `012 345 678`, `855-12-345678`,
`00855 12 345 678`): all are one caller, `85512345678`. Numbers of other countries are
kept as their international digits. The hash is HMAC-SHA256 under `$CALLER_HASH_KEY`, so
nobody without the key can test a guessed number against it.
"""

from __future__ import annotations

import hashlib
import hmac
import re

from broadcaster.errors import BadInput

COUNTRY = "855"
_ALLOWED = re.compile(r"^\+?[0-9 ()./-]{1,40}$")
NATIONAL_DIGITS = (8, 9)
"""Cambodian numbers without the trunk 0: 8 or 9 digits (e.g. 12 345 678, 10 234 567 8)."""


def normalise(number: str, field: str = "from") -> str:
    """International digits without `+` (E.164), or BadInput naming `field` only: the
    message never repeats the number."""
    text = number.strip()
    if not _ALLOWED.match(text):
        raise BadInput(f"{field}: not a phone number (digits, spaces, + - . ( ) only)")
    digits = re.sub(r"\D", "", text)
    if text.startswith("+"):
        full = digits
    elif digits.startswith("00"):
        full = digits[2:]
    elif digits.startswith(COUNTRY) and len(digits) - len(COUNTRY) in NATIONAL_DIGITS:
        full = digits
    elif digits.startswith("0"):
        full = COUNTRY + digits[1:]
    elif len(digits) in NATIONAL_DIGITS:
        full = COUNTRY + digits
    else:
        full = digits
    if full.startswith(COUNTRY + "0"):  # +855 012 ...: the trunk 0 kept by mistake
        full = COUNTRY + full[len(COUNTRY) + 1 :]
    if not 7 <= len(full) <= 15 or full.startswith("0"):
        raise BadInput(f"{field}: not a phone number (too short, too long or no country)")
    return full


def caller_hash(number: str, key: str | None, field: str = "from") -> str | None:
    """The caller's keyed hash (64 hex digits), or None without a key. The number is
    checked either way, so a bad one is refused whether or not a key is set."""
    full = normalise(number, field)
    if not key:
        return None
    return hmac.new(key.encode(), full.encode(), hashlib.sha256).hexdigest()
