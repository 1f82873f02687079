"""Choosing the report language: --lang / PREFLIGHT_LANG, the plan, a saved report, the locale."""

from __future__ import annotations

import pytest

from preflight.config import validate_plan
from preflight.errors import UsageError
from preflight.i18n.lang import from_locale, parse_lang, resolve_lang


@pytest.mark.parametrize("environ, expected", [
    ({}, "en"),
    ({"LANG": "ja_JP.UTF-8"}, "ja"),
    ({"LANG": "ja"}, "ja"),
    ({"LANG": "C.UTF-8"}, "en"),
    ({"LANG": "en_US.UTF-8"}, "en"),
    # LC_ALL beats LC_MESSAGES beats LANG, as in POSIX
    ({"LC_ALL": "C", "LANG": "ja_JP.UTF-8"}, "en"),
    ({"LC_MESSAGES": "ja_JP.eucJP", "LANG": "en_GB.UTF-8"}, "ja"),
    ({"LC_ALL": "ja_JP.UTF-8", "LC_MESSAGES": "C"}, "ja"),
    # an empty variable does not count
    ({"LC_ALL": "", "LANG": "ja_JP.UTF-8"}, "ja"),
    ({"LANG": "POSIX"}, "en"),
])
def test_language_from_locale(environ: dict[str, str], expected: str) -> None:
    assert from_locale(environ) == expected


@pytest.mark.parametrize("flag, plan, saved, environ, expected", [
    ("ja", {"report.lang": "en"}, "en", {"LANG": "C"}, "ja"),       # the flag (or PREFLIGHT_LANG) wins
    (None, {"report.lang": "ja"}, None, {"LANG": "C"}, "ja"),        # then the plan
    (None, {}, "ja", {"LANG": "C"}, "ja"),                          # then a saved report's language
    (None, {}, "xx", {"LANG": "ja_JP.UTF-8"}, "ja"),                # an unknown saved value is ignored
    (None, {}, None, {"LANG": "ja_JP.UTF-8"}, "ja"),                # then the locale
    (None, None, None, {}, "en"),
    ("JA", {}, None, {}, "ja"),
    ("ja_JP.UTF-8", {}, None, {}, "ja"),
    ("en-US", {}, None, {"LANG": "ja_JP.UTF-8"}, "en"),
])
def test_precedence(flag: str | None, plan: dict | None, saved: str | None, environ: dict[str, str],
                    expected: str) -> None:
    assert resolve_lang(flag, plan=plan, saved=saved, environ=environ) == expected


@pytest.mark.parametrize("value", ["fr", "", "english", "<script>"])
def test_unknown_language_is_a_usage_error(value: str) -> None:
    with pytest.raises(UsageError, match="unknown language"):
        parse_lang(value)


def test_plan_lang_is_validated() -> None:
    assert validate_plan({"report": {"lang": "ja"}}) == {"report.lang": "ja"}
    with pytest.raises(UsageError, match="plan: report.lang: unknown language 'de'"):
        validate_plan({"report": {"lang": "de"}})
    with pytest.raises(UsageError, match="report.lang must be a string"):
        validate_plan({"report": {"lang": 1}})
