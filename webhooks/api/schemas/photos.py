"""The wire shapes of photo updates: the upload's form (for the document) and what an upload answers."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from orders.usecases.photos import MAX_CAPTION


class PhotoForm(BaseModel):
    """A photo for the order: JPEG, PNG or WebP up to 5 MB, recognised by its content (not its name or
    declared type); it is re-encoded without its metadata (EXIF, GPS position) before it is kept."""

    model_config = ConfigDict(extra="forbid")

    file: bytes = Field(json_schema_extra={"format": "binary"})
    caption: str = Field("", max_length=MAX_CAPTION, description="sent to the customer with it")
    notify: bool = Field(True, description="send it to the customer on their channel")


class PhotoOut(BaseModel):
    """The photo kept: its id, and where a token of the shop reads it (`?size=thumb` for the thumbnail)."""

    photo_id: str
    url: str


class PhotoQuery(BaseModel):
    """Which image: the photo (`full`) or its thumbnail (`thumb`, at most 320 pixels a side)."""

    model_config = ConfigDict(extra="forbid")

    size: Literal["full", "thumb"] = "full"


__all__ = ["PhotoForm", "PhotoOut", "PhotoQuery"]
