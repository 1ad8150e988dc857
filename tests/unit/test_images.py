"""Photos staff attach, as ``orders.images`` takes them: by their own bytes, re-encoded without metadata."""

from __future__ import annotations

import io

import pytest
from PIL import Image, PngImagePlugin

from orders.images import MAX_PHOTO_BYTES, PhotoRefused, PhotoTooLarge, prepare, sniff

GPS_IFD, ORIENTATION = 0x8825, 0x0112


def encoded(image: Image.Image, fmt: str, **options: object) -> bytes:
    out = io.BytesIO()
    image.save(out, fmt, **options)
    return out.getvalue()


def test_a_jpeg_loses_its_exif_and_gps_and_is_turned_upright() -> None:
    exif = Image.Exif()
    exif[ORIENTATION] = 6  # shot sideways: shown turned 90 degrees clockwise
    exif[GPS_IFD] = {1: "N", 2: (52.0, 31.0, 12.0)}
    data = encoded(Image.new("RGB", (400, 300), "red"), "JPEG", exif=exif.tobytes(), comment=b"secret")

    photo = prepare(data)

    out = Image.open(io.BytesIO(photo.content))
    assert (photo.content_type, out.format) == ("image/jpeg", "JPEG")
    assert out.size == (300, 400) == (photo.width, photo.height)
    assert not dict(out.getexif()) and "comment" not in out.info and "icc_profile" not in out.info


def test_a_webp_becomes_a_jpeg_and_a_transparent_png_stays_a_png_without_its_text() -> None:
    webp = prepare(encoded(Image.new("RGB", (50, 40), "blue"), "WEBP"))
    assert webp.content_type == "image/jpeg"
    info = PngImagePlugin.PngInfo()
    info.add_text("Location", "52.5200 N, 13.4050 E")
    transparent = Image.new("RGBA", (50, 40), (0, 0, 0, 0))
    png = prepare(encoded(transparent, "PNG", pnginfo=info))
    out = Image.open(io.BytesIO(png.content))
    assert (png.content_type, out.mode) == ("image/png", "RGBA")
    assert "Location" not in out.info
    opaque = prepare(encoded(Image.new("RGBA", (50, 40), (9, 9, 9, 255)), "PNG"))
    assert opaque.content_type == "image/jpeg"  # an alpha channel with nothing see-through


def test_large_photos_are_scaled_down_and_the_thumbnail_is_small() -> None:
    photo = prepare(encoded(Image.new("RGB", (4000, 3000), "green"), "JPEG"))
    assert (photo.width, photo.height) == (2048, 1536)
    assert Image.open(io.BytesIO(photo.thumbnail)).size == (320, 240)


@pytest.mark.parametrize(
    "data",
    [
        b"%PDF-1.7\n%%EOF\n",
        b"GIF89a\x01\x00\x01\x00\x00\x00\x00;",
        b"<svg xmlns='http://www.w3.org/2000/svg'/>",
        b"\xff\xd8\xff\xe0 this is no jpeg",  # a JPEG's signature, and nothing that decodes
        encoded(Image.new("RGB", (64, 64), "red"), "JPEG")[:200],  # cut off
        b"",
    ],
)
def test_anything_but_a_decodable_jpeg_png_or_webp_is_refused(data: bytes) -> None:
    with pytest.raises(PhotoRefused):
        prepare(data)


def test_too_many_bytes_or_pixels_are_refused_before_decoding() -> None:
    with pytest.raises(PhotoTooLarge):
        prepare(encoded(Image.new("RGB", (8, 8)), "JPEG") + b"\0" * MAX_PHOTO_BYTES)
    bomb = encoded(Image.new("1", (10_000, 10_000)), "PNG")  # 100 megapixels in a few kilobytes
    assert len(bomb) < 100_000
    with pytest.raises(PhotoTooLarge):
        prepare(bomb)
    huge = encoded(Image.new("1", (20_000, 10_000)), "PNG")  # past the point where Pillow itself refuses
    with pytest.raises(PhotoTooLarge):
        prepare(huge)


def test_sniff_reads_the_signature_only() -> None:
    assert sniff(b"\x89PNG\r\n\x1a\nrest") == "PNG"
    assert sniff(b"RIFF\0\0\0\0WEBPVP8 ") == "WEBP"
    assert sniff(b"\xff\xd8\xff\xdb") == "JPEG"
    assert sniff(b"RIFF\0\0\0\0WAVE") is None
