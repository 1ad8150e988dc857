"""How an Instagram account comes to see orders: by proving each one, or by a code from the customer's phone.

Nothing a checkout form collects is verified: a phone or email typed there may be anyone's. So a proof (an
order's number plus the email or the last 4 digits of the phone on it) opens that one order and nothing
else. The orders of a phone open only to an account that shows it holds that phone: the phone writes "link
instagram" on SMS or WhatsApp (the carrier vouches for the sender), gets a one-time code in the reply, and
the account sends that code in an Instagram message.

Guessing is bounded: failed proofs are counted per order number and per account over a sliding day, each
attempt counted before it is judged (and given back when it proved right), so that concurrent guesses never
outrun the count. Past a limit every proof gets the answer a wrong one gets, right or wrong, and staff hear
of it once.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.stores import LinkingStores
from orders.model import CustomerRecord, NotificationId, Order, OutboxEntry, OutboxKind, Shop, new_id
from orders.store.proofs import CODE_DIGITS, Taken

#: Failed proofs of one order number within SPAN, from all accounts: 5 leaves an honest customer room for
#: a few typos, and gives a guesser of the last 4 digits 5 of 10,000 a day.
ORDER_FAILURES = 5
#: Failed proofs (and codes) of one account within SPAN, over all order numbers: 10 is two orders' worth of
#: typos, and stops one account walking through order numbers.
ACCOUNT_FAILURES = 10
SPAN = timedelta(hours=24)
#: How long a code from the phone stays good: long enough to switch apps, short enough to go stale.
CODE_TTL = timedelta(minutes=15)

_ASKS_FOR_CODE = re.compile(
    r"\b(?:link|connect)\b.*\b(?:instagram|insta|ig)\b|\b(?:instagram|insta|ig)\b.*\b(?:link|connect)\b",
    re.IGNORECASE | re.DOTALL,
)
_CODE = re.compile(rf"\bcode\b(?:\s+is\b)?\W{{0,3}}((?:\d[ -]?){{{CODE_DIGITS - 1}}}\d)\b", re.IGNORECASE)


def asks_for_code(text: str) -> bool:
    """Whether a phone's message asks to link Instagram ("link my instagram", "connect IG")."""
    return _ASKS_FOR_CODE.search(text) is not None


def code_in(text: str) -> str | None:
    """The one-time code an Instagram message gives ("code 12345678", "my code is 1234 5678"), digits only."""
    found = _CODE.search(text)
    return re.sub(r"\D", "", found.group(1)) if found else None


@dataclass(frozen=True)
class Outcome:
    """What a proof or code did: the order it proved (if one), and whether it linked anything."""

    linked: bool
    order: Order | None = None


class Linking:
    """Proofs and codes of one shop's Instagram accounts, against the limits; staff alerted on a lockout."""

    def __init__(self, stores: LinkingStores, clock: Callable[[], datetime]) -> None:
        self.stores = stores
        self.clock = clock

    async def issue_code(self, shop: Shop, phone: str) -> str:
        return await self.stores.link_codes.issue(shop.id, phone, self.clock(), CODE_TTL)

    async def prove(
        self, shop: Shop, customer: CustomerRecord, number: str, email: str | None, last4: str | None
    ) -> Outcome:
        """Link the order numbered ``number`` if the email or last 4 digits match it, within the limits.

        An unknown number, a wrong detail and a proof past a limit all come back unlinked, alike.
        """
        taken = await self._take(shop, customer, number.strip().lstrip("#").lower())
        if taken is None:
            return Outcome(linked=False)
        order = await self.stores.orders.find_number(shop.id, number)
        if order is None or not _matches(order, email, last4):
            await self._alert_if_locked(shop, customer, number, taken)
            return Outcome(linked=False)
        await self._give_back(taken)
        await self.stores.customers.prove_order(shop.id, customer.id, order.id)
        return Outcome(linked=True, order=order)

    async def redeem(self, shop: Shop, customer: CustomerRecord, code: str) -> Outcome:
        """Link the phone a pending ``code`` was issued to, within the account's limit."""
        taken = await self._take(shop, customer, None)
        if taken is None:
            return Outcome(linked=False)
        phone = await self.stores.link_codes.redeem(shop.id, code, self.clock())
        if phone is None:
            await self._alert_if_locked(shop, customer, None, taken)
            return Outcome(linked=False)
        await self._give_back(taken)
        await self.stores.customers.link_phone(shop.id, customer.id, phone)
        return Outcome(linked=True)

    async def _take(
        self, shop: Shop, customer: CustomerRecord, number: str | None
    ) -> dict[str, tuple[Taken, int]] | None:
        """Count the attempt for the account (and the order number); None, counting nothing, past a limit."""
        now = self.clock()
        limits = {f"link:{shop.id}:account:{customer.id}": ACCOUNT_FAILURES}
        if number is not None:
            limits[f"link:{shop.id}:order:{number}"] = ORDER_FAILURES
        taken: dict[str, tuple[Taken, int]] = {}
        for key, limit in limits.items():
            counted = await self.stores.proof_attempts.take(key, now, limit=limit, span=SPAN)
            if counted is None:
                await self._give_back(taken)
                return None
            taken[key] = (counted, limit)
        return taken

    async def _give_back(self, taken: dict[str, tuple[Taken, int]]) -> None:
        for counted, _ in taken.values():
            await self.stores.proof_attempts.give_back(counted)

    async def _alert_if_locked(
        self, shop: Shop, customer: CustomerRecord, number: str | None, taken: dict[str, tuple[Taken, int]]
    ) -> None:
        """Tell staff once when a failure fills a limit (keyed by where it filled, so a race queues one)."""
        full = sorted(counted.bucket_id for counted, limit in taken.values() if counted.total >= limit)
        if not full:
            return
        if any(":order:" in bucket for bucket in full):
            what = f"order #{number} after {ORDER_FAILURES} wrong proofs"
        else:
            what = f"Instagram customer {customer.id} after {ACCOUNT_FAILURES} wrong proofs or codes"
        text = (
            f"🔒 Instagram linking is paused for {what} within 24 h: someone may be guessing. "
            "Until it clears, every proof gets the answer a wrong one gets."
        )
        now = self.clock()
        entry = OutboxEntry(
            id=NotificationId(new_id("ntf")), shop_id=shop.id, kind=OutboxKind.STAFF_ALERT, channel="telegram",
            message=text, due_at=now, created_at=now, idempotency_key="link-locked:" + ":".join(full),
        )  # fmt: skip
        await self.stores.outbox.add(entry)


def _matches(order: Order, email: str | None, last4: str | None) -> bool:
    on_file_phone, on_file_email = order.customer.phone, order.customer.email
    email_ok = bool(email and on_file_email and email.lower() == on_file_email.lower())
    phone_ok = bool(last4 and on_file_phone and on_file_phone.endswith(last4))
    return email_ok or phone_ok
