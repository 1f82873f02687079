"""Named outcomes of the client-port checks; the words are in locales/*/transport.toml."""

from __future__ import annotations

from preflight.model import Outcome, Status

CONNECTED = Outcome("client.connect", "connected", Status.PASS, ("target",))
REFUSED = Outcome("client.connect", "refused", Status.WARN, ("target",))
UNREACHABLE = Outcome("client.connect", "unreachable", Status.ERROR, ("target", "reason"))
BROKEN = Outcome("client.connect", "broken", Status.FAIL, ("target", "reason"))
DISABLED = Outcome("client.connect", "disabled", Status.SKIP, ())

STARTTLS_OK = Outcome("client.starttls", "offered", Status.PASS, ("target",))
STARTTLS_MISSING = Outcome("client.starttls", "missing", Status.FAIL, ("target", "reason"))

TLS_OK = Outcome("client.tls", "ok", Status.PASS, ("target", "version"))
TLS_LEGACY = Outcome("client.tls", "legacy", Status.FAIL, ("target", "version"))
TLS_FAILED = Outcome("client.tls", "failed", Status.FAIL, ("target", "reason"))

CHAIN_OK = Outcome("client.cert_chain", "trusted", Status.PASS, ("target",))
CHAIN_BAD = Outcome("client.cert_chain", "untrusted", Status.FAIL, ("target", "reason"))

NAMES_OK = Outcome("client.cert_name", "covered", Status.PASS, ("target", "names"))
NAMES_MISSING = Outcome("client.cert_name", "missing", Status.FAIL, ("target", "missing", "covers"))
NAMES_UNKNOWN = Outcome("client.cert_name", "no_names", Status.SKIP, ("target",))

AUTH_TLS_ONLY = Outcome("client.auth", "tls_only", Status.PASS, ("target", "methods"))
AUTH_BEFORE_TLS = Outcome("client.auth", "before_tls", Status.WARN, ("target", "methods"))
AUTH_NONE = Outcome("client.auth", "none", Status.FAIL, ("target",))

SRV_NEW = Outcome("client.srv", "points_to_new", Status.PASS, ("name", "target"))
SRV_NOT_YET = Outcome("client.srv", "not_yet", Status.PASS, ("name", "target"))
SRV_STILL_OLD = Outcome("client.srv", "still_old", Status.FAIL, ("name", "target"))
SRV_NOT_OFFERED = Outcome("client.srv", "not_offered", Status.PASS, ("name",))
SRV_ERROR = Outcome("client.srv", "error", Status.ERROR, ("name", "reason"))

AUTOCONFIG_NEW = Outcome("client.autoconfig", "points_to_new", Status.PASS, ("name", "addresses"))
AUTOCONFIG_NOT_YET = Outcome("client.autoconfig", "not_yet", Status.PASS, ("name", "addresses"))
AUTOCONFIG_ELSEWHERE = Outcome("client.autoconfig", "elsewhere", Status.WARN, ("name", "addresses"))
AUTOCONFIG_ERROR = Outcome("client.autoconfig", "error", Status.ERROR, ("name", "reason"))
