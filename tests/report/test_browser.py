"""The HTML report in a real browser: headless Chromium opens it in both languages.

No console errors; the change-request parts render; a screenshot and an A4 PDF are saved under
the test's tmp dir (look at them: ``pytest tests/report/test_browser.py`` prints the folder).
Skipped locally when Chromium is missing; a failure under CI (PREFLIGHT_REQUIRE_ALL=1).
"""

from __future__ import annotations

import re
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import FIXED_NOW, require

from preflight.cli.demo import demo_config
from preflight.lab.environment import lab_dns, lab_smtp
from preflight.report import html as report_html
from preflight.report import json as report_json
from preflight.report import providers
from preflight.i18n.localize import localize
from preflight.engine import run
from preflight.registry import FAMILIES
from report.chromium_cdp import Browser, find_chromium

pytestmark = pytest.mark.browser

EXPECTED = {
    "en": {"actions": "What to do before cutover", "providers": "Mailbox provider requirements",
           "approval": ["Prepared by", "Checked by", "Approved by"], "sentence": "Not ready for cutover",
           "manual": "Register the new IP with Microsoft SNDS"},
    "ja": {"actions": "切り替え前の対応事項", "providers": "メールボックス事業者の送信者要件",
           "approval": ["承認", "確認", "作成"], "sentence": "切り替えできません",
           "manual": "新しい IP を Microsoft SNDS に登録する"},
}


def _cjk_font_installed() -> bool:
    try:
        out = subprocess.run(["fc-list", ":lang=ja", "family"], capture_output=True, text=True, timeout=20,
                             check=False).stdout
    except (OSError, subprocess.TimeoutExpired):
        return False
    return "Noto Sans CJK JP" in out


@pytest.fixture(scope="module")
def demo_report() -> dict[str, Any]:
    """The demo migration (lab DNS + lab SMTP on loopback) as a report dict: realistic content."""
    with lab_dns() as dns, lab_smtp(FIXED_NOW) as smtp:
        report = run(demo_config(dns, smtp=smtp), families=FAMILIES, now=FIXED_NOW)
    return report_json.to_dict(report, "en")


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Browser]:
    executable = find_chromium()
    require(executable is not None, "headless Chromium not installed (apt-get install chromium)")
    assert executable
    chrome = Browser(executable, tmp_path_factory.mktemp("chromium"))
    yield chrome
    chrome.close()


def _pdf_pages(data: bytes) -> int:
    return len(re.findall(rb"/Type\s*/Page[^s]", data))


@pytest.mark.parametrize("lang", ["en", "ja"])
def test_report_in_chromium(lang: str, demo_report: dict[str, Any], browser: Browser, tmp_path: Path) -> None:
    if lang == "ja":
        require(_cjk_font_installed(), "Japanese font missing (apt-get install fonts-noto-cjk)")
    # Given the demo report rendered in the language
    page = tmp_path / f"report-{lang}.html"
    page.write_text(report_html.render(localize(demo_report, lang), lang), encoding="utf-8")
    # When Chromium opens it
    browser.events.clear()
    browser.open(page.as_uri())
    # Then nothing went wrong in the page
    assert browser.problems() == []
    expect = EXPECTED[lang]
    seen = browser.evaluate("""(() => {
        const text = s => [...document.querySelectorAll(s)].map(e => e.innerText.trim());
        return {
          lang: document.documentElement.lang,
          h1: text('h1'),
          sentence: text('#overview .overview-sentence'),
          actions: text('#findings h2'),
          items: document.querySelectorAll('#findings ol.action-list > li').length,
          checkboxes: document.querySelectorAll('#findings .checkbox').length,
          manual: text('#findings .action-manual strong'),
          providers: text('#providers h2'),
          provider_names: text('#providers h3'),
          rules: document.querySelectorAll('#providers tr.req').length,
          approval: text('#approval th'),
          stampHeight: document.querySelector('#approval .approval-sign td').getBoundingClientRect().height,
          cjkFont: document.fonts.check('16px "Noto Sans CJK JP"'),
        };
    })()""")
    assert seen["lang"] == lang
    assert seen["sentence"][0].startswith(expect["sentence"])
    assert seen["actions"] == [expect["actions"]]
    assert seen["items"] >= 8 and seen["checkboxes"] == seen["items"]
    assert expect["manual"] in seen["manual"]
    assert seen["providers"] == [expect["providers"]]
    assert [n.split()[0] for n in seen["provider_names"]] == ["Google", "Yahoo", "Microsoft"]
    assert seen["rules"] == len(providers.load().rules)
    assert seen["approval"] == expect["approval"]
    assert seen["stampHeight"] > 60          # room for a signature or a stamp (印)
    # Nothing sticks out sideways: not on a desktop screen, not on an A4 page (186 mm = 703 px wide)
    for width, media in ((1200, "screen"), (703, "print")):
        assert browser.overflow(width, media) == [], f"wider than {width}px ({media})"
        # and no status label or blocklist heading is cut into pieces ("SKIPPE|D", 削|除|申|請)
        assert browser.broken_labels(width, media) == [], f"labels broken at {width}px ({media})"
    if lang == "ja":
        assert seen["cjkFont"]
        assert "Mail server" not in " ".join(seen["h1"] + seen["sentence"])
    # And a screenshot (screen and print media) and an A4 PDF are saved for people to look at
    shot = browser.screenshot(tmp_path / f"report-{lang}.png")
    printed = browser.screenshot(tmp_path / f"report-{lang}-print.png", width=794, media="print")
    pdf = browser.pdf(tmp_path / f"report-{lang}.pdf")
    for png in (shot, printed):
        data = png.read_bytes()
        assert data.startswith(b"\x89PNG\r\n\x1a\n") and len(data) > 50_000
    data = pdf.read_bytes()
    assert data.startswith(b"%PDF") and len(data) > 20_000
    assert _pdf_pages(data) >= 4             # overview + approval, actions, providers, ... each on its page
    assert browser.problems() == []
    print(f"\n{lang}: {shot}\n{lang}: {printed}\n{lang}: {pdf}")
