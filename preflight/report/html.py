"""HTML report: one self-contained file rendered FROM the JSON dict.

Jinja2 runs with ``autoescape=True`` (unconditionally: ``select_autoescape`` would not
escape ``*.html.j2``) and ``StrictUndefined``. Only our own CSS is marked safe. The view
model is computed here, so the templates stay logic-light.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import importlib
from pathlib import Path
from typing import Any

from preflight.i18n.dates import format_moment
from preflight.i18n.messages import (
    DEFAULT_LANG,
    catalogue,
    check_about,
    check_title,
    render_coded,
    result_text,
    ui,
)
from preflight.report import blockers, change_request, glossary, markup

STATUS_ORDER = {"fail": 0, "error": 1, "warn": 2, "pass": 3, "skip": 4}

SECTION_ORDER = ("comparison", "history", "blocklists", "reputation", "smtp", "inventory", "partners", "messages",
                 "old_ips")
"""Extra report sections, in page order; each has a template ``sections/<name>.html.j2``."""


def templates_dir() -> Path:
    """Templates ship inside the wheel (preflight/templates); in a checkout they sit at the top."""
    here = Path(__file__).resolve().parent.parent
    for candidate in (here / "templates", here.parent / "templates"):
        if (candidate / "report.html.j2").is_file():
            return candidate
    raise FileNotFoundError("preflight templates not found (broken installation)")


@functools.lru_cache(maxsize=1)
def environment() -> Any:
    """The Jinja2 environment (autoescape always on, strict undefined, compiled templates cached
    between runs: :mod:`preflight.report._templatecache`)."""
    import jinja2

    from preflight.report._templatecache import bytecode_cache

    options: dict[str, Any] = {"trim_blocks": True, "lstrip_blocks": True, "keep_trailing_newline": True}
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(templates_dir())),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        **options,
    )
    env.filters["rich"] = markup.rich
    env.filters["links"] = markup.links
    env.filters["untrusted"] = markup.untrusted
    env.filters["css_string"] = markup.css_string
    # Before any template is loaded: compiled code is kept per options and filter names.
    env.bytecode_cache = bytecode_cache({"autoescape": True, "undefined": "strict", **options,
                                         "filters": sorted(env.filters)})
    return env


def _evidence(items: Any, lang: str) -> list[Any]:
    """Evidence as stored; a value that is our own words (``value_i18n``) in ``lang``."""
    out = []
    for ev in items or []:
        if isinstance(ev, dict) and ev.get("value_i18n"):
            try:
                ev = {**ev, "value": render_coded(ev["value_i18n"], lang)}
            except (ValueError, TypeError):
                pass  # a hand-edited report: keep the stored value
        out.append(ev)
    return out


def _coded(item: dict[str, Any], name: str, lang: str) -> str:
    """``item[name]`` in ``lang`` from ``item[name + "_i18n"]``; the stored text when absent or malformed."""
    stored = str(item.get(name) or "")
    if item.get(f"{name}_i18n") and stored:
        try:
            return render_coded(item[f"{name}_i18n"], lang) or stored
        except (ValueError, TypeError):
            pass  # a hand-edited or older report: keep the stored words
    return stored


def _texts(item: dict[str, Any], lang: str) -> dict[str, Any]:
    params = {str(k): str(v) for k, v in item.get("params", {}).items()}
    text = result_text(item["check_id"], item["outcome"], params, lang)
    known = text.summary != f"{item['check_id']}: {item['outcome']}"
    return {
        "title": text.title if known else item.get("title", item["check_id"]),
        "summary": text.summary if known else item.get("summary", ""),
        "remediation": text.remediation if known else item.get("remediation"),
    }


def view_model(data: dict[str, Any], lang: str = DEFAULT_LANG) -> dict[str, Any]:
    """Everything the template shows, computed from the report dict."""
    results = []
    for item in data["results"]:
        texts = _texts(item, lang)
        results.append({
            "check_id": item["check_id"],
            "subject": item["subject"],
            "status": item["status"],
            "status_label": ui(f"status_{item['status']}", lang),
            "outcome": item["outcome"],
            "evidence": _evidence(item.get("evidence", []), lang),
            **texts,
        })
    findings = sorted(
        (r for r in results if r["status"] in ("fail", "error", "warn")),
        key=lambda r: (STATUS_ORDER[r["status"]], r["check_id"], r["subject"]),
    )
    groups: dict[str, dict[str, Any]] = {}
    for r in results:
        group = groups.setdefault(r["check_id"], {
            "check_id": r["check_id"],
            "title": check_title(r["check_id"], lang) if check_about(r["check_id"], lang) else r["title"],
            "about": check_about(r["check_id"], lang),
            "results": [],
        })
        group["results"].append(r)
    for group in groups.values():
        group["worst"] = min((r["status"] for r in group["results"]), key=STATUS_ORDER.__getitem__)
    counts = data.get("counts", {})
    target = data.get("target", {})
    resolver = data.get("resolver", {})
    passed = _passed(results, lang)
    verdict_text = ui(f"verdict_{data['verdict']}", lang)
    generated = format_moment(data.get("generated_at", ""), lang)
    return {
        "lang": lang,
        "ui": {key: ui(key, lang) for key in _UI_KEYS},
        "verdict": data["verdict"],
        "verdict_text": ui(f"verdict_{data['verdict']}", lang),
        "counts_text": ui("label_counts", lang, passed=counts.get("pass", 0), warned=counts.get("warn", 0),
                          failed=counts.get("fail", 0), errors=counts.get("error", 0),
                          skipped=counts.get("skip", 0)),
        "generated_at": data.get("generated_at", ""),
        "tool_version": data.get("tool_version", data.get("tool", {}).get("version", "")),
        "target": {
            "ips": ", ".join(target.get("ips", [])) or ui("none", lang),
            "hostname": target.get("hostname") or ui("none", lang),
            "domains": ", ".join(target.get("domains", [])) or ui("none", lang),
            "selectors": ", ".join(target.get("dkim_selectors", [])) or ui("none", lang),
        },
        "resolver": ", ".join(resolver.get("nameservers", []))
        + (f" ({ui('system_resolver', lang)})" if resolver.get("system") else ""),
        "findings": findings,
        "groups": list(groups.values()),
        "sections": [name for name in SECTION_ORDER if data.get(name)],
        "comparison": _comparison_view(data.get("comparison"), lang),
        "section_views": section_views(data, lang),
        "cr": change_request.view(data, lang),
        "blockers": blockers.view(data, lang),
        "passed": passed,
        "passed_intro": ui("passed_intro", lang, count=sum(len(g["subjects"]) for g in passed)),
        # Appendix B explains the checks a reader must act on or could not rely on (every row of
        # pages 1-2 links there); passing checks are listed by title in appendix A.
        "glossary": glossary.entries([r["check_id"] for r in results if r["status"] != "pass"], lang,
                                     to_fix=[r["check_id"] for r in results if r["status"] != "pass"]),
        "generated_label": generated,
        "footer": {"left": f"{verdict_text} · {generated}", "page": ui("footer_page", lang)},
        "state_labels": state_labels(lang),
        "data": data,
    }


def _passed(results: list[dict[str, Any]], lang: str) -> list[dict[str, Any]]:
    """Passing results, one row per check id with its subjects (the compact appendix)."""
    rows: dict[str, dict[str, Any]] = {}
    for r in results:
        if r["status"] != "pass":
            continue
        row = rows.setdefault(r["check_id"], {"check_id": r["check_id"], "title": check_title(r["check_id"], lang),
                                              "subjects": []})
        if r["subject"] not in row["subjects"]:
            row["subjects"].append(r["subject"])
    return sorted(rows.values(), key=lambda row: row["check_id"])


def section_views(data: dict[str, Any], lang: str = DEFAULT_LANG) -> dict[str, Any]:
    """View data of extra sections that have a view module, ``preflight/report/sections/<name>.py``
    with ``view(section, lang)``; its template reads it as ``v.section_views.<name>``."""
    views: dict[str, Any] = {}
    for name in SECTION_ORDER:
        if not data.get(name):
            continue
        module_name = f"preflight.report.sections.{name}"
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name not in (module_name, "preflight.report.sections"):
                raise
            continue
        views[name] = module.view(data[name], lang)
    return views


def state_labels(lang: str) -> dict[str, str]:
    """Words for raw states shown in comparison and history tables (pass, fail, listed, ...)."""
    keys = [k for k in catalogue(DEFAULT_LANG)["ui"] if k.startswith(("status_", "state_", "verdict_short_"))]
    return {k.split("_", 1)[1]: ui(k, lang) for k in sorted(keys)}


def _comparison_view(comparison: Any, lang: str) -> dict[str, Any] | None:
    if not isinstance(comparison, dict):
        return None
    changes = [dict(c, change_label=ui(f"change_{c.get('change')}", lang), detail=_coded(c, "detail", lang),
                    **{side: _coded(c, side, lang) for side in ("before", "after") if c.get(f"{side}_i18n")},
                    first_seen=format_moment(c.get("first_seen"), lang) if c.get("first_seen") else c.get("first_seen"))
               for c in comparison.get("changes", []) if isinstance(c, dict)]
    return {
        "summary": ui("comparison_summary", lang, regressions=comparison.get("regressions", 0),
                      resolved=comparison.get("resolved", 0),
                      date=format_moment(comparison.get("baseline_generated_at", "?"), lang)),
        "changes": changes,
    }


_UI_KEYS = (
    "report_title", "heading_target", "heading_summary", "heading_findings", "heading_all_checks",
    "heading_evidence", "heading_remediation", "label_generated", "label_tool", "label_resolver",
    "label_ips", "label_hostname", "label_domains", "label_selectors", "label_check",
    "label_subject", "label_status", "label_result", "label_source",
    "heading_comparison", "label_before", "label_after", "label_first_seen", "label_item", "label_change",
    "heading_history", "heading_old_ips", "label_ptr", "label_forward_confirmed", "label_blocklists", "yes", "no",
    "heading_overview", "heading_blockers", "heading_warnings", "heading_not_checked", "heading_fixes",
    "heading_manual", "heading_passed", "heading_glossary", "blockers_none", "warnings_none", "not_checked_none",
    "not_checked_intro", "label_fix", "label_owner", "label_lead", "label_start_by", "label_checks", "label_late",
    "glossary_why", "glossary_fix", "copy_button", "copy_done",
)


def render(data: dict[str, Any], lang: str = DEFAULT_LANG) -> str:
    """The HTML report for a report dict."""
    env = environment()
    css = (templates_dir() / "report.css").read_text(encoding="utf-8")
    script = (templates_dir() / "copy.js").read_text(encoding="utf-8")
    view = view_model(data, lang)
    available = {name for name in view["sections"] if (templates_dir() / "sections" / f"{name}.html.j2").is_file()}
    view["sections"] = [name for name in view["sections"] if name in available]
    # The only script is our copy button's; the page's Content-Security-Policy allows it by hash and
    # nothing else, so even a script that slipped through escaping would not run.
    digest = base64.b64encode(hashlib.sha256(script.encode("utf-8")).digest()).decode("ascii")
    return str(env.get_template("report.html.j2").render(v=view, css=css, script=script,
                                                         script_hash=f"sha256-{digest}"))
