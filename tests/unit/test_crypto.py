"""Secrets at rest: sealing, opening, key rotation and the plaintext migration path, without a database."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from orders.crypto import SealError, SecretBox, UnknownKey, is_sealed, key_id

OLD = "old-key-" + "o" * 40
NEW = "new-key-" + "n" * 40


@given(st.text())
def test_anything_sealed_opens_to_itself(plaintext: str) -> None:
    box = SecretBox([NEW])
    sealed = box.seal(plaintext, "shop_1/webhook_secret")
    assert is_sealed(sealed)
    assert box.open(sealed, "shop_1/webhook_secret") == plaintext


def test_a_sealed_value_shows_nothing_of_the_secret_or_the_key() -> None:
    box = SecretBox([NEW])
    first, second = box.seal("whsec_abc123", "c"), box.seal("whsec_abc123", "c")
    assert first != second  # a fresh nonce each time
    for sealed in (first, second):
        assert "whsec" not in sealed and "abc123" not in sealed and NEW not in sealed
        assert sealed.startswith(f"enc1:{key_id(NEW)}:")
    assert key_id(NEW) != key_id(OLD)
    assert NEW[:12] not in key_id(NEW)


def test_old_values_open_with_the_new_key_first_and_reseal_onto_it() -> None:
    before = SecretBox([OLD]).seal("s3cret", "shop_1/webhook_secret")
    rotating = SecretBox([NEW, OLD])
    assert rotating.open(before, "shop_1/webhook_secret") == "s3cret"
    assert not rotating.is_current(before)
    after = rotating.reseal(before, "shop_1/webhook_secret")
    assert rotating.is_current(after)
    assert rotating.reseal(after, "shop_1/webhook_secret") == after  # nothing left to do
    assert SecretBox([NEW]).open(after, "shop_1/webhook_secret") == "s3cret"  # the old key can go


def test_plaintext_from_before_encryption_reads_as_is_and_reseals() -> None:
    box = SecretBox([NEW])
    assert box.open("legacy-plain-secret", "shop_1/webhook_secret") == "legacy-plain-secret"
    assert not box.is_current("legacy-plain-secret")
    sealed = box.reseal("legacy-plain-secret", "shop_1/webhook_secret")
    assert is_sealed(sealed)
    assert box.open(sealed, "shop_1/webhook_secret") == "legacy-plain-secret"


def test_a_value_sealed_with_a_key_no_longer_configured_is_refused_by_name() -> None:
    sealed = SecretBox([OLD]).seal("s3cret", "shop_1/webhook_secret")
    with pytest.raises(UnknownKey, match=key_id(OLD)):
        SecretBox([NEW]).open(sealed, "shop_1/webhook_secret")


def test_a_value_moved_to_another_field_or_shop_does_not_open() -> None:
    box = SecretBox([NEW])
    sealed = box.seal("s3cret", "shop_1/webhook_secret")
    with pytest.raises(SealError):
        box.open(sealed, "shop_2/webhook_secret")
    with pytest.raises(SealError):
        box.open(sealed, "shop_1/shopify_secret")


@pytest.mark.parametrize(
    "damage",
    [lambda s: s[:-2] + ("A" if s[-2] != "A" else "B") + s[-1], lambda s: s[:30], lambda s: s + "!!"],
)
def test_a_tampered_value_is_refused(damage: object) -> None:
    box = SecretBox([NEW])
    sealed = box.seal("s3cret", "ctx")
    with pytest.raises(SealError):
        box.open(damage(sealed), "ctx")  # type: ignore[operator]


def test_keys_are_newest_first_without_repeats_and_one_is_needed() -> None:
    box = SecretBox([NEW, OLD, NEW, ""])
    assert box.key_ids == (key_id(NEW), key_id(OLD))
    assert box.current_key_id == key_id(NEW)
    with pytest.raises(ValueError, match="at least one"):
        SecretBox(["", ""])
