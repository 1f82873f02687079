"""Every outcome of the server inventory family, by stable check id. Words: locales/*/server.toml."""

from __future__ import annotations

from preflight.model import Outcome, Status

# -- server.ssh: could we log in at all? ----------------------------------------------------------
SSH_CONNECTED = Outcome("server.ssh", "connected", Status.PASS, ("role", "server", "key"))
SSH_KEY_RECORDED = Outcome("server.ssh", "key_recorded", Status.PASS,
                           ("role", "server", "key", "known_hosts"))
SSH_HOST_KEY_UNKNOWN = Outcome("server.ssh", "host_key_unknown", Status.ERROR,
                               ("role", "server", "key", "known_hosts", "name"))
SSH_HOST_KEY_CHANGED = Outcome("server.ssh", "host_key_changed", Status.ERROR,
                               ("role", "server", "key", "expected", "known_hosts", "name"))
SSH_AUTH_FAILED = Outcome("server.ssh", "auth_failed", Status.ERROR,
                          ("role", "server", "user", "methods", "reason"))
SSH_UNREACHABLE = Outcome("server.ssh", "unreachable", Status.ERROR, ("role", "server", "reason"))
SSH_FAILED = Outcome("server.ssh", "failed", Status.ERROR, ("role", "server", "reason"))

# -- server.os_eol ------------------------------------------------------------------------------
OS_SUPPORTED = Outcome("server.os_eol", "supported", Status.PASS, ("os", "eol"))
OS_ENDING_SOON = Outcome("server.os_eol", "ending_soon", Status.WARN, ("os", "eol", "days"))
OS_ENDED = Outcome("server.os_eol", "ended", Status.FAIL, ("os", "eol"))
OS_UNKNOWN = Outcome("server.os_eol", "unknown", Status.WARN, ("os", "note"))
OS_UNREADABLE = Outcome("server.os_eol", "unreadable", Status.SKIP, ("path", "reason"))
OS_ERROR = Outcome("server.os_eol", "error", Status.ERROR, ("reason",))
OLD_OS_ENDED = Outcome("server.os_eol", "old_ended", Status.PASS, ("os", "eol"))
OLD_OS_SUPPORTED = Outcome("server.os_eol", "old_supported", Status.PASS, ("os", "eol"))
OLD_OS_UNKNOWN = Outcome("server.os_eol", "old_unknown", Status.PASS, ("os",))

# -- server.mta ---------------------------------------------------------------------------------
MTA_POSTFIX = Outcome("server.mta", "postfix", Status.PASS, ("version",))
MTA_OTHER = Outcome("server.mta", "other", Status.WARN, ("mta", "version"))
MTA_NONE = Outcome("server.mta", "none", Status.FAIL, ())
MTA_UNREADABLE = Outcome("server.mta", "unreadable", Status.SKIP, ("reason",))
MTA_ERROR = Outcome("server.mta", "error", Status.ERROR, ("reason",))

# -- server.helo --------------------------------------------------------------------------------
HELO_CONSISTENT = Outcome("server.helo", "consistent", Status.PASS, ("helo",))
HELO_NOT_FQDN = Outcome("server.helo", "not_fqdn", Status.FAIL, ("helo",))
HELO_MISMATCH = Outcome("server.helo", "mismatch", Status.WARN, ("helo", "details"))
HELO_DNS_ERROR = Outcome("server.helo", "dns_error", Status.ERROR, ("helo", "reason"))

# -- server.mynetworks --------------------------------------------------------------------------
MYNETWORKS_LOCAL = Outcome("server.mynetworks", "local", Status.PASS, ("networks",))
MYNETWORKS_OPEN = Outcome("server.mynetworks", "open", Status.FAIL, ("networks", "open"))
MYNETWORKS_BROAD = Outcome("server.mynetworks", "broad", Status.WARN, ("networks", "broad"))

# -- server.bind_address (per address family) ----------------------------------------------------
BIND_BOUND = Outcome("server.bind_address", "bound", Status.PASS, ("family", "address"))
BIND_ELSEWHERE = Outcome("server.bind_address", "bound_elsewhere", Status.FAIL,
                         ("family", "address", "parameter", "ips"))
BIND_MISSING = Outcome("server.bind_address", "bound_missing", Status.FAIL,
                       ("family", "address", "parameter"))
BIND_ROUTE = Outcome("server.bind_address", "route", Status.PASS, ("family", "address"))
BIND_ROUTE_ELSEWHERE = Outcome("server.bind_address", "route_elsewhere", Status.WARN,
                               ("family", "address", "ips", "parameter"))
BIND_UNKNOWN = Outcome("server.bind_address", "unknown", Status.SKIP, ("family",))
BIND_PROTOCOL_OFF = Outcome("server.bind_address", "protocol_off", Status.SKIP,
                            ("family", "protocols"))

# -- server.inet_interfaces ---------------------------------------------------------------------
INET_ALL = Outcome("server.inet_interfaces", "all", Status.PASS, ("interfaces",))
INET_LISTED = Outcome("server.inet_interfaces", "listed", Status.PASS, ("interfaces",))
INET_LOOPBACK = Outcome("server.inet_interfaces", "loopback_only", Status.WARN, ("interfaces",))
INET_MISSING = Outcome("server.inet_interfaces", "missing", Status.FAIL, ("interfaces", "missing"))

# -- server.tls_files ---------------------------------------------------------------------------
TLS_OK = Outcome("server.tls_files", "ok", Status.PASS, ("path", "names", "expires"))
TLS_NONE = Outcome("server.tls_files", "none", Status.WARN, ())
TLS_MISSING = Outcome("server.tls_files", "missing", Status.FAIL, ("parameter", "path"))
TLS_UNREADABLE = Outcome("server.tls_files", "unreadable", Status.SKIP, ("path", "reason"))
TLS_EXPIRED = Outcome("server.tls_files", "expired", Status.FAIL, ("path", "expires"))
TLS_EXPIRING = Outcome("server.tls_files", "expiring", Status.WARN, ("path", "expires", "days"))
TLS_NAME_MISMATCH = Outcome("server.tls_files", "name_mismatch", Status.WARN,
                            ("path", "names", "hostname"))
TLS_INVALID = Outcome("server.tls_files", "invalid", Status.FAIL, ("parameter", "path", "reason"))
TLS_KEY_OK = Outcome("server.tls_files", "key_present", Status.PASS, ("parameter", "path"))
TLS_ERROR = Outcome("server.tls_files", "error", Status.ERROR, ("path", "reason"))

# -- server.tls_levels (incoming / outgoing) ----------------------------------------------------
TLS_IN_MAY = Outcome("server.tls_levels", "incoming_may", Status.PASS, ("level",))
TLS_IN_NONE = Outcome("server.tls_levels", "incoming_none", Status.WARN, ("level",))
TLS_IN_ENFORCED = Outcome("server.tls_levels", "incoming_enforced", Status.WARN, ("level",))
TLS_OUT_OK = Outcome("server.tls_levels", "outgoing_ok", Status.PASS, ("level",))
TLS_OUT_NONE = Outcome("server.tls_levels", "outgoing_none", Status.WARN, ("level",))

# -- server.rbls, server.rbl_dead, server.rbl_resolver -------------------------------------------
RBLS_CONFIGURED = Outcome("server.rbls", "configured", Status.PASS, ("zones",))
RBLS_NONE = Outcome("server.rbls", "none", Status.PASS, ())
RBLS_PROBLEMS = Outcome("server.rbls", "problems", Status.FAIL, ("problems",))
RBL_DEAD = Outcome("server.rbl_dead", "dead", Status.FAIL, ("zone", "name", "note", "parameter"))
RBL_NONE_DEAD = Outcome("server.rbl_dead", "none_dead", Status.PASS, ("count",))
RESOLVER_OK = Outcome("server.rbl_resolver", "ok", Status.PASS, ("resolvers",))
RESOLVER_PUBLIC = Outcome("server.rbl_resolver", "public", Status.WARN, ("resolvers", "zones"))
RESOLVER_UNREADABLE = Outcome("server.rbl_resolver", "unreadable", Status.SKIP, ("path", "reason"))
RESOLVER_NONE = Outcome("server.rbl_resolver", "no_nameserver", Status.WARN, ("path",))

# -- server.dkim_signer -------------------------------------------------------------------------
SIGNER_FOUND = Outcome("server.dkim_signer", "found", Status.PASS, ("signer", "keys"))
SIGNER_NONE = Outcome("server.dkim_signer", "none", Status.WARN, ())
SIGNER_UNREADABLE = Outcome("server.dkim_signer", "unreadable", Status.SKIP, ("path", "reason"))
SIGNER_ERROR = Outcome("server.dkim_signer", "error", Status.ERROR, ("path", "reason"))
SIGNER_TABLE_MISSING = Outcome("server.dkim_signer", "table_missing", Status.FAIL, ("signer", "path"))
SIGNER_NOT_WIRED = Outcome("server.dkim_signer", "not_wired", Status.WARN, ("signer", "milters"))
SIGNER_SELECTOR_MISSING = Outcome("server.dkim_signer", "selector_missing", Status.WARN,
                                  ("selectors", "configured"))
SIGNER_DOMAIN_UNCOVERED = Outcome("server.dkim_signer", "domain_uncovered", Status.WARN, ("domains",))

# -- server.dkim_dns_match (per key) -------------------------------------------------------------
DKIM_MATCH = Outcome("server.dkim_dns_match", "match", Status.PASS, ("domain", "selector", "path"))
DKIM_MISMATCH = Outcome("server.dkim_dns_match", "mismatch", Status.FAIL,
                        ("domain", "selector", "path", "name"))
DKIM_DNS_MISSING = Outcome("server.dkim_dns_match", "dns_missing", Status.FAIL,
                           ("domain", "selector", "name"))
DKIM_DNS_INVALID = Outcome("server.dkim_dns_match", "dns_invalid", Status.FAIL,
                           ("domain", "selector", "name", "reason", "reason_i18n"))
DKIM_KEY_MISSING = Outcome("server.dkim_dns_match", "key_missing", Status.FAIL,
                           ("domain", "selector", "path"))
DKIM_KEY_INVALID = Outcome("server.dkim_dns_match", "key_invalid", Status.FAIL,
                           ("domain", "selector", "path", "reason"))
DKIM_UNREADABLE = Outcome("server.dkim_dns_match", "unreadable", Status.SKIP,
                          ("domain", "selector", "path", "reason"))
DKIM_INLINE = Outcome("server.dkim_dns_match", "inline_key", Status.SKIP, ("domain", "selector"))
DKIM_DNS_ERROR = Outcome("server.dkim_dns_match", "dns_error", Status.ERROR,
                         ("domain", "selector", "reason"))
DKIM_ERROR = Outcome("server.dkim_dns_match", "error", Status.ERROR,
                     ("domain", "selector", "path", "reason"))
DKIM_NOT_READ = Outcome("server.dkim_dns_match", "not_read", Status.ERROR, ("path", "reason"))

# -- server.port25_outbound (per target) ---------------------------------------------------------
PORT25_OPEN = Outcome("server.port25_outbound", "open", Status.PASS, ("target", "greeting"))
PORT25_BLOCKED = Outcome("server.port25_outbound", "blocked", Status.FAIL, ("target", "reason"))
PORT25_BLOCKED_RELAY = Outcome("server.port25_outbound", "blocked_relayhost", Status.WARN,
                               ("target", "reason", "relayhost"))
PORT25_REFUSED = Outcome("server.port25_outbound", "refused", Status.WARN, ("target",))
PORT25_UNRESOLVED = Outcome("server.port25_outbound", "unresolved", Status.ERROR, ("target", "reason"))
PORT25_ERROR = Outcome("server.port25_outbound", "error", Status.ERROR, ("target", "reason"))
PORT25_NO_TARGETS = Outcome("server.port25_outbound", "no_targets", Status.SKIP, ())

# -- server.compare (old vs new) -----------------------------------------------------------------
COMPARE_SAME = Outcome("server.compare", "same", Status.PASS, ("old", "new"))
COMPARE_CHANGED = Outcome("server.compare", "changed", Status.WARN, ("old", "new", "settings", "settings_i18n"))
# ``settings_i18n``: the changed settings' names as coded text (ui keys ``server_setting_<key>``)
COMPARE_INCOMPLETE = Outcome("server.compare", "incomplete", Status.SKIP, ("old", "new"))
