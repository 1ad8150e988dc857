"""The operations schemathesis reads from our OpenAPI document, shared by the contract tests."""

from __future__ import annotations

from typing import Any

from schemathesis.core.result import Err
from schemathesis.schemas import APIOperation, BaseSchema

Operation = APIOperation[Any, Any, Any, Any]


def operations_of(schema: BaseSchema) -> list[Operation]:
    """Every operation of ``schema``; a part of the document schemathesis cannot read raises its
    ``InvalidSchema`` here, so that a test never runs on fewer operations than the document has."""
    operations: list[Operation] = []
    for result in schema.get_all_operations():
        if isinstance(result, Err):
            raise result.err()
        operations.append(result.ok())
    return operations
