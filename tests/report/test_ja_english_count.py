"""The demo's Japanese report: at most 5 distinct English strings, apart from network values and ids.

What counts is English a Japanese reader would have to read: sentences and words of ours left
untranslated (``結果：fail``, ``AAAA：none``, "since 2026-…"). Not counted: code blocks, check ids,
IPs and host names, links, config tokens (``postscreen_dnsbl_action``), acronyms (SPF, PTR),
product and list names from the blocklist catalogue, and values observed on the network
(evidence, the AS name, the certificate).
"""

from __future__ import annotations

from typing import Any

import pytest
from conftest import FIXED_NOW
from report.english_words import english_phrases

from preflight.cli.demo import demo_config, demo_cutover, demo_target
from preflight.data.loader import load_catalogue
from preflight.engine import run
from preflight.i18n.localize import localize
from preflight.lab.environment import lab_dns, lab_https, lab_mail, lab_smtp, lab_test_message
from preflight.registry import FAMILIES
from preflight.report import html as report_html
from preflight.report import json as report_json

MAX_ENGLISH = 5


@pytest.fixture(scope="module")
def demo_report(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    # as `preflight demo` runs it: the lab's test message included
    eml = tmp_path_factory.mktemp("demo") / "message.eml"
    with lab_dns() as dns, lab_smtp(FIXED_NOW) as smtp, lab_https(FIXED_NOW) as https, lab_mail(FIXED_NOW) as mail:
        eml.write_bytes(lab_test_message(dns, smtp, FIXED_NOW, client_ip=str(demo_target().ips[0])))
        report = run(demo_config(dns, smtp=smtp, message=eml, https=https, mail=mail,
                                 cutover_date=demo_cutover(FIXED_NOW)), families=FAMILIES, now=FIXED_NOW)
    return report_json.to_dict(report, "en")


def _network_values(data: dict[str, Any]) -> tuple[str, ...]:
    """Names from the blocklist catalogue, evidence values, and the reputation section's AS names."""
    values = [z.name for z in load_catalogue().zones]
    for item in data["results"]:
        values += [str(e.get("value", "")) for e in item.get("evidence", [])]
    for row in (data.get("reputation") or {}).get("network", []) or []:
        if isinstance(row, dict):
            values += [str(v) for v in row.values()]
    return tuple(values)


def test_japanese_demo_has_at_most_five_english_strings(demo_report: dict[str, Any]) -> None:
    # Given the demo report rendered in Japanese
    page = report_html.render(localize(demo_report, "ja"), "ja")
    # When the English left in its visible text is counted
    found = english_phrases(page, exclude=_network_values(demo_report))
    # Then only a handful remain
    assert len(found) <= MAX_ENGLISH, "; ".join(sorted(found))


def test_the_counter_sees_untranslated_english() -> None:
    # The counter is not blind: our English words in Japanese text are found, values are not.
    page = ("<p>example の SPF は許可していません（結果：fail）</p><p>AAAA：none</p>"
            "<p>since yesterday</p><code>v=spf1 -all</code><span class='nb'>mail.example.com</span>"
            "<p>SPF と DKIM の「pass」</p>")
    assert english_phrases(page) == {"example", "fail", "none", "since yesterday"}
