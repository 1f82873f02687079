"""``preflight lists``: the blocklist catalogue, and (with ``--probe``) which lists work right now.

The probe sends only the RFC 5782 self-test of each active list (two queries per list, all at
once) through the chosen resolver: no subject is looked up.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping, Sequence
from typing import Any

from preflight.checks.blocklists.collect import probe
from preflight.checks.blocklists.health import Health
from preflight.checks.blocklists.queries import zone_refs
from preflight.checks.blocklists.settings import BlocklistSettings
from preflight.data.catalogue import Catalogue, DefaultWhy, Requirement, Zone
from preflight.i18n.messages import ui
from preflight.net.dns import DnsClient

COLUMNS = ("id", "zone", "kind", "subjects", "enabled", "status", "why")


def default_reason(zone: Zone, chosen: bool, lang: str = "en") -> tuple[str, str]:
    """``(code, words)``: why ``zone`` is (not) queried in this run.

    The catalogue's reason, unless the plan changed the default: a zone the plan adds reads
    "added by the plan", one it disables keeps its reason with the plan named.
    """
    why = zone.why_default
    if chosen and not why.on:
        why = DefaultWhy.USER
    text = ui("blocklist_default_" + why.value.replace("-", "_"), lang)
    if why.on and not chosen:
        text = ui("blocklist_default_disabled_by_plan", lang)
        return "disabled-by-plan", text
    return why.value, text


def _probe_state(health: Health | None) -> str:
    if health is None:
        return "-"
    if health.usable:
        if health.tested:
            return "usable"
        return "usable (plausibility probe)" if health.plausible else "usable (no test entries)"
    assert health.state is not None
    return health.state.value


def catalogue_rows(catalogue: Catalogue, settings: BlocklistSettings,
                   probes: Mapping[str, Health] | None = None, lang: str = "en") -> list[dict[str, Any]]:
    """One row per catalogue zone (and per custom zone of the plan)."""
    chosen = {z.id for z in settings.chosen(catalogue)}
    shown = {ref.zone.id: ref.shown for ref in zone_refs(settings.chosen(catalogue), settings.dqs_key)}
    zones: list[Zone] = list(catalogue.zones)
    zones += [z for z in settings.chosen(catalogue) if z.id not in {c.id for c in catalogue.zones}]
    rows = []
    for zone in zones:
        row: dict[str, Any] = {
            "id": zone.id, "zone": shown.get(zone.id, zone.zone), "name": zone.name,
            "kind": zone.kind.value, "subjects": [s.value for s in zone.subjects],
            "enabled": zone.id in chosen, "status": zone.status.value,
            "requires": [r.value for r in zone.requires],
            "curated": zone.curated or "",
        }
        row["default_why"], row["why"] = default_reason(zone, row["enabled"], lang)
        if probes is not None:
            health = probes.get(zone.id)
            row["probe"] = _probe_state(health)
            row["probe_detail"] = health.why if health is not None else ""
        rows.append(row)
    return rows


def probe_zones(dns: DnsClient, catalogue: Catalogue, settings: BlocklistSettings) -> dict[str, Health]:
    """Self-test the enabled zones and every other active zone that needs no key."""
    chosen = list(settings.chosen(catalogue))
    ids = {z.id for z in chosen}
    others = [z for z in catalogue.active()
              if z.id not in ids and Requirement.KEY not in z.requires]
    return probe(dns, zone_refs([*chosen, *others], settings.dqs_key), settings.dqs_key)


def unusable_enabled(rows: Sequence[Mapping[str, Any]]) -> list[str]:
    """Ids of enabled zones whose probe failed."""
    return [r["id"] for r in rows
            if r["enabled"] and r.get("probe", "-") not in ("-",) and not str(r["probe"]).startswith("usable")]


def format_table(rows: Sequence[Mapping[str, Any]], lang: str = "en") -> str:
    """A plain-text table (for the terminal): headers and yes/no in ``lang``, columns padded by
    display width (a Japanese character takes two terminal cells)."""
    columns = list(COLUMNS) + (["probe"] if rows and "probe" in rows[0] else [])
    header = [ui(f"cli_lists_column_{c}", lang) for c in columns]
    cells = [[_cell(row[c], lang) for c in columns] for row in rows]
    widths = [max(display_width(h), *(display_width(line[i]) for line in cells)) for i, h in enumerate(header)]
    lines = ["  ".join(_pad(h, w) for h, w in zip(header, widths)).rstrip()]
    lines += ["  ".join(_pad(v, w) for v, w in zip(line, widths)).rstrip() for line in cells]
    return "\n".join(lines) + "\n"


def display_width(text: str) -> int:
    """Terminal cells ``text`` takes: wide and full-width characters (East Asian Width W/F) two,
    combining marks none, everything else one."""
    return sum(0 if unicodedata.combining(ch) else 2 if unicodedata.east_asian_width(ch) in "WF" else 1
               for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * max(0, width - display_width(text))


def _cell(value: Any, lang: str) -> str:
    if isinstance(value, bool):
        return ui("cli_lists_yes" if value else "cli_lists_no", lang)
    if isinstance(value, list):
        return ",".join(value)
    return str(value)
