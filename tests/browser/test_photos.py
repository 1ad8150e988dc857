"""The order view's photo upload and the thumbnail it puts on the timeline, in Chromium."""

from __future__ import annotations

import io
from pathlib import Path

from PIL import Image
from playwright.sync_api import Page, expect

from tests.browser.conftest import SCREENSHOTS, Desk
from tests.browser.test_dashboard import order_dialog, signed_in


def photo_file(tmp_path: Path) -> Path:
    path = tmp_path / "packed.jpg"
    out = io.BytesIO()
    Image.new("RGB", (800, 600), (30, 120, 200)).save(out, "JPEG")
    path.write_bytes(out.getvalue())
    return path


def test_an_uploaded_photo_shows_as_a_thumbnail_on_the_timeline(
    page: Page, desk: Desk, tmp_path: Path
) -> None:
    signed_in(page, desk)
    page.get_by_role("button", name="Open order #1004").first.click()
    dialog = order_dialog(page)
    expect(dialog.get_by_role("heading", name="Order #1004")).to_be_visible()

    form = dialog.get_by_role("form", name="Add a photo")
    form.locator("input[type=file]").set_input_files(str(photo_file(tmp_path)))
    form.get_by_label("Caption").fill("Packed and ready")
    form.get_by_role("button", name="Add photo").click()

    expect(dialog).to_contain_text("Photo added to #1004 and sent to the customer.")
    entry = dialog.locator("ol.timeline li").filter(has_text="Packed and ready")
    thumbnail = entry.get_by_role("img", name="Photo attached to the order")
    expect(thumbnail).to_be_visible()
    width = thumbnail.evaluate("image => image.naturalWidth")
    assert width == 320  # the thumbnail, read with the token, not the 800-pixel photo
    progress = desk.api(f"/orders/{desk.orders['1004'].id}/progress")
    [event] = [e for e in progress["timeline"] if e["kind"] == "photo"]
    assert event["note"] == "Packed and ready"
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    dialog.screenshot(path=str(SCREENSHOTS / "order-photo.png"))
