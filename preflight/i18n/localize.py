"""A saved report in another language: the words come again from outcome + params.

The JSON report stores each result's ``outcome`` and ``params`` next to its words, so
``preflight render report.json --lang ja`` can rebuild title, summary and remediation in
Japanese. Results whose outcome the catalogue does not know (a newer preflight wrote them)
keep their stored words.
"""

from __future__ import annotations

from typing import Any

from preflight.i18n.messages import result_text


def localize(data: dict[str, Any], lang: str) -> dict[str, Any]:
    """A copy of a report dict with its words, and its ``lang``, in ``lang``."""
    out = dict(data)
    out["lang"] = lang
    results = []
    for item in data.get("results", []):
        if not isinstance(item, dict):
            results.append(item)
            continue
        params = {str(k): str(v) for k, v in (item.get("params") or {}).items()}
        text = result_text(str(item.get("check_id", "")), str(item.get("outcome", "")), params, lang)
        if text.summary == f"{item.get('check_id', '')}: {item.get('outcome', '')}":
            results.append(dict(item))
            continue
        results.append({**item, "title": text.title, "summary": text.summary,
                        "remediation": text.remediation})
    out["results"] = results
    return out
