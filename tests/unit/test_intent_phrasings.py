"""The parser against customer messages someone else wrote (see ``phrasings/README.md``).

The dev part is what the rules were tuned on; the held-out part was set aside before and scored only at the
end. A message counts when its intent is one a customer would accept and the order number is right.
"""

from __future__ import annotations

import csv
from collections import Counter
from pathlib import Path

import pytest

from bot.intents import parse

HERE = Path(__file__).parent / "phrasings"
FLOORS = {"bitext_dev.csv": 0.95, "bitext_held_out.csv": 0.90}


def rows(name: str) -> list[dict[str, str]]:
    with (HERE / name).open(newline="", encoding="utf-8") as file:
        return list(csv.DictReader(file))


def understood(row: dict[str, str]) -> bool:
    got = parse(row["text"])
    return got.intent.value in row["expected"].split("|") and (got.order_number or "") == row["order_number"]


def test_the_parts_share_no_message() -> None:
    dev, held_out = ({row["text"] for row in rows(name)} for name in FLOORS)
    assert dev and held_out and not dev & held_out


@pytest.mark.parametrize("name", FLOORS)
def test_accuracy_by_source_intent(name: str) -> None:
    total, right = Counter[str](), Counter[str]()
    misses = []
    for row in rows(name):
        total[row["source_intent"]] += 1
        if understood(row):
            right[row["source_intent"]] += 1
        else:
            got = parse(row["text"])
            misses.append(
                f"{row['text']!r}: got {got.intent.value}/{got.order_number}, want {row['expected']}"
            )
    accuracy = sum(right.values()) / sum(total.values())
    print(f"\n{name}: {accuracy:.1%} of {sum(total.values())} messages")
    for intent in sorted(total):
        print(f"  {intent:26} {right[intent]:3}/{total[intent]:<3}")
    for miss in misses:
        print(f"  miss {miss}")
    assert accuracy >= FLOORS[name], misses
