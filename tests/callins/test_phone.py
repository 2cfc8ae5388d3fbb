"""A caller's number: Cambodian forms are one caller; bad numbers are refused without
the message ever repeating them."""

from __future__ import annotations

import pytest

from broadcaster.callins.phone import caller_hash, normalise
from broadcaster.errors import BadInput

ONE_CALLER = [
    "+855 12 345 678",
    "012 345 678",
    "855-12-345678",
    "00855 12 345 678",
    "(012) 345-678",
    "+85512345678",
    "012.345.678",
    "12 345 678",
    "+855 012 345 678",
]


def test_cambodian_forms_are_one_caller() -> None:
    assert {normalise(n) for n in ONE_CALLER} == {"85512345678"}
    assert normalise("097 712 3456") == normalise("+855 97 712 3456") == "855977123456"


def test_other_countries_keep_their_digits() -> None:
    assert normalise("+66 81 234 5678") == "66812345678"
    assert normalise("0066 81 234 5678") == "66812345678"
    assert normalise("+66 81 234 5678") != normalise("081 234 5678")


def test_the_hash_is_keyed_and_the_same_for_every_form() -> None:
    hashes = {caller_hash(n, "key-1") for n in ONE_CALLER}
    assert len(hashes) == 1
    (digest,) = hashes
    assert digest is not None and len(digest) == 64 and "12345678" not in digest
    assert caller_hash(ONE_CALLER[0], "key-2") != digest
    assert caller_hash(ONE_CALLER[0], None) is None


@pytest.mark.parametrize(
    "bad", ["", "12", "abc 012 345 678", "+855 12 345 678 999 999 9", "012;345678", "0"]
)
def test_a_bad_number_is_refused_without_repeating_it(bad: str) -> None:
    for key in ("k", None):
        with pytest.raises(BadInput) as caught:
            caller_hash(bad, key, "from")
        message = str(caught.value)
        assert message.startswith("from: ")
        digits = "".join(ch for ch in bad if ch.isdigit())
        assert (bad not in message or not bad) and (len(digits) < 3 or digits not in message)
