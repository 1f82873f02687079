"""Every outcome of the blocklist and reputation checks (the words are in locales/*/blocklists.toml).

Statuses: a listing on a block list fails (on a non-mail list it warns); a policy or collateral
listing warns; a refusal, an unreachable list or a list that failed its self-test is "could not
check" (error) - never a pass and never a fail; clear and allowlisted pass. A summary passes only
when at least one list was usable and checked: "0 of N usable" is could-not-check.
"""

from __future__ import annotations

from preflight.model import Outcome, Status

_ONE = ("list_name", "zone", "codes", "meaning", "meaning_i18n", "reason", "delist_url")
_CANNOT = ("list_name", "zone", "meaning", "meaning_i18n")
_ROLES = ("domain", "roles", "roles_i18n")
# A ``x_i18n`` param is ``x`` as coded text, rendered again in the report's language
# (preflight.i18n.messages.localized_params); ``x`` itself stays English for JSON readers.

# -- blocklist.ip: one result per (IP, list) that is not clear, plus one summary per IP --------
IP_LISTED = Outcome("blocklist.ip", "listed", Status.FAIL, ("ip", *_ONE))
IP_POLICY = Outcome("blocklist.ip", "policy", Status.WARN, ("ip", *_ONE))
IP_ALLOWLISTED = Outcome("blocklist.ip", "allowlisted", Status.PASS,
                         ("ip", "list_name", "zone", "meaning", "meaning_i18n"))
IP_REFUSED = Outcome("blocklist.ip", "refused", Status.ERROR, ("ip", *_CANNOT))
IP_UNREACHABLE = Outcome("blocklist.ip", "unreachable", Status.ERROR, ("ip", *_CANNOT))
IP_UNRELIABLE = Outcome("blocklist.ip", "unreliable", Status.ERROR, ("ip", *_CANNOT))
IP_LISTED_NON_MAIL = Outcome("blocklist.ip", "listed_non_mail", Status.WARN, ("ip", *_ONE))
IP_CLEAR = Outcome("blocklist.ip", "clear", Status.PASS, ("ip", "clear", "checked"))
IP_NONE_USABLE = Outcome("blocklist.ip", "none_usable", Status.ERROR, ("ip", "total"))
IP_NOT_PUBLIC = Outcome("blocklist.ip", "not_public", Status.SKIP, ("ip",))
IP_NO_LISTS = Outcome("blocklist.ip", "no_lists", Status.SKIP, ("ip", "kind"))
IP_DISABLED = Outcome("blocklist.ip", "disabled", Status.SKIP, ("ip",))

# -- blocklist.domain: the same for sending domains, the HELO name and PTR names -------------
DOMAIN_LISTED = Outcome("blocklist.domain", "listed", Status.FAIL, (*_ROLES, *_ONE))
DOMAIN_POLICY = Outcome("blocklist.domain", "policy", Status.WARN, (*_ROLES, *_ONE))
DOMAIN_ALLOWLISTED = Outcome("blocklist.domain", "allowlisted", Status.PASS,
                             (*_ROLES, "list_name", "zone", "meaning", "meaning_i18n"))
DOMAIN_REFUSED = Outcome("blocklist.domain", "refused", Status.ERROR, (*_ROLES, *_CANNOT))
DOMAIN_UNREACHABLE = Outcome("blocklist.domain", "unreachable", Status.ERROR,
                             (*_ROLES, *_CANNOT))
DOMAIN_UNRELIABLE = Outcome("blocklist.domain", "unreliable", Status.ERROR,
                            (*_ROLES, *_CANNOT))
DOMAIN_LISTED_NON_MAIL = Outcome("blocklist.domain", "listed_non_mail", Status.WARN, (*_ROLES, *_ONE))
DOMAIN_CLEAR = Outcome("blocklist.domain", "clear", Status.PASS, (*_ROLES, "clear", "checked"))
DOMAIN_NONE_USABLE = Outcome("blocklist.domain", "none_usable", Status.ERROR, (*_ROLES, "total"))
DOMAIN_NO_LISTS = Outcome("blocklist.domain", "no_lists", Status.SKIP, _ROLES)

# -- blocklist.zone: each list's self-test, and lists the plan names that are dead -----------
_ZONE = ("list_name", "zone", "why", "why_i18n")
ZONE_SELF_TESTS = Outcome("blocklist.zone", "self_tests_passed", Status.PASS,
                          ("passed", "total", "untested"))
ZONE_NONE_USABLE = Outcome("blocklist.zone", "none_usable", Status.ERROR, ("total",))
ZONE_REFUSED = Outcome("blocklist.zone", "refused", Status.ERROR, (*_ZONE, "url"))
ZONE_SILENT = Outcome("blocklist.zone", "silent", Status.ERROR, _ZONE)
ZONE_UNREGISTERED = Outcome("blocklist.zone", "unregistered", Status.ERROR, (*_ZONE, "url"))
ZONE_UNRELIABLE = Outcome("blocklist.zone", "unreliable", Status.ERROR, _ZONE)
ZONE_CUSTOM_UNRELIABLE = Outcome("blocklist.zone", "custom_unreliable", Status.ERROR, _ZONE)
ZONE_UNREACHABLE = Outcome("blocklist.zone", "unreachable", Status.ERROR, _ZONE)
ZONE_DEAD = Outcome("blocklist.zone", "dead", Status.WARN,
                    ("list_name", "zone", "status", "since", "note", "instead"))

# -- blocklist.resolver: public resolvers are refused or silently answered --------------------
RESOLVER_OWN = Outcome("blocklist.resolver", "own", Status.PASS, ("resolvers",))
RESOLVER_PUBLIC = Outcome("blocklist.resolver", "public", Status.WARN, ("resolvers", "providers"))

# -- reputation.network: who announces the IP (Team Cymru) ------------------------------------
NET_FOUND = Outcome("reputation.network", "found", Status.PASS,
                    ("ip", "asn", "prefix", "country", "registry", "as_name"))
NET_NOT_ANNOUNCED = Outcome("reputation.network", "not_announced", Status.WARN, ("ip",))
NET_ERROR = Outcome("reputation.network", "error", Status.ERROR, ("ip", "reason"))
NET_NOT_PUBLIC = Outcome("reputation.network", "not_public", Status.SKIP, ("ip",))

# -- reputation.score: graded reputation and allowlist trust ----------------------------------
_SCORE = ("ip", "list_name", "zone", "codes", "meaning", "meaning_i18n")
SCORE_GOOD = Outcome("reputation.score", "good", Status.PASS, _SCORE)
SCORE_NEUTRAL = Outcome("reputation.score", "neutral", Status.PASS, _SCORE)
SCORE_POOR = Outcome("reputation.score", "poor", Status.WARN, (*_SCORE, "url"))
SCORE_UNSCORED = Outcome("reputation.score", "unscored", Status.PASS, ("ip", "list_name", "zone"))
SCORE_ERROR = Outcome("reputation.score", "error", Status.ERROR, ("ip", "list_name", "zone", "reason", "reason_i18n"))
SCORE_NO_LISTS = Outcome("reputation.score", "no_lists", Status.SKIP, ("ip",))

# -- reputation.neighbourhood: the /24 around each IPv4 address -------------------------------
_HOOD = ("ip", "network", "checked", "listed", "policy", "lists")
HOOD_CLEAN = Outcome("reputation.neighbourhood", "clean", Status.PASS, _HOOD)
HOOD_CROWDED = Outcome("reputation.neighbourhood", "crowded", Status.WARN, (*_HOOD, "share"))
HOOD_ERROR = Outcome("reputation.neighbourhood", "error", Status.ERROR, ("ip", "network", "reason"))
HOOD_NOT_REQUESTED = Outcome("reputation.neighbourhood", "not_requested", Status.SKIP, ("ip",))
HOOD_NOT_IPV4 = Outcome("reputation.neighbourhood", "not_ipv4", Status.SKIP, ("ip",))
HOOD_NOT_PUBLIC = Outcome("reputation.neighbourhood", "not_public", Status.SKIP, ("ip",))
