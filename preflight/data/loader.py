"""Load the blocklist catalogue and users' custom zones: the public entry points.

The types are in :mod:`preflight.data.catalogue`, the validation in :mod:`preflight.data._schema`.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from preflight.data import _schema
from preflight.data.catalogue import Catalogue, Zone

__all__ = ["load_catalogue", "parse_catalogue", "parse_custom_zone", "validate_zone_name"]


@functools.lru_cache(maxsize=8)
def load_catalogue(path: str | Path | None = None) -> Catalogue:
    """Load and validate the catalogue (the packaged file unless ``path`` is given); cached."""
    return _schema.load(path)


def validate_zone_name(name: object) -> str:
    """Return ``name`` normalised (lower case, no trailing dot) if it is a valid DNS zone name.

    Labels are 1-63 letters, digits or hyphens (not at either end), at least two labels, at most
    253 characters, and the last label is not all digits. Raises :class:`ValueError` otherwise.
    """
    return _schema.validate_zone_name(name)


def parse_catalogue(data: Mapping[str, Any]) -> Catalogue:
    """Validate a parsed ``blocklists.toml`` document and build the :class:`Catalogue`."""
    return _schema.parse_catalogue(data)


def parse_custom_zone(mapping: Mapping[str, Any]) -> Zone:
    """Build a :class:`Zone` from a user's plan entry; raise a one-line ValueError on bad input.

    Keys: ``zone`` (required DNS name), ``name``, ``subjects`` (default ``["ipv4"]``), ``kind``
    (default ``"block"``), ``codes`` (optional ``{code, meaning, state[, grade]}`` tables),
    ``delist_url`` (optional). Any 127.0.0.0/8 answer not in ``codes`` counts as a listing of the
    zone's kind (block -> listed, policy/collateral -> policy, allow -> allowlisted).
    """
    return _schema.parse_custom_zone(mapping)
