"""The inventory in the reports: JSON (schema-valid, re-renderable) and the HTML section."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import FIXED_NOW

from preflight.checks.server import run
from preflight.checks.server.settings import SshSettings
from preflight.engine import Report, RunContext
from preflight.report import html
from preflight.report import json as report_json

SCHEMA = Path(__file__).resolve().parents[3] / "preflight" / "schema" / "report.schema.json"
SCRIPT = "<script>alert(1)</script>"

pytestmark = [pytest.mark.sshd, pytest.mark.postfix]


def _report(server_context: Callable[..., tuple[RunContext, SshSettings]]) -> dict[str, object]:
    ctx, _ = server_context(old=True)
    output = run(ctx)
    report = Report(FIXED_NOW, ctx.config.target.to_dict(), {"nameservers": [], "system": False},
                    output.results, dict(output.sections))
    return report_json.to_dict(report)


def test_json_report_is_schema_valid_and_re_renders(server_context: Callable[..., tuple[RunContext, SshSettings]]
                                                    ) -> None:
    import jsonschema

    data = _report(server_context)
    jsonschema.validate(data, json.loads(SCHEMA.read_text()))
    saved = json.loads(report_json.dumps(data))
    page = html.render(report_json.check_report(saved, "saved"))
    assert 'id="inventory"' in page


def test_html_shows_old_vs_new_with_changes_marked(server_context: Callable[..., tuple[RunContext, SshSettings]]
                                                   ) -> None:
    data = _report(server_context)
    page = html.render(data)
    assert "Old vs new" in page
    start = page.index('class="summary inventory-comparison"')
    table = page[start:page.index("</table>", start)]
    at = table.index("HELO name")
    helo_row = table[table.rindex("<tr", 0, at):table.index("</tr>", at)]
    assert "inventory-changed row-warn" in helo_row and "old.inventory.test" in helo_row
    assert "Commands preflight may run" in page and "openssl pkey -in &lt;file_path&gt; -pubout" in page


def test_html_escapes_what_the_server_said(server_context: Callable[..., tuple[RunContext, SshSettings]]) -> None:
    data = _report(server_context)
    inventory = data["inventory"]
    assert isinstance(inventory, dict)
    inventory["comparison"]["rows"][0]["new"] = SCRIPT
    inventory["servers"]["new"]["port25"] = [{"target": SCRIPT, "state": "open", "greeting": SCRIPT}]
    page = html.render(data)
    assert SCRIPT not in page and "&lt;script&gt;" in page


def test_section_view_tolerates_a_minimal_section() -> None:
    from preflight.report.sections import inventory

    view = inventory.view({"servers": {"new": {"role": "new", "target": "a@b:22", "connected": False,
                                               "error": {"kind": "unreachable", "detail": "refused"}}}})
    assert view["comparison"] is None and view["servers"][0]["error"] == "unreachable: refused"


def test_why_a_server_was_not_inventoried_reads_in_japanese() -> None:
    from preflight.report.sections import inventory

    section = {"servers": {"new": {"role": "new", "target": "a@b:22", "connected": False,
                                   "error": {"kind": "unreachable", "detail": "connection refused"}},
                           "old": {"role": "old", "target": "a@c:22", "connected": False,
                                   "error": {"kind": "auth_failed", "detail": "Authentication failed."}}}}
    new, old = inventory.view(section, "ja")["servers"]
    assert (new["heading"], new["error"]) == ("新サーバー", "到達できません：接続が拒否されました")
    # a library's words (paramiko's) stay as written; the kind is ours
    assert (old["heading"], old["error"]) == ("旧サーバー", "ログインできません：Authentication failed.")
    english = inventory.view(section, "en")["servers"]
    assert [s["error"] for s in english] == ["unreachable: connection refused", "auth_failed: Authentication failed."]
