"""Named outcomes of the DANE checks (RFC 7672); the words are in locales/*/transport.toml."""

from __future__ import annotations

from preflight.model import Outcome, Status

NONE = Outcome("dane.tlsa", "none", Status.PASS, ("host",))
MATCHES = Outcome("dane.tlsa", "matches", Status.PASS, ("host", "record", "stale"))
MISMATCH = Outcome("dane.tlsa", "mismatch", Status.FAIL, ("host", "records", "record", "ttl", "hours"))
MISMATCH_UNVALIDATED = Outcome("dane.tlsa", "mismatch_unvalidated", Status.ERROR,
                               ("host", "records", "record", "ttl", "hours"))
"""No DANE-EE record matches, but the answer carried no AD flag. RFC 7672 §2.2 senders use only
DNSSEC-validated ("secure") TLSA records: in an unsigned zone these are ignored, in a signed zone
(only preflight's resolver not validating) every DANE sender defers mail. preflight cannot tell
which: could not check (a warning would let the run say "ready")."""
UNUSABLE = Outcome("dane.tlsa", "unusable", Status.WARN, ("host", "records"))
TA_ONLY = Outcome("dane.tlsa", "trust_anchor_only", Status.ERROR, ("host", "records"))
TA_UNCHECKED = Outcome("dane.tlsa", "trust_anchor_unchecked", Status.ERROR, ("host", "records"))
"""No DANE-EE record matches the leaf, but a DANE-TA record may match the chain (one matching usable
record suffices, RFC 7672 §3.1; RFC 6698 §4.1); preflight sees only the leaf: could not check."""
NOT_COMPARED = Outcome("dane.tlsa", "not_compared", Status.SKIP, ("host", "records"))
NO_CERTIFICATE = Outcome("dane.tlsa", "no_certificate", Status.ERROR, ("host", "records", "reason"))
ERROR = Outcome("dane.tlsa", "error", Status.ERROR, ("host", "reason"))

VALIDATED = Outcome("dane.dnssec", "validated", Status.PASS, ("host", "server"))
NOT_VALIDATED = Outcome("dane.dnssec", "not_validated", Status.WARN, ("host", "server"))
