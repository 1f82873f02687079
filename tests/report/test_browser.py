"""The HTML report in a real browser: headless Chromium opens it in both languages.

No console errors; the change-request parts render; a screenshot and an A4 PDF are saved under
the test's tmp dir (look at them: ``pytest tests/report/test_browser.py`` prints the folder).
Skipped locally when Chromium is missing; a failure under CI (PREFLIGHT_REQUIRE_ALL=1).
"""

from __future__ import annotations

import re
import unicodedata
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import FIXED_NOW, require

from preflight.cli.demo import demo_config, demo_cutover, demo_target
from preflight.engine import run
from preflight.lab.environment import lab_dns, lab_https, lab_mail, lab_smtp, lab_test_message
from preflight.registry import FAMILIES
from preflight.report import html as report_html
from preflight.report import json as report_json
from preflight.report import providers
from preflight.i18n.localize import localize
from preflight.i18n.messages import ui as ui_text
from report.chromium_cdp import Browser, find_chromium

pytestmark = pytest.mark.browser

EXPECTED = {
    "en": {"blockers": "Blockers: fix these before cutover", "providers": "Mailbox provider requirements",
           "approval": ["Prepared by", "Checked by", "Approved by"], "verdict": "Not ready",
           "manual": "Register the new IP with Microsoft SNDS", "page": "Page"},
    "ja": {"blockers": "切り替え前に解消が必要な問題", "providers": "メールボックス事業者の送信者要件",
           "approval": ["承認", "確認", "作成"], "verdict": "切り替えできません",
           "manual": "新しい IP を Microsoft SNDS に登録する", "page": "ページ"},
}
MAX_PAGES = 10
ARTEFACTS = Path(__file__).resolve().parents[2] / "tmp" / "artefacts" / "browser"
"""Screenshots and PDFs of the last run, for people to look at (git-ignored; CI keeps them)."""


def _cjk_font_installed() -> bool:
    try:
        out = subprocess.run(["fc-list", ":lang=ja", "family"], capture_output=True, text=True, timeout=20,
                             check=False).stdout
    except (OSError, subprocess.TimeoutExpired):
        return False
    return "Noto Sans CJK JP" in out


@pytest.fixture(scope="module")
def demo_report(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The demo migration (lab DNS + lab SMTP on loopback) as a report dict: realistic content."""
    # as `preflight demo` runs it: the lab's test message included
    eml = tmp_path_factory.mktemp("demo") / "message.eml"
    with lab_dns() as dns, lab_smtp(FIXED_NOW) as smtp, lab_https(FIXED_NOW) as https, lab_mail(FIXED_NOW) as mail:
        eml.write_bytes(lab_test_message(dns, smtp, FIXED_NOW, client_ip=str(demo_target().ips[0])))
        report = run(demo_config(dns, smtp=smtp, message=eml, https=https, mail=mail,
                                 cutover_date=demo_cutover(FIXED_NOW)), families=FAMILIES, now=FIXED_NOW)
    return report_json.to_dict(report, "en")


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Browser]:
    executable = find_chromium()
    require(executable is not None, "headless Chromium not installed (apt-get install chromium)")
    assert executable
    chrome = Browser(executable, tmp_path_factory.mktemp("chromium"))
    yield chrome
    chrome.close()


def _pdf_text(path: Path) -> list[str]:
    """The text of each page of a PDF (pypdf)."""
    from pypdf import PdfReader

    return [page.extract_text() or "" for page in PdfReader(str(path)).pages]


def _squeeze(text: str) -> str:
    """Text without white space (PDF extraction puts line breaks and spaces where it likes)."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))


@pytest.mark.parametrize("lang", ["en", "ja"])
def test_report_in_chromium(lang: str, demo_report: dict[str, Any], browser: Browser, tmp_path: Path) -> None:
    if lang == "ja":
        require(_cjk_font_installed(), "Japanese font missing (apt-get install fonts-noto-cjk)")
    # Given the demo report rendered in the language
    data = localize(demo_report, lang)
    view = report_html.view_model(data, lang)
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    page = ARTEFACTS / f"report-{lang}.html"
    page.write_text(report_html.render(data, lang), encoding="utf-8")
    # When Chromium opens it
    browser.events.clear()
    browser.open(page.as_uri())
    # Then nothing went wrong in the page
    assert browser.problems() == []
    expect = EXPECTED[lang]
    seen = browser.evaluate("""(() => {
        const text = s => [...document.querySelectorAll(s)].map(e => e.innerText.trim());
        const urls = [...document.body.innerText.matchAll(/https?:\\/\\/[^\\s]+/g)].length;
        return {
          lang: document.documentElement.lang,
          h1: text('h1'),
          verdict: text('.verdict-text'),
          blockers: text('#blockers h2'),
          rows: document.querySelectorAll('#blockers tr.fix').length,
          manual: text('#warnings .manual-step strong'),
          checkboxes: document.querySelectorAll('#warnings .checkbox').length,
          providers: text('#providers h2'),
          provider_names: text('#providers h3'),
          rules: document.querySelectorAll('#providers tr.req').length,
          approval: text('#approval th'),
          stampHeight: document.querySelector('#approval .approval-sign td').getBoundingClientRect().height,
          cjkFont: document.fonts.check('16px "Noto Sans CJK JP"'),
          links: [...new Set([...document.querySelectorAll('a[href^="http"]')].map(a => a.href))].length,
          urlsInText: urls,
          unlinked: [...document.querySelectorAll('body *:not(script):not(style)')].flatMap(e => [...e.childNodes])
            .filter(n => n.nodeType === 3 && /https?:\\/\\//.test(n.data) && !n.parentElement.closest('a, pre, .untrusted'))
            .map(n => n.data.trim().slice(0, 60)),
          rowLinks: [...document.querySelectorAll('#blockers a.check-id, #warnings a.check-id, #not-checked a.check-id')]
            .map(a => [a.getAttribute('href'), !!document.getElementById(a.getAttribute('href').slice(1))]),
          copyButtons: document.querySelectorAll('#fixes button.copy').length,
          codeBlocks: document.querySelectorAll('#fixes pre').length,
        };
    })()""")
    assert seen["lang"] == lang
    assert seen["verdict"][0].startswith(expect["verdict"])
    assert seen["blockers"] == [expect["blockers"]]
    assert seen["rows"] == len(view["blockers"]["blockers"]) >= 3
    assert expect["manual"] in seen["manual"] and seen["checkboxes"] == len(seen["manual"])
    assert seen["providers"] == [expect["providers"]]
    assert [n.split()[0] for n in seen["provider_names"]] == ["Google", "Yahoo", "Microsoft"]
    assert seen["rules"] == len(providers.load().rules)
    assert seen["approval"] == expect["approval"]
    assert seen["stampHeight"] > 60          # room for a signature or a stamp (印)
    # every http(s) URL is a link; every check id of a row links to its appendix entry
    assert seen["unlinked"] == []
    assert seen["links"] >= 10
    assert seen["rowLinks"] and all(found for _, found in seen["rowLinks"])
    # each copy-paste fix is a code block with a copy button
    assert seen["codeBlocks"] >= 3 and seen["copyButtons"] == seen["codeBlocks"]
    # Nothing sticks out sideways: not on a desktop screen, not on an A4 page (186 mm = 703 px wide)
    for width, media in ((1200, "screen"), (703, "print")):
        assert browser.overflow(width, media) == [], f"wider than {width}px ({media})"
        # no status label or blocklist heading is cut into pieces ("SKIPPE|D", 削|除|申|請)
        assert browser.broken_labels(width, media) == [], f"labels broken at {width}px ({media})"
        # no box over its neighbour, no line that starts or ends inside an IP, host name or check id
        layout = browser.layout_problems(width, media)
        assert layout["overlaps"] == [], f"overlapping boxes at {width}px ({media})"
        assert layout["broken"] == [], f"tokens broken across lines at {width}px ({media})"
        assert int(layout["tokens"][0]) > 50  # the check looked at the report's many IPs and names
    if lang == "ja":
        assert seen["cjkFont"]
        assert "Mail server" not in " ".join(seen["h1"] + seen["verdict"])
    # And printed to A4 as a user would, the report decides on page 1 and stays short
    shot = browser.screenshot(ARTEFACTS / f"report-{lang}.png")
    printed = browser.screenshot(ARTEFACTS / f"report-{lang}-print.png", width=794, media="print")
    pdf = browser.pdf(ARTEFACTS / f"report-{lang}.pdf")
    for png in (shot, printed):
        data_png = png.read_bytes()
        assert data_png.startswith(b"\x89PNG\r\n\x1a\n") and len(data_png) > 50_000
    pages = _pdf_text(pdf)
    assert 3 <= len(pages) <= MAX_PAGES, f"{len(pages)} A4 pages"
    assert all(_squeeze(p) for p in pages), "a blank page"
    first = _squeeze(pages[0])
    for row in view["blockers"]["blockers"]:
        assert _squeeze(row["title"]) in first, f"blocker not on page 1: {row['title']}"
        assert _squeeze(row["start_by_label"]) in first
        assert row["start_by"] is not None
    assert _squeeze(view["blockers"]["cutover"]) in first
    assert _squeeze(expect["blockers"]) in first and _squeeze(expect["approval"][0]) in first
    # the warnings come after page 1; every page's footer has the verdict, the date and its number
    assert _squeeze(ui_text("heading_warnings", lang)) not in first
    for number, text in enumerate(pages, start=1):
        flat = _squeeze(text)
        assert f"{number}/{len(pages)}" in flat and _squeeze(view["verdict_text"]) in flat
        assert _squeeze(view["generated_label"]) in flat
    assert browser.problems() == []
    print(f"\n{lang}: {shot}\n{lang}: {printed}\n{lang}: {pdf} ({len(pages)} pages)")
