"""AfterShip's and EasyPost's webhooks read on their documented payloads (tests/fixtures/*/README.md):
signatures (EasyPost's NFKD rule included), the stage each tag or status means, time and place."""

from __future__ import annotations

import hashlib
import hmac
import json
import unicodedata
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from orders.lifecycle import DeliveryStage
from webhooks.carriers import aftership, easypost
from webhooks.carriers.reports import parse_time

FIXTURES = Path(__file__).parent.parent / "fixtures"
AFTERSHIP_BODY = (FIXTURES / "aftership" / "tracking_update.json").read_bytes()
EASYPOST_BODY = (FIXTURES / "easypost" / "tracker_updated.json").read_bytes()
# EasyPost/examples official/fixtures/client-library-fixtures.json, "webhooks"
EASYPOST_SECRET = "sécret"
EASYPOST_SIGNATURE = "hmac-sha256-hex=38f3f53c103713df81616a0a186d77141957323ec21d5fe9363db93840f527db"


def aftership_with(tag: str, **msg: Any) -> aftership.AfterShipWebhook:
    payload = json.loads(AFTERSHIP_BODY)
    payload["msg"].update(tag=tag, **msg)
    return aftership.AfterShipWebhook.model_validate(payload)


def easypost_with(status: str) -> tuple[easypost.EasyPostEvent, easypost.EasyPostTracker]:
    payload = json.loads(EASYPOST_BODY)
    payload["result"]["status"] = status
    event = easypost.EasyPostEvent.model_validate(payload)
    tracker = easypost.tracker_of(event)
    assert tracker is not None
    return event, tracker


# -- signatures ---------------------------------------------------------------------------------------------


def test_easypost_documented_signature_verifies_with_the_documented_secret() -> None:
    assert easypost.sign(EASYPOST_SECRET, EASYPOST_BODY) == EASYPOST_SIGNATURE
    assert easypost.signature_valid(EASYPOST_SECRET, EASYPOST_BODY, EASYPOST_SIGNATURE)


def test_easypost_keys_the_hmac_with_the_nfkd_form_of_the_secret() -> None:
    composed = unicodedata.normalize("NFC", EASYPOST_SECRET)  # "é" as one code point, as typed
    unnormalised = hmac.new(composed.encode(), EASYPOST_BODY, hashlib.sha256).hexdigest()
    assert "hmac-sha256-hex=" + unnormalised != EASYPOST_SIGNATURE  # the rule changes the key
    assert easypost.signature_valid(composed, EASYPOST_BODY, EASYPOST_SIGNATURE)
    assert easypost.signature_valid(unicodedata.normalize("NFD", composed), EASYPOST_BODY, EASYPOST_SIGNATURE)


@pytest.mark.parametrize(
    ("secret", "body", "header"),
    [
        ("secret", EASYPOST_BODY, EASYPOST_SIGNATURE),  # another shop's secret
        (EASYPOST_SECRET, EASYPOST_BODY + b" ", EASYPOST_SIGNATURE),  # body changed on the way
        (EASYPOST_SECRET, EASYPOST_BODY, EASYPOST_SIGNATURE.removeprefix("hmac-sha256-hex=")),  # no prefix
        (EASYPOST_SECRET, EASYPOST_BODY, None),
        (None, EASYPOST_BODY, EASYPOST_SIGNATURE),  # the shop has no EasyPost secret
    ],
)
def test_easypost_wrong_signatures_are_refused(secret: str | None, body: bytes, header: str | None) -> None:
    assert not easypost.signature_valid(secret, body, header)


def test_aftership_signature_is_base64_hmac_sha256_of_the_raw_body() -> None:
    header = aftership.sign("as-secret", AFTERSHIP_BODY)
    assert header.endswith("=") and len(header) == 44
    assert aftership.signature_valid("as-secret", AFTERSHIP_BODY, header)
    assert not aftership.signature_valid("other", AFTERSHIP_BODY, header)
    assert not aftership.signature_valid(
        "as-secret", AFTERSHIP_BODY.replace(b"InTransit", b"Delivered"), header
    )
    assert not aftership.signature_valid(None, AFTERSHIP_BODY, header)
    assert not aftership.signature_valid("as-secret", AFTERSHIP_BODY, None)


# -- what a delivery says ---------------------------------------------------------------------------------------


def test_aftership_documented_update_reads_as_in_transit_at_its_checkpoint() -> None:
    report = aftership.to_report(aftership.AfterShipWebhook.model_validate_json(AFTERSHIP_BODY))
    assert report is not None
    assert (report.event_id, report.tracking_number, report.carrier) == (
        "94dadd60-ed26-46d0-aa52-3ced925a50ff", "0000000000000000", "usps",
    )  # fmt: skip
    assert report.stage == DeliveryStage.IN_TRANSIT
    assert report.at == datetime(2021, 1, 14, 0, 52, tzinfo=UTC)
    assert (report.place, report.estimated_delivery) == (None, None)


@pytest.mark.parametrize(
    ("tag", "stage"),
    [
        ("Pending", None),
        ("InfoReceived", None),
        ("InTransit", DeliveryStage.IN_TRANSIT),
        ("OutForDelivery", DeliveryStage.OUT_FOR_DELIVERY),
        ("AttemptFail", DeliveryStage.DELIVERY_PROBLEM),
        ("Delivered", DeliveryStage.DELIVERED),
        ("AvailableForPickup", DeliveryStage.READY_FOR_PICKUP),
        ("Exception", DeliveryStage.DELIVERY_PROBLEM),
        ("Expired", None),
        ("SomethingNew", None),  # AfterShip says to expect new values
    ],
)
def test_every_aftership_tag_has_its_stage(tag: str, stage: DeliveryStage | None) -> None:
    report = aftership.to_report(aftership_with(tag))
    assert report is not None and report.stage == stage


def test_aftership_place_and_estimate_come_from_the_newest_checkpoint_and_the_estimates() -> None:
    checkpoints = [
        {"checkpoint_time": "2021-01-13T08:00:00-05:00", "location": "Memphis, TN, USA", "tag": "InTransit"},
        {"checkpoint_time": "2021-01-14T07:10:00-05:00", "city": "Brooklyn", "state": "NY",
         "country_region": "USA", "tag": "OutForDelivery"},
    ]  # fmt: skip
    webhook = aftership_with(
        "OutForDelivery",
        checkpoints=checkpoints,
        expected_delivery="2021-01-15",
        aftership_estimated_delivery_date={"estimated_delivery_date": "2021-01-14"},
    )
    report = aftership.to_report(webhook)
    assert report is not None
    assert report.at == datetime(2021, 1, 14, 12, 10, tzinfo=UTC)
    assert report.place == "Brooklyn, NY, USA"
    assert report.estimated_delivery == datetime(2021, 1, 14, tzinfo=UTC)


def test_the_newest_checkpoint_wins_even_when_listed_out_of_order() -> None:
    checkpoints = [
        {"checkpoint_time": "2021-01-14T07:10:00Z", "location": "Brooklyn, NY, USA", "tag": "OutForDelivery"},
        {"checkpoint_time": "2021-01-13T08:00:00Z", "location": "Memphis, TN, USA", "tag": "InTransit"},
        {"checkpoint_time": "", "location": "somewhere", "tag": "InTransit"},
    ]
    report = aftership.to_report(aftership_with("OutForDelivery", checkpoints=checkpoints))
    assert report is not None and (report.place, report.at) == (
        "Brooklyn, NY, USA", datetime(2021, 1, 14, 7, 10, tzinfo=UTC),
    )  # fmt: skip


def test_aftership_events_other_than_tracking_updates_and_estimates_carry_no_report() -> None:
    payload = json.loads(AFTERSHIP_BODY) | {"event": "tracking_pending_time"}
    assert aftership.to_report(aftership.AfterShipWebhook.model_validate(payload)) is None
    no_estimate = json.loads(AFTERSHIP_BODY) | {"event": "edd_revise"}
    assert aftership.to_report(aftership.AfterShipWebhook.model_validate(no_estimate)) is None


def test_an_aftership_edd_revise_is_the_estimate_alone_dated_by_the_event() -> None:
    payload = json.loads(AFTERSHIP_BODY) | {"event": "edd_revise"}
    payload["msg"]["aftership_estimated_delivery_date"] = {"estimated_delivery_date": "2021-01-16"}
    report = aftership.to_report(aftership.AfterShipWebhook.model_validate(payload))
    assert report is not None and report.revises_estimate
    assert (report.stage, report.at, report.place) == (
        None,
        None,
        None,
    )  # the tag and checkpoints are not news
    assert report.estimated_delivery == datetime(2021, 1, 16, tzinfo=UTC)
    assert report.estimated_at == datetime.fromtimestamp(payload["ts"], UTC)
    update = aftership.to_report(aftership_with("InTransit", expected_delivery="2021-01-15"))
    assert update is not None and not update.revises_estimate
    assert update.estimated_at == report.estimated_at  # a stage report dates its estimate the same way


def test_easypost_documented_event_reads_as_in_transit_at_its_newest_detail() -> None:
    event = easypost.EasyPostEvent.model_validate_json(EASYPOST_BODY)
    tracker = easypost.tracker_of(event)
    assert tracker is not None
    report = easypost.to_report(event, tracker)
    assert (report.event_id, report.tracking_number, report.carrier) == ("evt_1", "1", "FedEx")
    assert report.stage == DeliveryStage.IN_TRANSIT
    assert report.at == datetime(2024, 8, 2, 18, 50, tzinfo=UTC)
    assert report.place == "EDISON, NJ, US"
    assert report.estimated_delivery == datetime(2024, 8, 5, tzinfo=UTC)


@pytest.mark.parametrize(
    ("status", "stage"),
    [
        ("unknown", None),
        ("pre_transit", None),
        ("in_transit", DeliveryStage.IN_TRANSIT),
        ("out_for_delivery", DeliveryStage.OUT_FOR_DELIVERY),
        ("delivered", DeliveryStage.DELIVERED),
        ("available_for_pickup", DeliveryStage.READY_FOR_PICKUP),
        ("return_to_sender", DeliveryStage.DELIVERY_PROBLEM),
        ("failure", DeliveryStage.DELIVERY_PROBLEM),
        ("cancelled", DeliveryStage.DELIVERY_PROBLEM),
        ("error", None),
    ],
)
def test_every_easypost_status_has_its_stage(status: str, stage: DeliveryStage | None) -> None:
    assert easypost.to_report(*easypost_with(status)).stage == stage


def test_easypost_events_other_than_trackers_carry_no_tracker() -> None:
    payload = json.loads(EASYPOST_BODY) | {"description": "batch.updated", "result": {"object": "Batch"}}
    assert easypost.tracker_of(easypost.EasyPostEvent.model_validate(payload)) is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", None),
        (None, None),
        ("soon", None),
        ("2024-08-05", datetime(2024, 8, 5, tzinfo=UTC)),
        ("2021-01-14T00:52:00", datetime(2021, 1, 14, 0, 52, tzinfo=UTC)),
        ("2021-01-14T08:52:00+08:00", datetime(2021, 1, 14, 0, 52, tzinfo=UTC)),
        ("2024-08-02T18:50:00Z", datetime(2024, 8, 2, 18, 50, tzinfo=UTC)),
    ],
)
def test_aggregator_times_in_every_documented_form(text: str | None, expected: datetime | None) -> None:
    assert parse_time(text) == expected
