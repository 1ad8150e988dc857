"""Photos staff attach: recognised by their own bytes, re-encoded without metadata, and a thumbnail.

A file is taken only when its first bytes are a JPEG, PNG or WebP signature *and* Pillow, told to read only
that format, decodes it: the name and the declared type are never asked. It is then drawn again into a new
image and saved without any of the original's metadata (EXIF with its GPS position, XMP, comments, ICC
profiles, PNG text chunks), turned upright first by its EXIF orientation so that dropping that tag does not
tip it over. What comes out is JPEG, or PNG when the picture has transparency: every channel that shows
images takes both (WebP is not sent by Instagram, nor by most MMS carriers).

Pure functions over bytes: no I/O, so they are tested without a database.
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass

from PIL import Image, ImageOps, UnidentifiedImageError

#: The largest file staff may attach: WhatsApp (through Twilio) and MMS take images up to 5 MB.
MAX_PHOTO_BYTES = 5 * 1024 * 1024
#: The most pixels a photo may have: a 48-megapixel phone camera's, with room. Checked before decoding,
#: so a small file that would unpack into gigabytes (a "decompression bomb") is refused unread.
MAX_PIXELS = 50_000_000
#: The longest side kept: sharp on any phone screen, and small enough that the re-encoded JPEG stays far
#: below the 5 MB the channels take.
MAX_SIDE = 2048
#: The longest side of the thumbnail the desk's timeline shows.
THUMB_SIDE = 320
JPEG_QUALITY = 85
THUMB_QUALITY = 80

_SIGNATURES = (
    (b"\xff\xd8\xff", "JPEG"),
    (b"\x89PNG\r\n\x1a\n", "PNG"),
)


class PhotoRefused(ValueError):
    """Not an image this service takes (not JPEG, PNG or WebP, or not decodable); ``str`` says why."""


class PhotoTooLarge(ValueError):
    """Over ``MAX_PHOTO_BYTES``, or more pixels than ``MAX_PIXELS``."""


@dataclass(frozen=True)
class PreparedPhoto:
    """A photo ready to store: the re-encoded image, its type and size, and a JPEG thumbnail."""

    content: bytes
    content_type: str
    width: int
    height: int
    thumbnail: bytes


def sniff(data: bytes) -> str | None:
    """The image format the bytes start with (``JPEG``, ``PNG``, ``WEBP``), or None."""
    for signature, name in _SIGNATURES:
        if data.startswith(signature):
            return name
    if len(data) >= 12 and data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "WEBP"
    return None


def prepare(data: bytes) -> PreparedPhoto:
    """The photo in ``data`` re-encoded without metadata, with its thumbnail.

    Raises:
        PhotoTooLarge: over ``MAX_PHOTO_BYTES`` or ``MAX_PIXELS``.
        PhotoRefused: not a JPEG, PNG or WebP image that decodes.
    """
    if len(data) > MAX_PHOTO_BYTES:
        raise PhotoTooLarge(f"the photo is over {MAX_PHOTO_BYTES // (1024 * 1024)} MB")
    kind = sniff(data)
    if kind is None:
        raise PhotoRefused("only JPEG, PNG and WebP images are taken")
    try:
        with warnings.catch_warnings():  # Pillow warns of big images; MAX_PIXELS below is the stricter limit
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            opened = Image.open(io.BytesIO(data), formats=[kind])
        with opened:
            if opened.width * opened.height > MAX_PIXELS:
                raise PhotoTooLarge(f"the photo has more than {MAX_PIXELS // 1_000_000} megapixels")
            opened.seek(0)  # an animated image: its first frame
            upright = ImageOps.exif_transpose(opened)
            upright.load()
            picture = _plain(upright)
    except Image.DecompressionBombError:
        raise PhotoTooLarge(f"the photo has more than {MAX_PIXELS // 1_000_000} megapixels") from None
    except PhotoTooLarge:
        raise
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        raise PhotoRefused(f"the {kind} image could not be read") from None
    picture.thumbnail((MAX_SIDE, MAX_SIDE))
    content, content_type = _encode(picture)
    thumb = picture.copy()
    thumb.thumbnail((THUMB_SIDE, THUMB_SIDE))
    return PreparedPhoto(content, content_type, picture.width, picture.height, _jpeg(thumb, THUMB_QUALITY))


def _plain(image: Image.Image) -> Image.Image:
    """A new image holding only the pixels: RGB, or RGBA when there is transparency; no ``info``."""
    transparent = image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info)
    mode = "RGBA" if transparent else "RGB"
    converted = image.convert(mode)
    if transparent and converted.getchannel("A").getextrema() == (255, 255):
        converted = converted.convert("RGB")  # an alpha channel with nothing see-through in it
    fresh = Image.new(converted.mode, converted.size)
    fresh.paste(converted)
    return fresh


def _encode(picture: Image.Image) -> tuple[bytes, str]:
    if picture.mode == "RGBA":
        out = io.BytesIO()
        picture.save(out, format="PNG", optimize=True)
        return out.getvalue(), "image/png"
    return _jpeg(picture, JPEG_QUALITY), "image/jpeg"


def _jpeg(picture: Image.Image, quality: int) -> bytes:
    if picture.mode == "RGBA":  # a thumbnail of a transparent picture: on white, as a page shows it
        flat = Image.new("RGB", picture.size, (255, 255, 255))
        flat.paste(picture, mask=picture.getchannel("A"))
        picture = flat
    out = io.BytesIO()
    picture.save(out, format="JPEG", quality=quality, optimize=True)
    return out.getvalue()


__all__ = [
    "MAX_PHOTO_BYTES",
    "MAX_PIXELS",
    "PhotoRefused",
    "PhotoTooLarge",
    "PreparedPhoto",
    "prepare",
    "sniff",
]
