"""postscreen's answer to one client, then smtpd's (pure).

postscreen (when it listens on port 25) first walks ``postscreen_access_list``
(``permit_mynetworks``, ``type:table`` answering permit / reject / dunno for the client address):
*permit* skips every test, *reject* applies ``postscreen_denylist_action``. Then it adds the weight
of each matching ``postscreen_dnsbl_sites`` entry (a failed lookup adds nothing): at or above
``postscreen_dnsbl_threshold``, ``postscreen_dnsbl_action`` decides — ``ignore`` logs,
``enforce`` answers 550 to RCPT TO, ``drop`` answers 521 and hangs up (``soft_bounce = yes``:
450 and 421, as postscreen too turns its 5xx into 4xx); a score at or below a
negative ``postscreen_dnsbl_allowlist_threshold`` skips the remaining tests. Clients that pass
are handed to smtpd (:func:`preflight.checks.partners.smtpd.simulate_smtpd`).
"""

from __future__ import annotations

from collections.abc import Mapping

from preflight.checks.partners.smtpd import Reply, World, simulate_smtpd
from preflight.inventory.access import in_networks, parse_networks
from preflight.inventory.postfix import expand, split_list
from preflight.inventory.rbl import PostscreenAction, RblPolicy
from preflight.inventory.smtpdconfig import restriction_list, yes

POSTSCREEN = "postscreen"
_CODES = {PostscreenAction.ENFORCE: "550", PostscreenAction.DROP: "521"}


def _code(params: Mapping[str, str], action: PostscreenAction) -> str:
    """postscreen's reply code for ``action``; ``soft_bounce = yes`` makes it a 4xx."""
    code = _CODES[action]
    return "4" + code[1:] if yes(params, "soft_bounce", False) else code


def _denylist(params: Mapping[str, str]) -> PostscreenAction:
    value = expand(params.get("postscreen_denylist_action", "") or params.get("postscreen_blacklist_action", ""),
                   params).strip().lower()
    try:
        return PostscreenAction(value or "ignore")
    except ValueError:
        return PostscreenAction.IGNORE


def simulate_postscreen(params: Mapping[str, str], policy: RblPolicy, world: World) -> Reply | None:
    """postscreen's refusal of the client, or None when it hands the client to smtpd."""
    if policy.postscreen_enabled is False:
        return None
    ip = world.client.ip
    items = restriction_list(params, "postscreen_access_list")
    nets, _ = parse_networks(split_list(expand(params.get("mynetworks", ""), params)))
    for index, item in enumerate(items):
        low = item.lower()
        if low == "permit_mynetworks":
            if in_networks(ip, nets):
                return None
            continue
        table = world.tables.get(item)
        found = table.find(ip) if table is not None else None
        verdict = (found or "").strip().split(" ")[0].lower()
        if verdict == "permit":
            return None
        if verdict == "reject":
            action = _denylist(params)
            if action in _CODES:
                return Reply(_code(params, action), "postscreen_access_list", index, f"postscreen_access_list {item} → reject "
                             f"(postscreen_denylist_action = {action.value})", kind="postscreen_access_list")
            continue
        if verdict == "dunno":
            break
    hits = [s for s in policy.postscreen_sites if (got := world.dnsxl.get((s.zone, ip.lower()), ())) and s.matches(got)]
    score = sum(s.weight for s in hits)
    if policy.postscreen_sites and score >= policy.postscreen_threshold:
        action = policy.postscreen_action
        if action in _CODES:
            shown = " + ".join(f"{s.display_zone}*{s.weight}" for s in hits)
            return Reply(_code(params, action), POSTSCREEN, -1, f"postscreen_dnsbl_sites: {shown} = {score} ≥ "
                         f"{policy.postscreen_threshold} (postscreen_dnsbl_action = {action.value})",
                         kind="postscreen_dnsbl_sites")
    return None


def simulate(params: Mapping[str, str], policy: RblPolicy, world: World) -> Reply:
    """The first non-2xx reply the client gets from postscreen and smtpd, or 250."""
    return simulate_postscreen(params, policy, world) or simulate_smtpd(params, world)
