"""Webhook signatures: only the holder of the secret can sign, and only recently."""

from __future__ import annotations

from providers.webhook_signature import sign, verify

BODY = b'{"event_id":"e1"}'


def test_a_fresh_signature_by_the_secret_holder_verifies():
    assert verify(["s3cret"], BODY, sign("s3cret", BODY, timestamp=1_000), now=1_010)


def test_wrong_secret_changed_body_stale_or_malformed_signatures_fail():
    header = sign("s3cret", BODY, timestamp=1_000)
    assert not verify(["other"], BODY, header, now=1_010)
    assert not verify(["s3cret"], BODY + b" ", header, now=1_010)
    assert not verify(["s3cret"], BODY, header, now=1_000 + 301)
    assert not verify(["s3cret"], BODY, None)
    assert not verify(["s3cret"], BODY, "v1=abc", now=1_010)
    assert not verify(["s3cret"], BODY, "t=x,v1=abc", now=1_010)
    assert not verify(["s3cret"], BODY, "t=1000,v1=é", now=1_010)
    # Full-width digits, which int() would read.
    assert not verify(["s3cret"], BODY, "t=\uff11\uff10\uff10\uff10,v1=abc", now=1_010)


def test_any_current_secret_of_the_sender_verifies_so_a_secret_can_be_rotated():
    old, new = sign("old", BODY, timestamp=1_000), sign("new", BODY, timestamp=1_000)
    assert verify(["new", "old"], BODY, old, now=1_010) and verify(["new", "old"], BODY, new, now=1_010)
    assert not verify(["new"], BODY, old, now=1_010)  # once the old one is gone
    assert not verify([], BODY, new, now=1_010)
