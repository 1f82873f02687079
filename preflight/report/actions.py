"""The action list of a report: what to do before cutover, slowest fixes first.

Built from the report dict alone (results' outcomes and params, so it can be rebuilt in another
language): every fail, warn and error with its remediation, grouped by lead-time class from
``preflight/data/lead_times.toml`` (delisting and PTR tickets take days, TTLs must drop a day or
two before cutover, DNS edits take hours), plus the manual steps no query can verify.
Pure functions: no I/O beyond reading the shipped data file once.
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from typing import Any

from preflight.i18n.messages import DEFAULT_LANG, result_text, ui

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

STATUS_ORDER = {"fail": 0, "warn": 1, "error": 2}
"""Within a lead-time class: failures before warnings before could-not-check."""


@dataclass(frozen=True)
class LeadClass:
    """A lead-time class: how early its fixes must start."""

    id: str
    order: int
    prefixes: tuple[str, ...]
    days: int = 1
    """Start this many days before cutover (negative: that many days after it)."""


@dataclass(frozen=True)
class ManualStep:
    """A step no query can verify (register the IP with SNDS, plan the warm-up...)."""

    id: str
    lead: str
    url: str | None = None


@dataclass(frozen=True)
class LeadTimes:
    """The data file, validated."""

    classes: tuple[LeadClass, ...]
    default: str
    by_status: Mapping[str, str]
    manual: tuple[ManualStep, ...]
    manual_results: frozenset[str] = frozenset()
    """``check_id.outcome`` of skipped results that are a step to do by hand (look in the spam folder)."""

    def order(self, lead: str) -> int:
        """Sort key of a class id."""
        return next(c.order for c in self.classes if c.id == lead)

    def days(self, lead: str) -> int:
        """Days before cutover a fix of class ``lead`` must start (negative: after cutover)."""
        return next(c.days for c in self.classes if c.id == lead)

    def classify(self, check_id: str, outcome: str, status: str) -> str:
        """The class of one result: by status first, then the longest prefix of ``check_id.outcome``."""
        if status in self.by_status:
            return self.by_status[status]
        key = f"{check_id}.{outcome}"
        best, length = self.default, -1
        for cls in self.classes:
            for prefix in cls.prefixes:
                if key.startswith(prefix) and len(prefix) > length:
                    best, length = cls.id, len(prefix)
        return best


def parse(data: Mapping[str, Any]) -> LeadTimes:
    """Validate the parsed TOML; raise ValueError naming the bad entry."""
    classes = tuple(LeadClass(str(c["id"]), int(c["order"]), tuple(c.get("prefixes", ())), int(c.get("days", 1)))
                    for c in data.get("classes", []))
    ids = [c.id for c in classes]
    if len(set(ids)) != len(ids):
        raise ValueError("lead times: duplicate class id")
    if len({c.order for c in classes}) != len(classes):
        raise ValueError("lead times: two classes share an order")
    prefixes = [p for c in classes for p in c.prefixes]
    if len(set(prefixes)) != len(prefixes):
        raise ValueError("lead times: a prefix is in two classes")
    default = str(data.get("default", ""))
    by_status = {str(k): str(v) for k, v in data.get("status", {}).items()}
    manual = tuple(ManualStep(str(m["id"]), str(m["class"]), m.get("url")) for m in data.get("manual", []))
    for name in [default, *by_status.values(), *(m.lead for m in manual)]:
        if name not in ids:
            raise ValueError(f"lead times: unknown class {name!r}")
    for step in manual:
        if step.url is not None and not str(step.url).startswith("https://"):
            raise ValueError(f"lead times: manual.{step.id}: url must be https://")
    manual_results = frozenset(str(m) for m in data.get("manual_results", []))
    return LeadTimes(classes, default, by_status, manual, manual_results)


@functools.lru_cache(maxsize=1)
def load() -> LeadTimes:
    """The shipped data file."""
    text = (resources.files("preflight") / "data" / "lead_times.toml").read_text(encoding="utf-8")
    return parse(tomllib.loads(text))


def words(item: dict[str, Any], lang: str) -> tuple[str, str, str | None]:
    """Title, summary, remediation in ``lang``; stored words for outcomes the catalogue does not know."""
    params = {str(k): str(v) for k, v in (item.get("params") or {}).items()}
    text = result_text(item["check_id"], item["outcome"], params, lang)
    if text.summary == f"{item['check_id']}: {item['outcome']}":
        return (str(item.get("title") or item["check_id"]), str(item.get("summary") or ""),
                item.get("remediation"))
    return text.title, text.summary, text.remediation


def action_items(data: Mapping[str, Any], lang: str = DEFAULT_LANG,
                 table: LeadTimes | None = None) -> list[dict[str, Any]]:
    """Every fail/warn/error as an action, one per distinct remediation, sorted slowest first.

    Results of one check with the same remediation text (say, the same DMARC fix asked of two
    subjects, or one resolver problem) become one action listing each result's summary.
    """
    table = table or load()
    merged: dict[tuple[str, str], dict[str, Any]] = {}
    manual: list[dict[str, Any]] = []
    for item in data.get("results", []):
        if isinstance(item, dict) and item.get("status") == "skip" \
                and f"{item.get('check_id')}.{item.get('outcome')}" in table.manual_results:
            title, summary, remediation = words(item, lang)
            manual.append({
                "lead": table.classify(item["check_id"], item["outcome"], "skip"), "status": "manual",
                "check_id": item["check_id"], "title": title, "remediation": remediation,
                "summaries": [summary], "subjects": [str(item.get("subject", ""))], "manual": True, "url": None,
            })
            continue
        if not isinstance(item, dict) or item.get("status") not in STATUS_ORDER:
            continue
        title, summary, remediation = words(item, lang)
        lead = table.classify(item["check_id"], item["outcome"], item["status"])
        key = (item["check_id"], remediation or summary)
        action = merged.get(key)
        if action is None:
            action = merged[key] = {
                "lead": lead, "status": item["status"], "check_id": item["check_id"], "title": title,
                "remediation": remediation, "summaries": [], "subjects": [], "manual": False, "url": None,
            }
        if STATUS_ORDER[item["status"]] < STATUS_ORDER[action["status"]]:
            action["status"] = item["status"]
        if summary not in action["summaries"]:
            action["summaries"].append(summary)
        action["subjects"].append(str(item.get("subject", "")))
    actions = list(merged.values()) + manual
    for step in table.manual:
        actions.append({
            "lead": step.lead, "status": "manual", "check_id": f"manual.{step.id}",
            "title": ui(f"manual_{step.id}_title", lang), "remediation": ui(f"manual_{step.id}_text", lang),
            "summaries": [], "subjects": [], "manual": True, "url": step.url,
        })
    actions.sort(key=lambda a: (table.order(a["lead"]), a["manual"], STATUS_ORDER.get(a["status"], 3),
                                a["check_id"], a["subjects"][:1]))
    return actions


def action_groups(data: Mapping[str, Any], lang: str = DEFAULT_LANG,
                  table: LeadTimes | None = None) -> list[dict[str, Any]]:
    """The action list as groups by lead-time class (only classes with actions), numbered 1..n."""
    table = table or load()
    groups: dict[str, dict[str, Any]] = {}
    for number, action in enumerate(action_items(data, lang, table), start=1):
        group = groups.setdefault(action["lead"], {
            "lead": action["lead"],
            "label": ui(f"lead_{action['lead']}", lang),
            "hint": ui(f"lead_{action['lead']}_hint", lang),
            "actions": [],
        })
        group["actions"].append({**action, "number": number,
                                 "status_label": ui(f"status_{action['status']}", lang)})
    return list(groups.values())
