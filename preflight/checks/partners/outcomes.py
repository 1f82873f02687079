"""Every outcome of the partner-impact family, by stable check id. Words: locales/*/partners.toml.

A partner the new server would reject is a **fail** (fixable before cutover: allowlist it); one we
could not tell about — a list unreachable or failing its RFC 5782 self-test, a PTR lookup that
failed — is an **error**, never a pass and never a fail; accepted is a **pass**.
"""

from __future__ import annotations

from preflight.model import Outcome, Status

# -- partners.policy: what the prediction is based on ---------------------------------------------
POLICY_SSH = Outcome("partners.policy", "from_ssh", Status.PASS, ("server", "lists", "postscreen", "hostname"))
POLICY_PLAN = Outcome("partners.policy", "from_plan", Status.PASS, ("lists", "postscreen", "hostname"))
POLICY_UNAVAILABLE = Outcome("partners.policy", "unavailable", Status.ERROR, ("server", "reason"))

# -- partners.source: the old server's mail log ---------------------------------------------------
LOG_READ = Outcome("partners.source", "log_read", Status.PASS,
                   ("server", "where", "days", "connections", "clients", "top"))
LOG_EMPTY = Outcome("partners.source", "log_empty", Status.WARN, ("server", "where", "days"))
LOG_DENIED = Outcome("partners.source", "log_denied", Status.SKIP, ("server", "where"))
LOG_FAILED = Outcome("partners.source", "log_failed", Status.ERROR, ("server", "reason"))

# -- partners.domain: each partner domain's sending addresses -------------------------------------
DOMAIN_FOUND = Outcome("partners.domain", "found", Status.PASS, ("domain", "count", "mx", "spf"))
DOMAIN_FOUND_LARGE = Outcome("partners.domain", "found_large", Status.PASS,
                             ("domain", "count", "mx", "spf", "senders"))
DOMAIN_LARGE_ONLY = Outcome("partners.domain", "large_only", Status.PASS, ("domain", "senders"))
DOMAIN_PARTIAL = Outcome("partners.domain", "partial", Status.ERROR, ("domain", "count", "reason"))
DOMAIN_NONE = Outcome("partners.domain", "none", Status.WARN, ("domain",))
DOMAIN_NXDOMAIN = Outcome("partners.domain", "nxdomain", Status.WARN, ("domain",))
DOMAIN_ERROR = Outcome("partners.domain", "error", Status.ERROR, ("domain", "reason"))

# -- partners.rejected: one result per partner address --------------------------------------------
ACCEPTED = Outcome("partners.rejected", "accepted", Status.PASS, ("partner", "ip", "checked"))
ACCEPTED_LISTED = Outcome("partners.rejected", "accepted_listed", Status.PASS,
                          ("partner", "ip", "listed", "why"))
REJECTED = Outcome("partners.rejected", "rejected", Status.FAIL,
                   ("partner", "ip", "by", "code", "fix", "delist"))
REJECTED_HOSTNAME = Outcome("partners.rejected", "rejected_hostname", Status.FAIL,
                            ("partner", "ip", "by", "code", "fix"))
REJECTED_RULE = Outcome("partners.rejected", "rejected_rule", Status.FAIL, ("partner", "ip", "by", "code", "fix"))
DELAYED = Outcome("partners.rejected", "delayed", Status.FAIL, ("partner", "ip", "by", "code", "fix"))
REJECTED_DEAD = Outcome("partners.rejected", "rejected_dead", Status.FAIL, ("partner", "ip", "by", "code", "fix"))
REJECTED_REFUSAL = Outcome("partners.rejected", "rejected_refusal", Status.FAIL,
                           ("partner", "ip", "by", "code", "fix"))
ACCEPTED_UNANSWERED = Outcome("partners.rejected", "accepted_unanswered", Status.WARN, ("partner", "ip", "zones"))
UNKNOWN = Outcome("partners.rejected", "unknown", Status.ERROR, ("partner", "ip", "zones"))
UNKNOWN_HOSTNAME = Outcome("partners.rejected", "unknown_hostname", Status.ERROR, ("partner", "ip", "reason"))

# -- partners.list: lists of the policy that cannot work ------------------------------------------
LIST_WILDCARD = Outcome("partners.list", "wildcard", Status.FAIL, ("zone", "name", "note", "fix"))
LIST_DEAD = Outcome("partners.list", "dead", Status.WARN, ("zone", "name", "note", "fix"))
LIST_REFUSAL = Outcome("partners.list", "refusal", Status.FAIL, ("zone", "codes", "rule"))

# -- partners.summary -----------------------------------------------------------------------------
SUMMARY_ACCEPTED = Outcome("partners.summary", "accepted", Status.PASS, ("partners", "ips"))
SUMMARY_REJECTED = Outcome("partners.summary", "rejected", Status.FAIL, ("rejected", "partners", "names"))
SUMMARY_UNKNOWN = Outcome("partners.summary", "unknown", Status.ERROR, ("unknown", "partners", "names"))
SUMMARY_NO_POLICY = Outcome("partners.summary", "no_policy", Status.ERROR, ("partners",))
SUMMARY_NONE = Outcome("partners.summary", "none", Status.SKIP, ())
