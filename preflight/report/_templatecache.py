"""Compiled templates kept between runs, so ``preflight render`` does not compile them each time.

Compiling the report's templates costs more than rendering them (~0.1–0.2 s of a ~0.3 s
``render``). The compiled code is kept in the user's private cache directory
(:mod:`preflight.i18n.usercache`: mode 0700, written atomically, every entry checked against a
SHA-256 of its bytes). An entry is used only for the same template (Jinja2's key: its name and
file) with the same source checksum; the entry's key also covers preflight's and Jinja2's
versions and our environment options, and Jinja2's own header the Python version, so another
release, Jinja2 or option set never runs this one's code (it replaces the entry instead). A missing, stale or corrupt entry,
or no safe directory, only costs a compile — never a failed or wrong render.
"""

from __future__ import annotations

import hashlib
from typing import Any

import jinja2
from jinja2.bccache import Bucket

from preflight import __version__
from preflight.i18n import usercache


class PrivateBytecodeCache(jinja2.BytecodeCache):
    """Jinja2's compiled code in :mod:`preflight.i18n.usercache` entries ``template-<Jinja2's key>``."""

    def __init__(self, tag: str) -> None:
        self.tag = tag

    def _entry(self, bucket: Bucket) -> str:
        # One entry per template file: another release or option set replaces it (the tag is in
        # the key), so the cache does not grow with every upgrade.
        return f"template-{bucket.key}"

    def _key(self, bucket: Bucket) -> str:
        return usercache.digest(self.tag, bucket.key, bucket.checksum)

    def load_bytecode(self, bucket: Bucket) -> None:
        payload = usercache.read(self._entry(bucket), self._key(bucket))
        if payload is None:
            return
        try:
            bucket.bytecode_from_string(payload)  # checks Jinja2's magic and the source checksum
        except Exception:  # noqa: BLE001 - whatever the bytes were, compiling again is the answer
            bucket.reset()

    def dump_bytecode(self, bucket: Bucket) -> None:
        try:
            payload = bucket.bytecode_to_string()
        except (TypeError, ValueError):
            return
        usercache.write(self._entry(bucket), self._key(bucket), payload)


def cache_tag(options: dict[str, Any]) -> str:
    """What the compiled code depends on besides the template source: our version, Jinja2's,
    the environment options (and filter names)."""
    text = repr((__version__, jinja2.__version__, sorted(options.items())))
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def bytecode_cache(options: dict[str, Any]) -> jinja2.BytecodeCache | None:
    """The cache for an environment built with ``options``, or None when there is no safe place."""
    if usercache.directory() is None:
        return None
    return PrivateBytecodeCache(cache_tag(options))
