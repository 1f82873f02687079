"""Compare two reports: what got worse, what got fixed, what stayed the same.

Pure functions over report dicts (the canonical JSON), so a baseline saved before cutover
can be compared with any later run, or two saved reports with each other. Every comparable
item — a check result, a blocklist entry, a partner verdict, a server setting — becomes an
:class:`Item` with a key, a state and a severity rank; items are matched by key.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from preflight.exitcodes import ExitCode
from preflight.i18n.messages import encode, result_piece

# Severity ranks. "error" (could not check) and "skip" (not checked) are not ranked: they
# neither prove a regression nor a fix, and are reported as "unverified" (could not recheck).
RANK = {"pass": 0, "info": 0, "warn": 1, "fail": 2}
STATE_RANK = {
    "clear": 0, "allowlisted": 0, "accepted": 0,
    "policy": 1,
    "listed": 2, "rejected": 2,
}
UNVERIFIED = {"error", "skip", "refused", "unreliable", "unreachable", "unknown", "not_applicable"}
"""States that say nothing about the item: "not_applicable" is a list not asked (it does not take
that kind of subject, or the run did not ask it) — never "clear"."""


@dataclass(frozen=True)
class Item:
    """One comparable thing in a report."""

    kind: str
    """``check``, ``blocklist``, ``partner`` or ``setting``."""
    key: str
    label: str
    state: str
    rank: int | None
    """None: could not be determined (error, unreachable...)."""
    detail: str = ""
    detail_i18n: str = ""
    """``detail`` as coded text (a result's outcome and params, a list's meaning): words at render time."""
    state_i18n: str = ""
    """``state`` as coded text when it is our own words (a server setting's value such as "(empty)")."""


@dataclass(frozen=True)
class Change:
    """How one item moved between the baseline and now."""

    change: str
    """``regression``, ``resolved``, ``unchanged_problem``, ``changed``, ``new_problem``,
    ``gone``, ``unverified``, ``unchanged``."""
    kind: str
    key: str
    label: str
    before: str | None
    after: str | None
    detail: str = ""
    first_seen: str | None = None
    detail_i18n: str = ""
    before_i18n: str = ""
    after_i18n: str = ""


def _list(value: Any) -> list[Any]:
    """A list from a saved report, or nothing when that part is missing or malformed."""
    return value if isinstance(value, list) else []


def _rank(state: str, table: dict[str, int]) -> int | None:
    if state in UNVERIFIED:
        return None
    return table.get(state, 0)


def result_items(data: dict[str, Any]) -> list[Item]:
    """Check results as items, keyed by check id and subject."""
    items = []
    for r in data.get("results", []):
        status = r.get("status", "")
        params = r.get("params")
        coded = encode([result_piece(r["check_id"], str(r.get("outcome", "")), params)]) \
            if isinstance(params, dict) and r.get("outcome") else ""
        items.append(Item("check", f"{r['check_id']}|{r['subject']}", f"{r['check_id']} · {r['subject']}",
                          status, _rank(status, RANK), r.get("summary", ""), coded))
    return items


def blocklist_items(data: dict[str, Any]) -> list[Item]:
    """Blocklist entries (zone × subject) as items."""
    items = []
    for e in _list(data.get("blocklists")):
        if not isinstance(e, dict):
            continue
        zone = str(e.get("zone") or e.get("zone_id") or "")
        subject = str(e.get("subject", ""))
        state = str(e.get("state", ""))
        items.append(Item("blocklist", f"{zone}|{subject}", f"{zone} · {subject}", state,
                          _rank(state, STATE_RANK), str(e.get("meaning") or ""),
                          str(e.get("meaning_i18n") or "") if e.get("meaning") else ""))
    return items


def partner_items(data: dict[str, Any]) -> list[Item]:
    """Partner predictions (accepted / rejected / unknown) as items."""
    section = data.get("partners") or {}
    entries = section.get("entries") if isinstance(section, dict) else None
    items = []
    for e in _list(entries):
        if not isinstance(e, dict):
            continue
        key = f"{e.get('partner', '')}|{e.get('ip', '')}"
        state = str(e.get("verdict", e.get("state", "")))
        items.append(Item("partner", key, key.replace("|", " · "), state, _rank(state, STATE_RANK),
                          str(e.get("reason") or "")))
    return items


def setting_items(data: dict[str, Any]) -> list[Item]:
    """Server settings of the new server from the inventory, compared by value."""
    section = data.get("inventory") or {}
    servers = section.get("servers", {}) if isinstance(section, dict) else {}
    new = servers.get("new", {}) if isinstance(servers, dict) else {}
    settings = new.get("settings", {}) if isinstance(new, dict) else {}
    coded = new.get("settings_i18n") if isinstance(new, dict) else None
    coded = coded if isinstance(coded, dict) else {}
    items = []
    if isinstance(settings, dict):
        for name, value in sorted(settings.items()):
            said = coded.get(name)
            items.append(Item("setting", name, name, str(value), 0, state_i18n=said if isinstance(said, str) else ""))
    return items


EXTRACTORS: tuple[Callable[[dict[str, Any]], list[Item]], ...] = (
    result_items, blocklist_items, partner_items, setting_items,
)


def items_of(data: dict[str, Any]) -> dict[str, Item]:
    """All comparable items of a report, by ``kind|key``."""
    out: dict[str, Item] = {}
    for extract in EXTRACTORS:
        for item in extract(data):
            out[f"{item.kind}|{item.key}"] = item
    return out


def _first_seen(baseline: dict[str, Any]) -> dict[str, str]:
    """When each still-open problem of the baseline was first seen (carried across rechecks)."""
    previous = baseline.get("comparison") or {}
    seen = {}
    for change in _list(previous.get("changes")) if isinstance(previous, dict) else []:
        if isinstance(change, dict) and change.get("first_seen"):
            seen[f"{change.get('kind')}|{change.get('key')}"] = str(change["first_seen"])
    return seen


def _target_values(data: dict[str, Any]) -> set[str]:
    target = data.get("target")
    if not isinstance(target, dict):
        return set()
    values = {str(v) for key in ("ips", "domains", "dkim_selectors") for v in _list(target.get(key))}
    if target.get("hostname"):
        values.add(str(target["hostname"]))
    return values


def _unchecked(b: Item, current_ids: set[str], dropped: set[str]) -> bool:
    """A baseline check the new run did not run at all: its check, or its subject, left out."""
    check_id, _, subject = b.key.partition("|")
    return check_id not in current_ids or subject in dropped


def compare(baseline: dict[str, Any], current: dict[str, Any]) -> dict[str, Any]:
    """The ``comparison`` section: changes (regressions first), counts and the baseline date.

    "resolved" means the new run checked the item and it passed; an item the new run could not
    check, skipped or left out is "unverified" (``unchecked`` counts them), never resolved and
    never a regression.
    """
    before, after = items_of(baseline), items_of(current)
    since = str(baseline.get("generated_at", ""))
    carried = _first_seen(baseline)
    current_ids = {str(r.get("check_id")) for r in _list(current.get("results")) if isinstance(r, dict)}
    dropped = _target_values(baseline) - _target_values(current)
    changes: list[Change] = []
    left_unchecked = 0
    for key in sorted(set(before) | set(after)):
        b, a = before.get(key), after.get(key)
        change = _change(key, b, a, carried.get(key) or since)
        if (change.change == "gone" and b is not None and b.kind == "check"
                and _unchecked(b, current_ids, dropped)):
            change = Change("unverified", b.kind, b.key, b.label, b.state, None, b.detail,
                            detail_i18n=b.detail_i18n, before_i18n=b.state_i18n)
        if change.change == "unverified" and b is not None and b.rank is not None:
            left_unchecked += 1  # known at baseline, not known now
        changes.append(change)
    order = {"regression": 0, "new_problem": 1, "unverified": 2, "changed": 3, "unchanged_problem": 4,
             "resolved": 5, "gone": 6, "unchanged": 7}
    changes.sort(key=lambda c: (order[c.change], c.kind, c.key))
    counts = {name: sum(1 for c in changes if c.change == name) for name in order}
    return {
        "baseline_generated_at": since,
        "baseline_verdict": baseline.get("verdict"),
        "regressions": counts["regression"] + counts["new_problem"],
        "resolved": counts["resolved"],
        "unchecked": left_unchecked,
        "counts": counts,
        "changes": [_as_dict(c) for c in changes if c.change != "unchanged"],
    }


def _change(key: str, b: Item | None, a: Item | None, since: str) -> Change:
    ref = a or b
    assert ref is not None
    base: dict[str, Any] = {"kind": ref.kind, "key": ref.key, "label": ref.label,
            "before": b.state if b else None, "after": a.state if a else None, "detail": ref.detail,
            "detail_i18n": ref.detail_i18n, "before_i18n": b.state_i18n if b else "",
            "after_i18n": a.state_i18n if a else ""}
    if a is None:
        return Change("gone", **base)
    if b is None:
        if a.rank is None:
            return Change("unverified", **base)
        return Change("new_problem" if a.rank > 0 else "unchanged", **base)
    if a.rank is None:
        same = b.rank is None and b.state == a.state
        return Change("unchanged" if same else "unverified", **base)
    if b.rank is None:
        # Could not be checked before; known now. A problem now is one nobody saw at baseline.
        return Change("new_problem" if a.rank > 0 else "changed", **base)
    if a.rank > b.rank:
        return Change("regression", **base)
    if a.rank < b.rank and a.rank == 0:
        return Change("resolved", **base)
    if a.rank < b.rank:  # better (fail → warn) but still open: not resolved
        return Change("unchanged_problem", **base, first_seen=since)
    if a.rank > 0:
        return Change("unchanged_problem", **base, first_seen=since)
    if a.state != b.state:
        return Change("changed", **base)
    return Change("unchanged", **base)


def _as_dict(c: Change) -> dict[str, Any]:
    out = {"change": c.change, "kind": c.kind, "key": c.key, "label": c.label, "before": c.before,
           "after": c.after, "detail": c.detail, "first_seen": c.first_seen}
    # coded text of our own words, rendered in the report's language (older reports: shown as stored)
    for name, value in (("detail_i18n", c.detail_i18n), ("before_i18n", c.before_i18n), ("after_i18n", c.after_i18n)):
        if value:
            out[name] = value
    return out


def regressions(comparison: dict[str, Any]) -> int:
    """Number of things that got worse (including new problems)."""
    return int(comparison.get("regressions", 0))


def unchecked(comparison: dict[str, Any]) -> int:
    """Number of baseline items the new run could not check, skipped or left out."""
    value = comparison.get("unchecked")
    if value is None:  # a comparison saved before "unchecked" existed
        counts = comparison.get("counts")
        value = counts.get("unverified", 0) if isinstance(counts, dict) else 0
    return int(value) if isinstance(value, int) else 0


def recheck_exit(comparison: dict[str, Any]) -> ExitCode:
    """``diff`` and ``check --baseline``: 1 on any regression, else 3 when the new run left
    baseline items unchecked, else 0."""
    if regressions(comparison):
        return ExitCode.NOT_READY
    if unchecked(comparison):
        return ExitCode.INCONCLUSIVE
    return ExitCode.READY


def history(reports: Iterable[dict[str, Any]]) -> dict[str, Any]:
    """A table over several dated reports: for every item that was ever a problem, its state per date."""
    ordered = sorted(reports, key=lambda d: str(d.get("generated_at", "")))
    columns = [{"generated_at": str(d.get("generated_at", "")), "verdict": d.get("verdict")} for d in ordered]
    per_report = [items_of(d) for d in ordered]
    keys = sorted({k for items in per_report for k, item in items.items()
                   if item.rank != 0 and item.state != "not_applicable"})
    rows = []
    for key in keys:
        cells = [items[key].state if key in items else None for items in per_report]
        label = next(items[key].label for items in per_report if key in items)
        rows.append({"key": key, "label": label, "states": cells})
    return {"columns": columns, "rows": rows}


def first_seen(baseline: dict[str, Any] | None, check_id: str, subject: str, outcome: str) -> str | None:
    """When a result with this outcome was first seen, carried across a chain of rechecks.

    The baseline's own ``since`` parameter wins (it came from an older baseline); otherwise
    the baseline's date. None when the baseline did not have this outcome.
    """
    if not baseline:
        return None
    for r in baseline.get("results", []):
        if (isinstance(r, dict) and r.get("check_id") == check_id and r.get("subject") == subject
                and r.get("outcome") == outcome):
            since = (r.get("params") or {}).get("since")
            return str(since) if since else str(baseline.get("generated_at") or "") or None
    return None
