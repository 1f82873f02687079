"""The plan's [blocklists] table and the flags: validation (one-line errors, exit 2) and merging."""

from __future__ import annotations

import pytest

from preflight.checks.blocklists.settings import (
    BlocklistSettings,
    DqsKey,
    from_options,
    resolve_zones,
    settings_of,
)
from preflight.config import RunConfig, Target, validate_plan
from preflight.data.loader import load_catalogue, parse_custom_zone
from preflight.errors import UsageError

CAT = load_catalogue()
KEY = "abcdefghij0123456789klmnop"


def test_plan_table_is_validated() -> None:
    plan = validate_plan({"blocklists": {
        "enabled": True, "zones": ["barracuda-brbl"], "disable": ["uceprotect-1"],
        "custom": [{"zone": "rbl.example.net", "name": "Our own list", "codes": [
            {"code": "127.0.0.2", "meaning": "listed", "state": "listed"}]}],
        "neighbourhood": True, "spamhaus_dqs_key": KEY}})
    assert plan["blocklists.zones"] == ["barracuda-brbl"]
    assert plan["blocklists.custom"][0].zone == "rbl.example.net"
    assert isinstance(plan["blocklists.spamhaus_dqs_key"], DqsKey)
    assert KEY not in repr(plan)


@pytest.mark.parametrize(("table", "message"), [
    ({"zones": ["no-such-list"]}, "plan: blocklists.zones: unknown blocklist id 'no-such-list'"),
    ({"disable": ["zen"]}, "plan: blocklists.disable: unknown blocklist id 'zen'"),
    ({"zones": "spamcop"}, None),
    ({"zones": [1]}, "plan: blocklists.zones must be a list of blocklist ids"),
    ({"custom": [{"zone": "not a zone"}]}, "plan: blocklists.custom[0]: custom zone: invalid zone name"),
    ({"custom": [{"zone": "192.0.2.1"}]}, "looks like an IP address"),
    ({"custom": [{"zone": "rbl.example.net", "colour": "red"}]}, "unknown key(s) 'colour'"),
    ({"custom": [{"zone": "rbl.example.net", "kind": "spam"}]}, "plan: blocklists.custom[0]"),
    ({"custom": "rbl.example.net"}, "must be an array of tables"),
    ({"enabled": "yes"}, "plan: blocklists.enabled must be true or false"),
    ({"neighbourhood": 1}, "plan: blocklists.neighbourhood must be true or false"),
    ({"spamhaus_dqs_key": "not a key!"}, "plan: blocklists.spamhaus_dqs_key: not a Spamhaus DQS key"),
    ({"colour": "red"}, "unknown key blocklists.colour"),
])
def test_bad_plan_values_are_one_line_usage_errors(table: dict, message: str | None) -> None:
    if message is None:
        assert validate_plan({"blocklists": table})["blocklists.zones"] == ["spamcop"]
        return
    with pytest.raises(UsageError) as err:
        validate_plan({"blocklists": table})
    text = str(err.value)
    assert message in text and "\n" not in text
    assert "not a key!" not in text


def test_flags_win_over_the_plan() -> None:
    plan = validate_plan({"blocklists": {"neighbourhood": True, "spamhaus_dqs_key": KEY,
                                         "enabled": False}})
    settings = from_options(plan, dqs_key="zyxwvutsrq9876543210abcdef", neighbourhood=False,
                            enabled=True)
    assert settings.enabled and not settings.neighbourhood
    assert settings.dqs_key == DqsKey("zyxwvutsrq9876543210abcdef")
    kept = from_options(plan)
    assert not kept.enabled and kept.neighbourhood and kept.dqs_key == DqsKey(KEY)


def test_zone_selection() -> None:
    zones, dead = resolve_zones(CAT, add=["barracuda-brbl", "sorbs-dnsbl"], disable=["spamcop"],
                                custom=[parse_custom_zone({"zone": "zen.spamhaus.org"}),
                                        parse_custom_zone({"zone": "new.spam.dnsbl.sorbs.net"}),
                                        parse_custom_zone({"zone": "rbl.example.net"})])
    ids = [z.id for z in zones]
    assert "barracuda-brbl" in ids and "spamcop" not in ids
    assert ids.count("spamhaus-zen") == 1                     # a custom name of a known list is that list
    assert "custom-rbl-example-net" in ids
    custom = next(z for z in zones if z.id == "custom-rbl-example-net")
    assert custom.test_points is not None and custom.test_points.ipv4_listed == "127.0.0.2"
    # SORBS by id and by a sub-zone name: reported once, never queried
    assert {z.id for z in dead} == {"sorbs-dnsbl"}
    assert not [z for z in zones if "sorbs" in z.zone]


def test_keyed_zones_need_their_key() -> None:
    with pytest.raises(UsageError, match="needs a Spamhaus DQS key"):
        resolve_zones(CAT, add=["spamhaus-zrd"])
    zones, _ = resolve_zones(CAT, add=["spamhaus-zrd"], dqs_key=DqsKey(KEY))
    assert "spamhaus-zrd" in {z.id for z in zones}
    with pytest.raises(UsageError, match="needs an access key for Abusix"):
        resolve_zones(CAT, add=["abusix-combined"])


def test_a_run_without_settings_uses_the_default_set() -> None:
    config = RunConfig(Target())
    assert settings_of(config) == BlocklistSettings()
    assert BlocklistSettings().chosen(CAT) == CAT.enabled()
