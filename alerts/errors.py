"""The two errors feed code raises: a payload that cannot be read, a feed that cannot be fetched."""

from __future__ import annotations


class ParseError(ValueError):
    """A feed payload is not what its parser expects (bad XML, a bomb, a missing field...)."""


class FetchError(Exception):
    """A feed could not be fetched: the message says why (status, timeout, too large, HTML...)."""
