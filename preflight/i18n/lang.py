"""Which language a run speaks: ``--lang``, ``PREFLIGHT_LANG``, the plan, a saved report, the locale.

Precedence, highest first:

1. ``--lang`` on the command line (typer also reads ``PREFLIGHT_LANG`` for it, so the
   environment variable counts as the flag);
2. ``[report] lang`` in the migration plan (``check``), or the ``lang`` a saved report was
   written in (``render``, ``diff``, ``history``);
3. the locale: the first of ``LC_ALL``, ``LC_MESSAGES``, ``LANG`` that is set decides, as in
   POSIX; a value starting with ``ja`` means Japanese, anything else English.

Pure functions: the environment is passed in, so tests need no monkeypatching.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

from preflight.errors import UsageError
from preflight.i18n.messages import DEFAULT_LANG, LANGUAGES

ENV_VAR = "PREFLIGHT_LANG"
LOCALE_VARS = ("LC_ALL", "LC_MESSAGES", "LANG")


def parse_lang(value: str, where: str = "--lang") -> str:
    """A supported language code (``en``, ``ja``); ``ja_JP.UTF-8`` style values are accepted."""
    code = str(value).strip().lower().replace("-", "_").split(".")[0].split("_")[0]
    if code not in LANGUAGES:
        shown = str(value)[:40]
        raise UsageError(f"{where}: unknown language {shown!r} (use one of: {', '.join(LANGUAGES)})")
    return code


def from_locale(environ: Mapping[str, str] | None = None) -> str:
    """The language the user's locale asks for: ``ja`` for ``ja*`` locales, else ``en``."""
    env = os.environ if environ is None else environ
    for name in LOCALE_VARS:
        value = env.get(name)
        if value:
            return "ja" if value.lower().startswith("ja") else DEFAULT_LANG
    return DEFAULT_LANG


def resolve_lang(flag: str | None, *, plan: Mapping[str, object] | None = None,
                 saved: object = None, environ: Mapping[str, str] | None = None) -> str:
    """The language to use, by the precedence in the module docstring.

    ``flag`` is the ``--lang`` value (typer fills it from ``PREFLIGHT_LANG`` when the flag is
    absent); ``saved`` is the ``lang`` recorded in a saved report (ignored when unknown).
    """
    if flag is not None:  # an empty --lang is an error, not "not given"
        return parse_lang(flag, f"--lang (or {ENV_VAR})")
    planned = (plan or {}).get("report.lang")
    if isinstance(planned, str) and planned:
        return parse_lang(planned, "plan: report.lang")
    if isinstance(saved, str) and saved in LANGUAGES:
        return saved
    return from_locale(environ)



def plan_lang(value: object, key: str) -> str:
    """Validator for ``[report] lang`` in a plan file."""
    if not isinstance(value, str):
        raise UsageError(f"plan: {key} must be a string, not {type(value).__name__}")
    return parse_lang(value, f"plan: {key}")
