"""Named outcomes of the DANE checks (RFC 7672); the words are in locales/*/transport.toml."""

from __future__ import annotations

from preflight.model import Outcome, Status

NONE = Outcome("dane.tlsa", "none", Status.PASS, ("host",))
MATCHES = Outcome("dane.tlsa", "matches", Status.PASS, ("host", "record", "stale"))
MISMATCH = Outcome("dane.tlsa", "mismatch", Status.FAIL, ("host", "records", "record", "ttl", "hours"))
UNUSABLE = Outcome("dane.tlsa", "unusable", Status.WARN, ("host", "records"))
TA_ONLY = Outcome("dane.tlsa", "trust_anchor_only", Status.ERROR, ("host", "records"))
NOT_COMPARED = Outcome("dane.tlsa", "not_compared", Status.SKIP, ("host", "records"))
NO_CERTIFICATE = Outcome("dane.tlsa", "no_certificate", Status.ERROR, ("host", "records", "reason"))
ERROR = Outcome("dane.tlsa", "error", Status.ERROR, ("host", "reason"))

VALIDATED = Outcome("dane.dnssec", "validated", Status.PASS, ("host", "server"))
NOT_VALIDATED = Outcome("dane.dnssec", "not_validated", Status.WARN, ("host", "server"))
