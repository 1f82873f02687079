"""Postfix's built-in parameter defaults (``postfix_defaults.toml``, from ``postconf -d``)."""

from __future__ import annotations

import functools
import sys
from collections.abc import Mapping
from importlib import resources
from types import MappingProxyType

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

RESOURCE = "postfix_defaults.toml"


@functools.cache
def postfix_defaults() -> Mapping[str, str]:
    """``{parameter: default}`` as ``postconf -d`` prints them (``$name`` references unexpanded)."""
    raw = tomllib.loads(resources.files("preflight.data").joinpath(RESOURCE).read_text("utf-8"))
    return MappingProxyType({str(k): str(v) for k, v in raw["defaults"].items()})
