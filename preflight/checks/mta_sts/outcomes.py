"""Named outcomes of the MTA-STS checks (RFC 8461); the words are in locales/*/transport.toml."""

from __future__ import annotations

from preflight.model import Outcome, Status

RECORD_OK = Outcome("mta_sts.record", "ok", Status.PASS, ("domain", "id"))
RECORD_ABSENT = Outcome("mta_sts.record", "not_published", Status.PASS, ("domain",))
RECORD_INVALID = Outcome("mta_sts.record", "invalid", Status.WARN, ("domain", "reason", "reason_i18n"))
RECORD_MULTIPLE = Outcome("mta_sts.record", "multiple", Status.WARN, ("domain", "count"))
RECORD_ERROR = Outcome("mta_sts.record", "error", Status.ERROR, ("domain", "reason"))

POLICY_OK = Outcome("mta_sts.policy", "ok", Status.PASS, ("domain", "url"))
POLICY_NO_HOST = Outcome("mta_sts.policy", "no_host", Status.FAIL, ("domain", "host"))
POLICY_DNS_ERROR = Outcome("mta_sts.policy", "dns_error", Status.ERROR, ("domain", "host", "reason"))
POLICY_UNREACHABLE = Outcome("mta_sts.policy", "unreachable", Status.ERROR, ("domain", "url", "reason"))
POLICY_TIMEOUT = Outcome("mta_sts.policy", "timeout", Status.ERROR, ("domain", "url", "reason"))
POLICY_CERTIFICATE = Outcome("mta_sts.policy", "certificate", Status.FAIL, ("domain", "url", "reason"))
POLICY_TLS = Outcome("mta_sts.policy", "tls", Status.FAIL, ("domain", "url", "reason"))
POLICY_REDIRECT = Outcome("mta_sts.policy", "redirect", Status.FAIL, ("domain", "url", "reason"))
POLICY_STATUS = Outcome("mta_sts.policy", "http_status", Status.FAIL, ("domain", "url", "reason"))
POLICY_TOO_LARGE = Outcome("mta_sts.policy", "too_large", Status.FAIL, ("domain", "url", "reason"))
POLICY_NOT_UTF8 = Outcome("mta_sts.policy", "not_utf8", Status.FAIL, ("domain", "url", "reason"))
POLICY_CONTENT_TYPE = Outcome("mta_sts.policy", "content_type", Status.FAIL, ("domain", "url", "reason"))
POLICY_PROTOCOL = Outcome("mta_sts.policy", "protocol", Status.FAIL, ("domain", "url", "reason"))
POLICY_SYNTAX = Outcome("mta_sts.policy", "syntax", Status.FAIL, ("domain", "url", "reason", "reason_i18n"))
# ``reason_i18n``: ``reason`` as coded text (checkdmarc's message quoted as its own, ours translated)

MODE_ENFORCE = Outcome("mta_sts.mode", "enforce", Status.PASS, ("domain",))
MODE_TESTING = Outcome("mta_sts.mode", "testing", Status.PASS, ("domain",))
MODE_NONE = Outcome("mta_sts.mode", "none", Status.WARN, ("domain",))

MAX_AGE_OK = Outcome("mta_sts.max_age", "lead_time", Status.PASS, ("domain", "max_age", "days"))

MX_COVERED = Outcome("mta_sts.mx", "covered", Status.PASS, ("domain", "hosts", "patterns"))
MX_MISSES_NEW = Outcome("mta_sts.mx", "misses_new", Status.FAIL,
                        ("domain", "missing", "patterns", "mode", "days"))
MX_MISSES_NEW_TESTING = Outcome("mta_sts.mx", "misses_new_testing", Status.WARN,
                                ("domain", "missing", "patterns", "days"))
MX_MISSES_CURRENT = Outcome("mta_sts.mx", "misses_current", Status.FAIL,
                            ("domain", "missing", "patterns", "mode", "days"))
MX_MISSES_CURRENT_TESTING = Outcome("mta_sts.mx", "misses_current_testing", Status.WARN,
                                    ("domain", "missing", "patterns", "days"))
MX_NO_NEW_HOST = Outcome("mta_sts.mx", "no_new_host", Status.WARN, ("domain", "patterns"))
MX_UNKNOWN = Outcome("mta_sts.mx", "error", Status.ERROR, ("domain", "reason"))

ID_UNCHANGED = Outcome("mta_sts.id", "changed_same_id", Status.FAIL, ("domain", "id", "since"))
ID_CHANGED = Outcome("mta_sts.id", "changed_new_id", Status.PASS, ("domain", "old_id", "id"))
ID_SAME_POLICY = Outcome("mta_sts.id", "policy_unchanged", Status.PASS, ("domain", "id"))
