"""Every outcome the smtp family can produce. Words: ``preflight/locales/<lang>/smtp.toml``.

Check ids (stable): smtp.connect, smtp.banner, smtp.banner_name, smtp.banner_ptr,
smtp.banner_hostname, smtp.ehlo, smtp.auth_before_tls, smtp.starttls, smtp.tls_handshake,
smtp.tls_version, smtp.cert_chain, smtp.cert_name, smtp.cert_expiry, smtp.relay, smtp.postmaster.

Every subject is the probed server (``HOST:PORT``), or ``postmaster@DOMAIN via HOST:PORT``.
"""

from __future__ import annotations

from preflight.model import Outcome, Status

P, W, F, E, S = Status.PASS, Status.WARN, Status.FAIL, Status.ERROR, Status.SKIP

# -- connection -------------------------------------------------------------------------------
CONNECT_OK = Outcome("smtp.connect", "connected", P, ("target", "address", "seconds"))
CONNECT_REFUSED = Outcome("smtp.connect", "refused", F, ("target", "address"))
CONNECT_TIMEOUT = Outcome("smtp.connect", "timeout", E, ("target", "address", "seconds"))
CONNECT_UNREACHABLE = Outcome("smtp.connect", "unreachable", E, ("target", "address", "reason"))
CONNECT_UNRESOLVED = Outcome("smtp.connect", "unresolved", E, ("target", "reason"))
CONNECT_NO_ADDRESS = Outcome("smtp.connect", "no_address", F, ("target",))
CONNECT_DISABLED = Outcome("smtp.connect", "disabled", S, ())

# -- greeting -------------------------------------------------------------------------------
BANNER_OK = Outcome("smtp.banner", "ok", P, ("target", "banner", "seconds"))
BANNER_THROTTLED = Outcome("smtp.banner", "throttled", E, ("target", "reply"))
BANNER_REJECTED = Outcome("smtp.banner", "rejected", E, ("target", "reply"))
BANNER_NO_GREETING = Outcome("smtp.banner", "no_greeting", E, ("target", "seconds"))
BANNER_CLOSED = Outcome("smtp.banner", "closed", E, ("target",))
BANNER_MALFORMED = Outcome("smtp.banner", "malformed", F, ("target", "reason"))
BANNER_NOT_REACHED = Outcome("smtp.banner", "not_reached", S, ("target",))

NAME_FQDN = Outcome("smtp.banner_name", "fqdn", P, ("target", "name"))
NAME_NOT_FQDN = Outcome("smtp.banner_name", "not_fqdn", W, ("target", "name"))
NAME_NOT_REACHED = Outcome("smtp.banner_name", "not_reached", S, ("target",))

PTR_MATCH = Outcome("smtp.banner_ptr", "match", P, ("target", "name", "address"))
PTR_DIFFERS = Outcome("smtp.banner_ptr", "differs", W, ("target", "name", "address", "ptr"))
PTR_NONE = Outcome("smtp.banner_ptr", "no_ptr", W, ("target", "name", "address"))
PTR_ERROR = Outcome("smtp.banner_ptr", "error", E, ("target", "address", "reason"))
PTR_NO_NAME = Outcome("smtp.banner_ptr", "no_name", S, ("target",))
PTR_NOT_REACHED = Outcome("smtp.banner_ptr", "not_reached", S, ("target",))

HOST_MATCH = Outcome("smtp.banner_hostname", "match", P, ("target", "name"))
HOST_DIFFERS = Outcome("smtp.banner_hostname", "differs", W, ("target", "name", "hostname"))
HOST_NOT_GIVEN = Outcome("smtp.banner_hostname", "no_hostname", S, ("target",))
HOST_NO_NAME = Outcome("smtp.banner_hostname", "no_name", S, ("target",))
HOST_NOT_REACHED = Outcome("smtp.banner_hostname", "not_reached", S, ("target",))

# -- EHLO -----------------------------------------------------------------------------------
EHLO_OK = Outcome("smtp.ehlo", "accepted", P, ("target", "count"))
EHLO_REJECTED = Outcome("smtp.ehlo", "rejected", F, ("target", "reply", "helo"))
EHLO_THROTTLED = Outcome("smtp.ehlo", "throttled", E, ("target", "reply"))
EHLO_INTERRUPTED = Outcome("smtp.ehlo", "interrupted", E, ("target", "reason"))
EHLO_NOT_REACHED = Outcome("smtp.ehlo", "not_reached", S, ("target",))

AUTH_NOT_OFFERED = Outcome("smtp.auth_before_tls", "not_offered", P, ("target",))
AUTH_OFFERED = Outcome("smtp.auth_before_tls", "offered", W, ("target", "mechanisms"))
AUTH_NOT_REACHED = Outcome("smtp.auth_before_tls", "not_reached", S, ("target",))

# -- TLS ------------------------------------------------------------------------------------
STARTTLS_OK = Outcome("smtp.starttls", "offered", P, ("target",))
STARTTLS_MISSING = Outcome("smtp.starttls", "not_offered", F, ("target",))
STARTTLS_REFUSED = Outcome("smtp.starttls", "refused", F, ("target", "reply"))
STARTTLS_UNAVAILABLE = Outcome("smtp.starttls", "unavailable", E, ("target", "reply"))
STARTTLS_THROTTLED = Outcome("smtp.starttls", "throttled", E, ("target", "reply"))
STARTTLS_INTERRUPTED = Outcome("smtp.starttls", "interrupted", E, ("target", "reason"))
STARTTLS_NOT_REACHED = Outcome("smtp.starttls", "not_reached", S, ("target",))

HANDSHAKE_OK = Outcome("smtp.tls_handshake", "ok", P, ("target", "version", "cipher"))
HANDSHAKE_FAILED = Outcome("smtp.tls_handshake", "failed", F, ("target", "reason"))
HANDSHAKE_TIMEOUT = Outcome("smtp.tls_handshake", "timeout", E, ("target", "reason"))
HANDSHAKE_NOT_TESTED = Outcome("smtp.tls_handshake", "not_tested", S, ("target",))

VERSION_MODERN = Outcome("smtp.tls_version", "modern", P, ("target", "version"))
VERSION_LEGACY = Outcome("smtp.tls_version", "legacy", F, ("target", "version"))
VERSION_NOT_TESTED = Outcome("smtp.tls_version", "not_tested", S, ("target",))

CHAIN_TRUSTED = Outcome("smtp.cert_chain", "trusted", P, ("target", "issuer", "trust_store"))
CHAIN_SELF_SIGNED = Outcome("smtp.cert_chain", "self_signed", W, ("target", "cert_subject", "trust_store"))
CHAIN_UNTRUSTED = Outcome("smtp.cert_chain", "untrusted", W, ("target", "reason", "trust_store"))
CHAIN_ERROR = Outcome("smtp.cert_chain", "error", E, ("target", "reason"))
CHAIN_NOT_TESTED = Outcome("smtp.cert_chain", "not_tested", S, ("target",))

CERT_NAME_MATCH = Outcome("smtp.cert_name", "match", P, ("target", "name"))
CERT_NAME_MISMATCH = Outcome("smtp.cert_name", "mismatch", W, ("target", "name", "names"))
CERT_NAME_UNREADABLE = Outcome("smtp.cert_name", "unreadable", E, ("target", "reason"))
CERT_NAME_NO_NAME = Outcome("smtp.cert_name", "no_name", S, ("target",))
CERT_NAME_NOT_TESTED = Outcome("smtp.cert_name", "not_tested", S, ("target",))

EXPIRY_VALID = Outcome("smtp.cert_expiry", "valid", P, ("target", "days", "not_after"))
EXPIRY_SOON = Outcome("smtp.cert_expiry", "expiring", W, ("target", "days", "not_after"))
EXPIRY_EXPIRED = Outcome("smtp.cert_expiry", "expired", F, ("target", "days", "not_after"))
EXPIRY_NOT_YET = Outcome("smtp.cert_expiry", "not_yet_valid", F, ("target", "not_before"))
EXPIRY_UNREADABLE = Outcome("smtp.cert_expiry", "unreadable", E, ("target", "reason"))
EXPIRY_NOT_TESTED = Outcome("smtp.cert_expiry", "not_tested", S, ("target",))

# -- relay and postmaster ------------------------------------------------------------------
RELAY_REFUSED = Outcome("smtp.relay", "refused", P, ("target", "recipient", "reply"))
RELAY_ACCEPTED = Outcome("smtp.relay", "accepted", F, ("target", "recipient", "reply"))
RELAY_INCONCLUSIVE = Outcome("smtp.relay", "inconclusive", E, ("target", "recipient", "reply"))
RELAY_THROTTLED = Outcome("smtp.relay", "throttled", E, ("target", "reply"))
RELAY_SENDER_REFUSED = Outcome("smtp.relay", "sender_refused", E, ("target", "sender", "reply"))
RELAY_INTERRUPTED = Outcome("smtp.relay", "interrupted", E, ("target", "reason"))
RELAY_NOT_REACHED = Outcome("smtp.relay", "not_reached", S, ("target",))

POSTMASTER_OK = Outcome("smtp.postmaster", "accepted", P, ("target", "recipient"))
POSTMASTER_REFUSED = Outcome("smtp.postmaster", "refused", W, ("target", "recipient", "reply"))
POSTMASTER_THROTTLED = Outcome("smtp.postmaster", "throttled", E, ("target", "recipient", "reply"))
POSTMASTER_INTERRUPTED = Outcome("smtp.postmaster", "interrupted", E, ("target", "recipient", "reason"))
POSTMASTER_NO_DOMAIN = Outcome("smtp.postmaster", "no_domain", S, ("target",))
POSTMASTER_NOT_REACHED = Outcome("smtp.postmaster", "not_reached", S, ("target", "recipient"))

ALL: tuple[Outcome, ...] = tuple(v for v in dict(globals()).values() if isinstance(v, Outcome))
"""Every outcome above (for the catalogue test)."""

CHECK_IDS: tuple[str, ...] = tuple(dict.fromkeys(o.check_id for o in ALL))
"""The family's check ids, in report order."""
