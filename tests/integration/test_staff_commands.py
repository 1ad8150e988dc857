"""The staff desk's actions on Telegram: attention, status, advance, notify, follow-up, bulk, find, buttons.

Through the real webhook, the real python-telegram-bot Application and the Bot API stand-in, with the
harness of ``test_telegram``. Every effect is checked where a shop sees it: REST API v1 (the order, its
timeline with the staff member as actor, its notifications).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest

from orders.shops import new_shop
from orders.store import Database
from tests.conftest import Api, Clock, finish_background, token_for
from tests.integration import test_telegram as harness
from tests.integration.test_telegram import STAFF, STRANGER, Harness, button_press, command, fixture

# the harness's fixtures, used here by name
telegram = harness.telegram
telegram_settings = harness.telegram_settings
desk_shop = harness.desk_shop
desk = harness.desk

pytestmark = harness.pytestmark

ACTOR = f"Mara Lindqvist (tg:{STAFF})"  # the sender in the fixtures, as the timeline names them
ANA = {"name": "Ana Gomez", "phone": "+4915112345678"}
#: What becomes of a message to a customer of the desk's shop, which has no number or account to send from:
#: the app takes it the moment it is queued and skips it, saying why.
UNREACHABLE = ("skipped", "no channel reaches this customer")


async def progress(desk: Harness, order: dict[str, Any]) -> dict[str, Any]:
    view: dict[str, Any] = await desk.api.get(f"/orders/{order['order_id']}/progress")
    return view


async def settled(desk: Harness) -> None:
    """Wait until the app has taken the messages it queued (it sends each at once)."""
    assert desk.client.app is not None
    await finish_background(desk.client.app)


async def expect_usage(desk: Harness, texts: list[str], usage: str) -> None:
    for text in texts:
        assert await desk.ask(text) == usage, text


# -- /status ------------------------------------------------------------------------------------------


async def test_status_moves_the_order_records_the_actor_and_queues_the_customer_update(desk: Harness) -> None:
    order = await desk.order(number="1042", customer=ANA)

    await desk.deliver(fixture("command_status"))  # "/status 1042 shipped DHL picked it up"

    [reply] = desk.telegram.messages_to(STAFF)
    assert reply.text.splitlines() == [
        "✅ Order #1042: pending → shipped",
        "Note: DHL picked it up",
        "The customer's status update is queued.",
    ]
    assert reply.buttons() == [("📂 Open #1042", f"open:{order['order_id']}")]
    view = await progress(desk, order)
    assert view["status"] == "shipped"
    last = view["timeline"][-1]
    assert (last["source"], last["actor"], last["note"], last["from_status"], last["forced"]) == (
        "staff", ACTOR, "DHL picked it up", "pending", False,
    )  # fmt: skip
    await settled(desk)
    updates = [n for n in (await progress(desk, order))["notifications"] if n["status"] == "shipped"]
    assert [(n["kind"], n["state"], n["error"]) for n in updates] == [("status_update", *UNREACHABLE)]


async def test_status_backwards_needs_a_trailing_force(desk: Harness) -> None:
    order = await desk.order(number="1042", status="shipped")

    refused = await desk.ask("/status 1042 pending")
    assert refused == (
        "⛔ Order #1042 can't go from shipped to pending: that goes backwards.\n"
        "To do it anyway: /status 1042 pending force"
    )
    assert (await progress(desk, order))["status"] == "shipped"

    forced = await desk.ask("/status #1042 pending label was wrong force")
    assert forced.splitlines()[:2] == ["✅ Order #1042: shipped → pending (forced)", "Note: label was wrong"]
    last = (await progress(desk, order))["timeline"][-1]
    assert (last["status"], last["forced"], last["actor"], last["note"]) == (
        "pending", True, ACTOR, "label was wrong",
    )  # fmt: skip


async def test_status_with_bad_arguments_says_how(desk: Harness) -> None:
    order = await desk.order(number="1042")
    usage = "Usage: /status <number> <status> [note] [force], for example /status 1042 shipped"
    await expect_usage(desk, ["/status", "/status 1042", "/status # shipped"], usage)
    assert await desk.ask("/status 1042 shiped") == (
        "Unknown status 'shiped'. Choose one of: pending, processing, shipped, fulfilled, cancelled.\n"
        + usage
    )
    assert await desk.ask("/status 9999 shipped") == "No order #9999 in Acme Coffee."
    assert await desk.ask("/status 1042 pending") == "Order #1042 is already pending."
    assert (
        await desk.ask(f"/status 1042 shipped {'x' * 2001}")
        == "The text is too long (at most 2000 characters)."
    )
    view = await progress(desk, order)
    assert (view["status"], len(view["timeline"])) == ("pending", 1)


# -- /advance -----------------------------------------------------------------------------------------


async def test_advance_shows_the_decision_and_whether_it_was_applied(desk: Harness, clock: Clock) -> None:
    order = await desk.order(number="1042")
    clock.advance(hours=30)

    assert (await desk.ask("/advance 1042")).splitlines() == [
        "⏩ Order #1042: pending → processing",
        "Decision: move to processing · by rules · confidence 100%",
        "Reason: pending for 30 h (rule: move on after 24 h)",
        "Applied: yes",
    ]
    last = (await progress(desk, order))["timeline"][-1]
    assert (last["status"], last["source"], last["actor"]) == ("processing", "rules", ACTOR)

    assert (await desk.ask("/advance 1042")).splitlines() == [
        "⏸ Order #1042 stays processing",
        "Decision: stay · by rules · confidence 100%",
        "Reason: waiting for a tracking number before shipping",
        "Applied: no",
    ]
    usage = "Usage: /advance <number>, for example /advance 1042"
    await expect_usage(desk, ["/advance", "/advance 1042 1043"], usage)
    assert await desk.ask("/advance 9999") == "No order #9999 in Acme Coffee."


# -- /notify and /followup ----------------------------------------------------------------------------


async def test_notify_queues_a_manual_message_once_even_when_the_update_is_redelivered(desk: Harness) -> None:
    order = await desk.order(number="1042", customer=ANA, channel="whatsapp")
    update = command("/notify 1042 Your beans leave the roastery tomorrow.\nThanks for waiting!")
    desk.telegram.fail_next("sendMessage", 500, "Internal Server Error")  # the reply fails: Telegram retries

    await desk.deliver(update, expect=503)
    await desk.deliver(update)

    [reply] = desk.telegram.messages_to(STAFF)
    assert reply.text.splitlines() == [
        "🔔 Message to the customer of #1042 queued via whatsapp.",
        "Text: Your beans leave the roastery tomorrow.",
        "Thanks for waiting!",
    ]
    await settled(desk)
    view = await progress(desk, order)
    [manual] = [n for n in view["notifications"] if n["kind"] == "manual"]
    assert manual["message"] == "Your beans leave the roastery tomorrow.\nThanks for waiting!"
    assert (manual["actor"], manual["channel"]) == (ACTOR, "whatsapp")
    assert (manual["state"], manual["error"]) == UNREACHABLE
    [event] = [e for e in view["timeline"] if e["kind"] == "manual"]
    assert (event["source"], event["actor"]) == ("staff", ACTOR)

    assert (await desk.ask("/notify 1042")).endswith("Text: the standard update on the order's status")
    await expect_usage(desk, ["/notify", "/notify #"], "Usage: /notify <number> [text], for example /notify 1042 Your beans are on the way")  # fmt: skip
    assert await desk.ask("/notify 9999 hello") == "No order #9999 in Acme Coffee."


async def test_followup_is_queued_for_now_plus_the_hours(desk: Harness, clock: Clock) -> None:
    order = await desk.order(number="1042", customer=ANA)

    text = await desk.ask("/followup 1042 26 How are you liking the beans?")

    # 09:00 UTC + 26 h is 11:00 the next day, 12:00 in Berlin
    assert text.splitlines() == [
        "⏰ Follow-up for #1042 queued for 03 Nov 12:00.",
        "Text: How are you liking the beans?",
    ]
    [follow_up] = [n for n in (await progress(desk, order))["notifications"] if n["kind"] == "follow_up"]
    assert datetime.fromisoformat(follow_up["due_at"]) == clock() + timedelta(hours=26)
    assert (follow_up["message"], follow_up["actor"]) == ("How are you liking the beans?", ACTOR)

    usage = "Usage: /followup <number> <hours> [text], for example /followup 1042 24"
    await expect_usage(desk, ["/followup", "/followup 1042", "/followup 1042 soon", "/followup 1042 0",
                              "/followup 1042 -3", "/followup 1042 nan", "/followup 1042 9999"], usage)  # fmt: skip
    notes = (await progress(desk, order))["notifications"]
    assert [n["kind"] for n in notes].count("follow_up") == 1


# -- /attention and the buttons -----------------------------------------------------------------------


async def test_attention_lists_a_stale_order_and_its_advance_button_moves_it(
    desk: Harness, clock: Clock
) -> None:
    assert await desk.ask("/attention") == "✅ Nothing needs attention in Acme Coffee."
    stale = await desk.order(number="1042", customer=ANA)
    clock.advance(hours=50)
    await desk.order(number="1043")  # fresh: needs nothing yet

    await desk.deliver(command("/attention"))

    [_, listing] = desk.telegram.messages_to(STAFF)
    assert listing.text.splitlines() == [
        "⚠️ 1 order needs attention in Acme Coffee",
        "#1042 · pending · 2 d 2 h — pending too long, customer not contacted yet",
    ]
    order_id = stale["order_id"]
    assert listing.buttons() == [
        ("⏩ Advance #1042", f"adv:{order_id}"), ("🔔 Notify", f"ntf:{order_id}"), ("📂 Open", f"open:{order_id}"),
        ("🔄 Refresh list", "att:"),
    ]  # fmt: skip

    await desk.deliver(button_press(listing, f"adv:{order_id}"))

    assert listing.edits == 1
    assert listing.text.splitlines() == [
        "⏩ #1042 moved to processing.",
        "",
        "⚠️ 1 order needs attention in Acme Coffee",
        "#1042 · processing · <1 h — customer not contacted yet",
    ]
    assert desk.telegram.callback_answers[-1]["text"] == "⏩ #1042 moved to processing."
    last = (await progress(desk, stale))["timeline"][-1]
    assert (last["status"], last["actor"]) == ("processing", ACTOR)

    # a custom age: the refresh button remembers it
    text = await desk.ask("/attention 0.5")
    assert text.splitlines()[0] == "⚠️ 1 order needs attention in Acme Coffee (waiting ≥ 0.5 h)"
    assert desk.telegram.sent[-1].buttons()[-1] == ("🔄 Refresh list", "att:0.5")
    await expect_usage(desk, ["/attention soon", "/attention 1 2", "/attention 0"],
                       "Usage: /attention [hours], for example /attention 24")  # fmt: skip


async def test_the_notify_button_queues_a_manual_notification(desk: Harness) -> None:
    order = await desk.order(number="1042", customer=ANA)
    await desk.deliver(fixture("command_order"))
    [card] = desk.telegram.sent

    await desk.deliver(button_press(card, f"ntf:{order['order_id']}"))

    assert desk.telegram.callback_answers[-1]["text"] == "🔔 Status message to the customer of #1042 queued."
    assert (card.edits, len(desk.telegram.sent)) == (0, 1)
    await settled(desk)
    [manual] = [n for n in (await progress(desk, order))["notifications"] if n["kind"] == "manual"]
    assert (manual["message"], manual["actor"]) == (None, ACTOR)
    assert (manual["state"], manual["error"]) == UNREACHABLE


async def test_the_advance_button_redraws_the_card_with_the_decision(desk: Harness, clock: Clock) -> None:
    order = await desk.order(number="1042")
    clock.advance(hours=25)
    await desk.deliver(fixture("command_order"))
    [card] = desk.telegram.sent

    await desk.deliver(button_press(card, f"adv:{order['order_id']}"))

    lines = card.text.splitlines()
    assert lines[0] == "📦 Order #1042 — processing"
    assert lines[-4:] == [
        "⏩ Order #1042: pending → processing",
        "Decision: move to processing · by rules · confidence 100%",
        "Reason: pending for 25 h (rule: move on after 24 h)",
        "Applied: yes",
    ]
    assert f"processing by rules ({ACTOR}) — pending for 25 h (rule: move on after 24 h)" in card.text

    # a message too old to edit gets the new card as a new message
    update = fixture("callback_query_inaccessible")
    update["callback_query"]["data"] = f"adv:{order['order_id']}"
    await desk.deliver(update)
    assert card.edits == 1
    assert desk.telegram.sent[-1].text.splitlines()[-1] == "Applied: no"
    assert desk.telegram.callback_answers[-1]["text"].startswith("⏸ #1042 not moved: waiting for a tracking")


async def test_the_open_button_sends_the_order_card(desk: Harness) -> None:
    order = await desk.order(number="1042", customer=ANA)
    await desk.deliver(command("/find Ana"))
    [found] = desk.telegram.sent
    assert found.buttons() == [("📂 #1042", f"open:{order['order_id']}")]

    await desk.deliver(button_press(found, f"open:{order['order_id']}"))

    [_, card] = desk.telegram.sent
    assert card.text.startswith("📦 Order #1042 — pending")
    assert card.buttons()[-1] == ("🔄 Refresh", f"order:{order['order_id']}")
    assert found.edits == 0


# -- /bulk --------------------------------------------------------------------------------------------


async def test_bulk_status_reports_each_order(desk: Harness) -> None:
    first = await desk.order(number="1001")
    second = await desk.order(number="1002", status="processing")
    closed = await desk.order(number="1003", status="fulfilled")

    text = await desk.ask("/bulk status shipped 1001 1002 9999 #1003 1001")

    lines = text.splitlines()
    assert lines[:4] == [
        "📋 Bulk status → shipped: 2 of 4 done",
        "✅ #1001",
        "✅ #1002",
        "❌ #9999 — no such order",
    ]
    assert lines[4] == "❌ #1003 — refused: the order is closed"
    for order in (first, second):
        view = await progress(desk, order)
        assert (view["status"], view["timeline"][-1]["actor"]) == ("shipped", ACTOR)
        assert any(n["kind"] == "status_update" and n["status"] == "shipped" for n in view["notifications"])
    assert (await progress(desk, closed))["status"] == "fulfilled"


async def test_bulk_advance_and_notify(desk: Harness, clock: Clock) -> None:
    due = await desk.order(number="1001")
    waiting = await desk.order(number="1002", status="processing")
    clock.advance(hours=30)

    assert (await desk.ask("/bulk advance 1001 1002")).splitlines() == [
        "📋 Bulk advance: 1 of 2 done",
        "✅ #1001",
        "⏸ #1002 — not moved: waiting for a tracking number before shipping",  # not applied: no failure
    ]
    assert (await progress(desk, due))["status"] == "processing"
    assert (await progress(desk, waiting))["status"] == "processing"

    assert (await desk.ask("/bulk notify 1001, 1002")).splitlines()[0] == "📋 Bulk notify: 2 of 2 done"
    for order in (due, waiting):
        [manual] = [n for n in (await progress(desk, order))["notifications"] if n["kind"] == "manual"]
        assert manual["actor"] == ACTOR

    usage = (
        "Usage: /bulk advance|notify <numbers…> or /bulk status <status> <numbers…>, "
        "for example /bulk status shipped 1001 1002"
    )
    await expect_usage(desk, ["/bulk", "/bulk ship 1001", "/bulk advance", "/bulk status 1001",
                              "/bulk status shipped", "/bulk notify 1001 #"], usage)  # fmt: skip
    many = " ".join(str(n) for n in range(2000, 2051))
    assert await desk.ask(f"/bulk advance {many}") == "At most 50 orders at once."


# -- /find --------------------------------------------------------------------------------------------


async def test_find_by_phone_and_by_name_latest_first(desk: Harness, clock: Clock) -> None:
    await desk.order(number="1001", customer=ANA, total="9.95", currency="EUR")
    clock.advance(hours=1)
    await desk.order(number="1002", customer={"name": "Bob Stone", "phone": "+4917099995678"})
    clock.advance(hours=1)
    await desk.order(number="1003", customer=ANA, status="shipped", total="19.90", currency="EUR")

    by_last_four = (await desk.ask("/find 5678")).splitlines()
    assert by_last_four[0] == "🔎 3 orders for '5678', latest first"
    assert [line.split(" · ")[0] for line in by_last_four[1:]] == ["#1003", "#1002", "#1001"]
    assert by_last_four[1] == "#1003 · shipped · Ana Gomez · 02 Nov 12:00 · 19.90 EUR"

    for term in ("+49 151 1234 5678", "0151 12345678", "ana", "Ana Gomez", "GOMEZ"):
        lines = (await desk.ask(f"/find {term}")).splitlines()
        assert [line.split(" · ")[0] for line in lines[1:]] == ["#1003", "#1001"], term

    assert await desk.ask("/find Carla") == "🔎 No orders match 'Carla' in Acme Coffee."
    await expect_usage(desk, ["/find", "/find a"], "Usage: /find <phone or name>, for example /find 5678 or /find Ana Gomez")  # fmt: skip


async def test_find_shows_at_most_ten(desk: Harness, clock: Clock) -> None:
    for number in range(1001, 1013):
        await desk.order(number=str(number), customer=ANA)
        clock.advance(minutes=1)
    lines = (await desk.ask("/find gomez")).splitlines()
    assert lines[0] == "🔎 10 orders for 'gomez', latest first"
    assert lines[1].startswith("#1012 ·") and lines[-1].startswith("#1003 ·")
    assert len(desk.telegram.sent[-1].buttons()) == 10


# -- who may do what ----------------------------------------------------------------------------------


async def test_another_shops_order_is_out_of_reach(desk: Harness, db: Database, clock: Clock) -> None:
    other = new_shop("Other Shop", clock())
    await db.shops.add(other)
    other_api = Api(desk.client, token_for(other))
    theirs: dict[str, Any] = await other_api.post("/orders", {"number": "2001"}, status=201)
    clock.advance(hours=30)  # old enough for auto-progress
    await settled(desk)
    before = await other_api.get(f"/orders/{theirs['order_id']}/progress")
    await desk.order(number="1042")
    await desk.deliver(fixture("command_order"))
    [card] = desk.telegram.sent

    # callback data naming their order id (a forged or stale button) is refused, each kind of it
    for prefix in ("adv:", "ntf:", "open:", "order:"):
        await desk.deliver(button_press(card, f"{prefix}{theirs['order_id']}"))
        assert desk.telegram.callback_answers[-1]["text"] == "No such order in Acme Coffee.", prefix
    # and so are their numbers, in every command
    for text in (
        "/status 2001 shipped",
        "/advance 2001",
        "/notify 2001 hi",
        "/followup 2001 2",
        "/order 2001",
    ):
        assert await desk.ask(text) == "No order #2001 in Acme Coffee.", text
    assert (await desk.ask("/bulk advance 2001")).splitlines()[1] == "❌ #2001 — no such order"
    assert (await desk.ask("/find 2001")).startswith("🔎 No orders match")

    await settled(desk)
    assert await other_api.get(f"/orders/{theirs['order_id']}/progress") == before
    assert (card.edits, len(desk.telegram.sent)) == (0, 8)


async def test_a_stranger_is_not_authorised_and_changes_nothing(desk: Harness) -> None:
    order = await desk.order(number="1042")
    await settled(desk)
    before = await progress(desk, order)
    await desk.deliver(fixture("command_order"))
    [card] = desk.telegram.sent

    assert (
        await desk.ask("/status 1042 shipped", user_id=STRANGER)
        == "Sorry, you are not authorised to use this bot."
    )
    await desk.deliver(button_press(card, f"adv:{order['order_id']}", user_id=STRANGER))
    await desk.deliver(button_press(card, f"ntf:{order['order_id']}", user_id=STRANGER))

    assert [a["text"] for a in desk.telegram.callback_answers] == [
        "Sorry, you are not authorised to use this bot."
    ] * 2
    assert [m.chat_id for m in desk.telegram.sent] == [STAFF, STRANGER]
    await settled(desk)
    assert await progress(desk, order) == before


@pytest.mark.parametrize("text", ["/refund 1042", "/statuss 1042 shipped"])
async def test_unknown_commands_get_the_usage_line(desk: Harness, text: str) -> None:
    reply = await desk.ask(text)
    assert reply.splitlines()[1].startswith("Usage: /attention · /order · /status")
