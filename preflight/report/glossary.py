"""Appendix B of the report: for each check id, why it matters and how to fix it (both languages).

"Why" is the check's ``about`` text; "how to fix" is the ui key ``howto.<check_id>``
(``locales/<lang>/glossary.toml``). A check without its own how-to text shows the first
remediation its outcomes have, so no row is left without advice.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from preflight.i18n.messages import DEFAULT_LANG, catalogue, check_about, check_title, ui


def howto(check_id: str, lang: str = DEFAULT_LANG) -> str:
    """How to fix a failure of ``check_id``, in one or two sentences ("" when nothing is known)."""
    key = f"howto.{check_id}"
    text = ui(key, lang)
    if text != key:
        return text
    for code in (lang, DEFAULT_LANG):
        outcomes = catalogue(code)["checks"].get(check_id, {}).get("outcomes", {})
        for outcome in outcomes.values():
            if isinstance(outcome, dict) and outcome.get("remediation") and "{" not in outcome["remediation"]:
                return str(outcome["remediation"])
    return ""


def entries(check_ids: Iterable[str], lang: str = DEFAULT_LANG,
            to_fix: Iterable[str] = ()) -> list[dict[str, Any]]:
    """One entry per distinct check id, sorted by id; the how-to text only for ``to_fix`` (checks that
    did not pass: nothing to fix elsewhere, and the printed report stays short)."""
    fix = set(to_fix)
    return [{"check_id": c, "title": check_title(c, lang), "about": check_about(c, lang),
             "howto": howto(c, lang) if c in fix else ""}
            for c in sorted(set(check_ids))]
