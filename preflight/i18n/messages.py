"""User-facing words: one catalogue per language, keyed by check id and outcome.

Check code never builds sentences; it names an outcome and its parameters
(:class:`preflight.model.Outcome`). This module turns ``(check_id, outcome, params)``
into a title, a one-line summary and a remediation, in the report's language, so a
saved JSON report can be rendered again in another language.
"""

from __future__ import annotations

import functools
import json
import re
import sys
from dataclasses import dataclass
from importlib import resources
from typing import Any

from preflight import __version__
from preflight.i18n import usercache
from preflight.i18n.dates import format_moment
from preflight.i18n.reasons import reason_pieces

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

LANGUAGES = ("en", "ja")
DEFAULT_LANG = "en"


class _SafeParams(dict):  # type: ignore[type-arg]
    """Missing parameters render as ``{name}`` instead of raising."""

    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


@dataclass(frozen=True)
class ResultText:
    """Words for one result."""

    title: str
    summary: str
    remediation: str | None


CACHE_FORMAT = "1"
"""Version of the cached form of a catalogue (:mod:`preflight.i18n.usercache`); change it when
:func:`parse_catalogue` changes what it builds from the same files."""


@functools.cache
def catalogue(lang: str) -> dict[str, Any]:
    """The catalogue for ``lang``: every ``locales/<lang>/*.toml`` merged.

    Each check family keeps its words in its own file; a key defined twice is an error.
    Parsing the TOML costs about 20 ms a language, so the merged catalogue is kept in the
    user's cache, keyed by a hash of every file's name and bytes (and preflight's version):
    an edited, added or removed file, or a stale or corrupt entry, means parsing again.
    """
    if lang not in LANGUAGES:
        raise ValueError(f"unknown language {lang!r}")
    sources = catalogue_sources(lang)
    key = catalogue_key(lang, sources)
    entry = f"catalogue-{lang}.json"
    cached = _cached(entry, key)
    if cached is not None:
        return cached
    merged = parse_catalogue(lang, sources)
    _keep(entry, key, merged)
    return merged


def catalogue_sources(lang: str) -> list[tuple[str, bytes]]:
    """``(file name, bytes)`` of every ``locales/<lang>/*.toml``, by name."""
    folder = resources.files("preflight") / "locales" / lang
    if not folder.is_dir():
        return []
    return [(item.name, item.read_bytes()) for item in sorted(folder.iterdir(), key=lambda p: p.name)
            if item.name.endswith(".toml")]


def catalogue_key(lang: str, sources: list[tuple[str, bytes]]) -> str:
    """The cache key of a catalogue: every file's name and bytes, the language, preflight's version."""
    return usercache.digest(CACHE_FORMAT, __version__, lang, *(part for name, raw in sources for part in (name, raw)))


def _cached(entry: str, key: str) -> dict[str, Any] | None:
    payload = usercache.read(entry, key)
    if payload is None:
        return None
    try:
        data = json.loads(payload)
    except ValueError:
        return None
    if not isinstance(data, dict) or set(data) != {"checks", "ui"} or not all(
            isinstance(table, dict) for table in data.values()):
        return None
    return data


def _keep(entry: str, key: str, merged: dict[str, Any]) -> None:
    """Cache ``merged`` when JSON gives exactly it back (TOML dates, say, would not survive)."""
    try:
        payload = json.dumps(merged, ensure_ascii=False, allow_nan=False).encode("utf-8")
    except (TypeError, ValueError):
        return
    if json.loads(payload) == merged:
        usercache.write(entry, key, payload)


def parse_catalogue(lang: str, sources: list[tuple[str, bytes]]) -> dict[str, Any]:
    """The catalogue merged from ``sources`` (``(name, bytes)`` of TOML files); a key defined twice is an error."""
    merged: dict[str, Any] = {"checks": {}, "ui": {}}
    for name, raw in sources:
        text = raw.decode("utf-8")
        if "\r" in text:  # as a text-mode read would see it (universal newlines)
            text = text.replace("\r\n", "\n").replace("\r", "\n")
        data = tomllib.loads(text)
        for table in ("checks", "ui"):
            for key, value in data.get(table, {}).items():
                if key in merged[table]:
                    raise ValueError(f"locales/{lang}/{name}: {table}.{key} is defined twice")
                merged[table][key] = value
    return merged


def _entry(check_id: str, lang: str) -> dict[str, Any]:
    entry = catalogue(lang)["checks"].get(check_id)
    if entry is None and lang != DEFAULT_LANG:
        entry = catalogue(DEFAULT_LANG)["checks"].get(check_id)
    return entry or {}


def _outcome(check_id: str, outcome: str, lang: str) -> dict[str, Any]:
    found = _entry(check_id, lang).get("outcomes", {}).get(outcome)
    if found is None and lang != DEFAULT_LANG:
        found = _entry(check_id, DEFAULT_LANG).get("outcomes", {}).get(outcome)
    return found or {}


_PLURAL = re.compile(r"\[\[(\w+):([^|\]]*)\|([^\]]*)\]\]")
"""``[[count:partner|partners]]``: the first form when the parameter ``count`` is 1, else the second."""


def fill(template: str, params: dict[str, str]) -> str:
    """Fill a catalogue template; never raises on a missing parameter.

    English plural forms: ``{n} [[n:warning|warnings]]`` reads "1 warning", "2 warnings".
    """
    template = _PLURAL.sub(lambda m: m.group(2) if str(params.get(m.group(1), "")).strip() == "1"
                           else m.group(3), template)
    return template.format_map(_SafeParams(params))


def check_title(check_id: str, lang: str = DEFAULT_LANG) -> str:
    """Human title of a check id."""
    return str(_entry(check_id, lang).get("title", check_id))


def check_about(check_id: str, lang: str = DEFAULT_LANG) -> str:
    """Why the check matters, in a sentence or two."""
    return str(_entry(check_id, lang).get("about", ""))


def result_text(
    check_id: str, outcome: str, params: dict[str, str], lang: str = DEFAULT_LANG
) -> ResultText:
    """Title, summary and remediation for one result."""
    found = _outcome(check_id, outcome, lang)
    params = localized_params(params, lang)
    # A parameter that is empty at the end of a template ("… {reason}") leaves no trailing space.
    summary = fill(str(found.get("summary", f"{check_id}: {outcome}")), params).strip()
    remediation = found.get("remediation")
    return ResultText(
        title=check_title(check_id, lang),
        summary=summary,
        remediation=fill(str(remediation), params).strip() if remediation else None,
    )


def ui(key: str, lang: str = DEFAULT_LANG, **params: object) -> str:
    """A piece of interface text (headings, verdicts, CLI messages)."""
    text = catalogue(lang)["ui"].get(key)
    if text is None and lang != DEFAULT_LANG:
        text = catalogue(DEFAULT_LANG)["ui"].get(key)
    if text is None:
        return key
    return fill(str(text), {k: str(v) for k, v in params.items()})


# -- coded text: words chosen at render time ---------------------------------------------------
#
# Some parameters are sentences of our own (why a list failed its self-test, the roles of a
# domain, a list's meaning of a return code). Such a parameter ``x`` is stored twice: ``x`` in
# English (for readers of the JSON) and ``x_i18n``, a JSON list of pieces, from which
# :func:`result_text` renders ``x`` again in the report's language. A piece is either
# ``{"key": <ui key>, "params": {name: str | pieces}}`` or ``{"text": {lang: words}}``
# (curated data that carries its own translations), or ``{"result": [check_id, outcome], "params": {...}}``
# (a check result's summary). Pieces are joined with ``ui.list_sep``.

I18N_SUFFIX = "_i18n"

Piece = dict[str, Any]


def piece(key: str, **params: object) -> Piece:
    """A piece of coded text: a ui key and its parameters (str, or nested pieces)."""
    return {"key": key, "params": {k: v if isinstance(v, list) else str(v) for k, v in params.items()}}


def result_piece(check_id: str, outcome: str, params: dict[str, str]) -> Piece:
    """A piece that reads as a check result's summary in the report's language."""
    return {"result": [str(check_id), str(outcome)], "params": {str(k): str(v) for k, v in params.items()}}


def _result_summary(item: Piece, lang: str) -> str:
    """A ``result`` piece in words; ValueError when malformed or the outcome is unknown."""
    ref, raw = item.get("result"), item.get("params") or {}
    if not (isinstance(ref, list) and len(ref) == 2 and all(isinstance(x, str) for x in ref)) \
            or not isinstance(raw, dict):
        raise ValueError("a result piece needs [check_id, outcome] and params")
    params = {str(k): str(v) for k, v in raw.items()}
    summary = result_text(ref[0], ref[1], params, lang).summary
    if summary == f"{ref[0]}: {ref[1]}":
        raise ValueError("unknown outcome")
    return summary


def text_piece(**words: str) -> Piece:
    """A piece that carries its own words per language (``en`` required)."""
    return {"text": {k: v for k, v in words.items() if v}}


def encode(pieces: list[Piece]) -> str:
    """Coded text as a compact JSON string (the form stored in ``params``)."""
    return json.dumps(pieces, ensure_ascii=False, separators=(",", ":"), sort_keys=True)


MAX_CODED_DEPTH = 8
"""Deepest nesting of pieces accepted (ours need 2); a crafted report cannot recurse further."""


def render_coded(pieces: object, lang: str = DEFAULT_LANG, _depth: int = 0) -> str:
    """Coded text (a list of pieces, or its JSON string) in ``lang``; ValueError when malformed."""
    if _depth > MAX_CODED_DEPTH:
        raise ValueError("coded text nested too deeply")
    if isinstance(pieces, str):
        if len(pieces) > 100_000:
            raise ValueError("coded text too long")
        try:
            pieces = json.loads(pieces)
        except RecursionError:
            raise ValueError("coded text nested too deeply") from None
    if not isinstance(pieces, list):
        raise ValueError("coded text must be a list of pieces")
    out: list[str] = []
    for item in pieces:
        if not isinstance(item, dict):
            raise ValueError("a piece must be a table")
        if "result" in item:  # a check result's one-line summary (comparison details)
            out.append(_result_summary(item, lang))
            continue
        if "text" in item:
            words = item["text"]
            if not isinstance(words, dict):
                raise ValueError("a text piece needs words per language")
            out.append(str(words.get(lang) or words.get(DEFAULT_LANG) or ""))
            continue
        raw = item.get("params") or {}
        if not isinstance(raw, dict):
            raise ValueError("piece params must be a table")
        params = {k: render_coded(v, lang, _depth + 1) if isinstance(v, list) else str(v) for k, v in raw.items()}
        out.append(ui(str(item.get("key", "")), lang, **params))
    return ui("list_sep", lang).join(p for p in out if p)


DATE_PARAMS = frozenset({"since", "first_seen"})
"""Parameters holding an ISO date-time of ours: shown in the reader's local form."""
REASON_PARAMS = frozenset({"reason", "problem", "note", "os"})
"""Parameters that may hold a short reason of ours ("timeout", "servfail", "empty label"): read in the
report's language when the whole value is in that vocabulary (:mod:`preflight.i18n.reasons`);
English reports show them as stored."""


def localized_params(params: dict[str, str], lang: str) -> dict[str, str]:
    """``params`` with every ``x`` that has an ``x_i18n`` rendered again in ``lang``.

    A malformed ``x_i18n`` (a hand-edited report) keeps the stored ``x``.
    """
    out = dict(params)
    words = catalogue(lang)["ui"]
    for name, value in params.items():
        # Protocol words in a parameter (an SPF result, "none") read in the report's language:
        # ui key ``value.<param>.<word>``.
        word = words.get(f"value.{name}.{value}")
        if isinstance(word, str):
            out[name] = word
        elif name in DATE_PARAMS and value:
            out[name] = format_moment(value, lang)
        elif name in REASON_PARAMS and lang != DEFAULT_LANG and f"{name}{I18N_SUFFIX}" not in params \
                and (said := reason_pieces(value, name)) is not None:
            out[name] = render_coded(said, lang)  # a short reason of ours (preflight/i18n/reasons.py)
        if name.endswith(I18N_SUFFIX) and value:
            try:
                out[name[: -len(I18N_SUFFIX)]] = render_coded(value, lang)
            except (ValueError, TypeError):
                continue
    return out
