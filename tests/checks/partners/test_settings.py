"""Partner settings: the plan's [partners] table, server_rbls lines, and flags."""

from __future__ import annotations

from pathlib import Path

import pytest

from preflight.checks.partners.settings import PartnerSettings, from_options, parse_server_rbls
from preflight.checks.server.settings import SshSettings
from preflight.config import load_plan
from preflight.errors import UsageError
from preflight.inventory.parse import PostscreenAction
from preflight.net.ssh import SshTarget

NEW = SshTarget("admin", "192.0.2.25")
OLD = SshTarget("root", "192.0.2.10")


def test_server_rbls_take_main_cf_lines_and_bare_restrictions() -> None:
    plan = parse_server_rbls([
        "smtpd_recipient_restrictions = permit_mynetworks, reject_unauth_destination",
        "reject_rbl_client zen.spamhaus.org=127.0.0.[2..11]",
        "warn_if_reject reject_rbl_client bl.spamcop.net",
        "postscreen_dnsbl_sites = zen.spamhaus.org*3 bl.spamcop.net*2",
        "postscreen_dnsbl_threshold = 3",
        "postscreen_dnsbl_action = enforce",
        "reject_unknown_client_hostname",
        "# a comment", "",
    ])
    policy = plan.policy
    assert [(r.zone, str(r.filter) if r.filter else None, r.warn_only, r.stage.value) for r in policy.rules] == [
        ("zen.spamhaus.org", "127.0.0.[2..11]", False, "recipient"),
        ("bl.spamcop.net", None, True, "recipient"),
    ]
    assert [(s.zone, s.weight) for s in policy.postscreen_sites] == [("zen.spamhaus.org", 3), ("bl.spamcop.net", 2)]
    assert (policy.postscreen_threshold, policy.postscreen_action) == (3, PostscreenAction.ENFORCE)
    assert policy.postscreen_enabled is None  # no master.cf: postscreen is taken as listening
    assert policy.reject_unknown_client_hostname and not policy.reject_unknown_reverse_client_hostname
    assert plan.params["smtpd_recipient_restrictions"].endswith(", reject_unknown_client_hostname")
    assert len(plan.lines) == 7


def test_restriction_classes_and_parameters_expand() -> None:
    plan = parse_server_rbls(["smtpd_restriction_classes = rbls", "rbls = reject_rbl_client $rbl_zone",
                              "rbl_zone = zen.spamhaus.org", "smtpd_client_restrictions = rbls"])
    assert [(r.zone, r.stage.value) for r in plan.policy.rules] == [("zen.spamhaus.org", "client")]


@pytest.mark.parametrize(("lines", "message"), [
    (["reject_rbl zen.spamhaus.org"], "neither a main.cf line"),
    (["reject_rbl_client zen.spamhaus.org=127.0.0.[2..300]"], "bad address pattern"),
    (["postscreen_dnsbl_sites = zen.spamhaus.org*x"], "bad DNSBL weight"),
    (["postscreen_dnsbl_threshold = many", "reject_rbl_client zen.spamhaus.org"], "not an integer"),
    (["myhostname = mail.example.com"], "nothing to predict with"),
    (["reject_rbl_client abcdefgh1234.zen.dq.spamhaus.net", "oops abcdefgh1234.zen.dq.spamhaus.net"],
     "<key>.zen.dq.spamhaus.net"),
])
def test_bad_server_rbls(lines: list[str], message: str) -> None:
    with pytest.raises(UsageError, match=message.replace("[", r"\[").replace("*", r"\*")) as caught:
        parse_server_rbls(lines)
    assert "abcdefgh1234" not in str(caught.value)


def test_the_plan_table(tmp_path: Path) -> None:
    path = tmp_path / "plan.toml"
    path.write_text('ips = ["203.0.113.25"]\n[partners]\ndomains = ["Partner-A.Example."]\nips = ["203.0.113.7"]\n'
                    'log_days = 14\nlog_top = 5\nfrom_log = true\n'
                    'server_rbls = ["reject_rbl_client zen.spamhaus.org"]\n')
    plan = load_plan(path)
    ssh = SshSettings(new=None, old=OLD)
    found = from_options(plan, ssh=SshSettings(new=NEW, old=OLD))
    assert found is not None
    assert (found.domains, found.ips, found.log_days, found.log_top, found.from_log, found.use_ssh) == \
        (("partner-a.example",), ("203.0.113.7",), 14, 5, True, True)
    assert found.plan_policy is not None and found.plan_policy.policy.ip_zones == ("zen.spamhaus.org",)
    # Flags win over the plan.
    flags = from_options(plan, domains=["b.example"], ips=["2001:db8::7"], from_log=False, log_days="7",
                         ssh=ssh)
    assert flags is not None and (flags.domains, flags.ips, flags.log_days, flags.from_log) == \
        (("b.example",), ("2001:db8::7",), 7, False)


@pytest.mark.parametrize(("table", "message"), [
    ('domains = ["not a domain"]', "plan: partners.domains"),
    ('ips = ["nonsense"]', "plan: partners.ips: invalid partner IP address"),
    ("log_days = 0", "plan: partners.log_days"),
    ("log_top = 1000", "plan: partners.log_top"),
    ('from_log = "yes"', "must be true or false"),
    ('server_rbls = ["nonsense here"]', "plan: partners.server_rbls"),
    ('partner = ["x.example"]', "unknown key partners.partner"),
])
def test_bad_plan_tables(tmp_path: Path, table: str, message: str) -> None:
    path = tmp_path / "plan.toml"
    path.write_text(f"[partners]\n{table}\n")
    with pytest.raises(UsageError, match=message):
        load_plan(path)


def test_what_a_prediction_needs() -> None:
    assert from_options({}) is None  # no partner: nothing to do
    with pytest.raises(UsageError, match="needs the new server's RBL policy"):
        from_options({}, domains=["partner.example"])
    with pytest.raises(UsageError, match="give --old-ssh"):
        from_options({}, from_log=True, server_rbls=["reject_rbl_client zen.spamhaus.org"])
    with pytest.raises(UsageError, match="--partners-log-top"):
        from_options({}, ips=["192.0.2.7"], log_top="many", ssh=SshSettings(new=NEW))
    found = from_options({}, ips=["192.0.2.7"], ssh=SshSettings(new=NEW))
    assert found is not None and found.use_ssh and found.plan_policy is None


def test_a_config_without_partners() -> None:
    from preflight.config import RunConfig, Target

    assert RunConfig(target=Target()).settings_of(PartnerSettings) is None
