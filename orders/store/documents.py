"""Domain records as documents and back, with the codec that keeps ``Decimal`` exact."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any, TypeVar

from bson.codec_options import CodecOptions, TypeCodec, TypeRegistry
from bson.decimal128 import Decimal128
from pydantic import BaseModel

Doc = dict[str, Any]
R = TypeVar("R", bound=BaseModel)


class _DecimalCodec(TypeCodec):
    python_type = Decimal
    bson_type = Decimal128

    def transform_python(self, value: Decimal) -> Decimal128:
        return Decimal128(value)

    def transform_bson(self, value: Decimal128) -> Decimal:
        return value.to_decimal()


CODEC_OPTIONS: CodecOptions[Doc] = CodecOptions(tz_aware=True, type_registry=TypeRegistry([_DecimalCodec()]))


def to_doc(record: BaseModel, *, keep_none: bool = False) -> Doc:
    """A domain record as a document: its ``id`` becomes ``_id``."""
    doc = record.model_dump(exclude={"id"}, exclude_none=not keep_none)
    doc["_id"] = getattr(record, "id")  # noqa: B009 - every stored record has an id
    return doc


def from_doc(model: type[R], doc: Mapping[str, Any], drop: frozenset[str] = frozenset()) -> R:
    fields = {k: v for k, v in doc.items() if k not in drop}
    fields["id"] = fields.pop("_id")
    return model.model_validate(fields)
