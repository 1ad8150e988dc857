"""What the stores raise: a missing record, a lost compare-and-set, a taken key, an unreachable database."""

from __future__ import annotations

from pymongo.errors import PyMongoError

DatabaseError = PyMongoError
"""Raised when the database cannot be reached or refuses an operation."""


class NotFound(Exception):
    """No such record for this shop."""


class Conflict(Exception):
    """The record changed since it was read (optimistic concurrency)."""


class AlreadyExists(Exception):
    """A record with the same unique key exists."""


#: MongoDB's error codes the stores tell apart (``mongo/base/error_codes.yml``).
DUPLICATE_KEY = 11000
INDEX_NOT_FOUND = 27
