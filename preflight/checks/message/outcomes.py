"""Every outcome of the ``message.*`` checks (words: ``preflight/locales/<lang>/message.toml``)."""

from __future__ import annotations

from preflight.model import Outcome, Status

P, W, F, E, S = Status.PASS, Status.WARN, Status.FAIL, Status.ERROR, Status.SKIP

READ_OK = Outcome("message.read", "parsed", P, ("file", "size", "fields", "hops"))
READ_PROBLEMS = Outcome("message.read", "problems", W, ("file", "problems", "problems_i18n"))
READ_TRUNCATED = Outcome("message.read", "truncated", W, ("file", "size", "limit"))

PATH_OK = Outcome("message.path", "left_new_ip", P, ("ip", "helo", "receiver", "hops"))
PATH_ELSEWHERE = Outcome("message.path", "not_from_new_ip", F, ("ips", "path"))
PATH_GUESSED = Outcome("message.path", "guessed", S, ("ip", "receiver"))
PATH_UNKNOWN = Outcome("message.path", "no_public_hop", S, ("hops",))
PATH_NO_RECEIVED = Outcome("message.path", "no_received", E, ("file",))

TLS_OK = Outcome("message.tls", "tls", P, ("version", "cipher", "receiver"))
TLS_UNVERSIONED = Outcome("message.tls", "tls_no_version", P, ("protocol", "receiver"))
TLS_OLD = Outcome("message.tls", "old_tls", F, ("version", "receiver"))
TLS_PLAIN = Outcome("message.tls", "plain", F, ("protocol", "receiver"))
TLS_NOT_RECORDED = Outcome("message.tls", "not_recorded", S, ("receiver",))
TLS_NO_HOP = Outcome("message.tls", "no_hop", S, ())

RECEIVER_PASS = Outcome("message.receiver", "pass", P, ("method", "result", "authserv", "identity"))
RECEIVER_FAIL = Outcome("message.receiver", "fail", F, ("method", "result", "authserv", "identity", "reason"))
RECEIVER_OTHER = Outcome("message.receiver", "other", W, ("method", "result", "authserv", "identity"))
RECEIVER_NONE = Outcome("message.receiver", "none", W, ("method", "authserv"))
RECEIVER_MISSING = Outcome("message.receiver", "missing", W, ("receiver",))
UNTRUSTED_BEFORE = Outcome("message.untrusted", "before_receiver", S, ("authserv", "results"))
UNTRUSTED_OTHER = Outcome("message.untrusted", "other_authserv", S, ("authserv", "results"))
UNTRUSTED_NO_RECEIVER = Outcome("message.untrusted", "no_receiver", S, ("authserv", "results"))
UNTRUSTED = {"before_receiver": UNTRUSTED_BEFORE, "other_authserv": UNTRUSTED_OTHER,
             "no_receiver": UNTRUSTED_NO_RECEIVER}

DKIM_PASS = Outcome("message.dkim", "pass", P, ("domain", "selector", "detail", "detail_i18n"))
DKIM_UNPLANNED = Outcome("message.dkim", "unplanned_selector", W, ("domain", "selector", "planned"))
DKIM_BODY = Outcome("message.dkim", "body_changed", F, ("domain", "selector"))
DKIM_MISMATCH = Outcome("message.dkim", "signature_mismatch", F, ("domain", "selector"))
DKIM_NO_KEY = Outcome("message.dkim", "key_missing", F, ("domain", "selector", "name"))
DKIM_REVOKED = Outcome("message.dkim", "key_revoked", F, ("domain", "selector"))
DKIM_BAD_KEY = Outcome("message.dkim", "key_invalid", F, ("domain", "selector", "detail", "detail_i18n"))
DKIM_WEAK = Outcome("message.dkim", "key_weak", F, ("domain", "selector", "detail", "detail_i18n"))
DKIM_EXPIRED = Outcome("message.dkim", "expired", F, ("domain", "selector"))
DKIM_MALFORMED = Outcome("message.dkim", "malformed", F, ("domain", "selector", "detail", "detail_i18n"))
DKIM_DNS = Outcome("message.dkim", "dns_error", E, ("domain", "selector", "reason"))
DKIM_NOT_JUDGED = Outcome("message.dkim", "not_judged", E, ("file",))
DKIM_UNSIGNED = Outcome("message.dkim", "unsigned", F, ("file",))

SPF_PASS = Outcome("message.spf", "pass", P, ("domain", "ip", "identity"))
SPF_FAIL = Outcome("message.spf", "fail", F, ("domain", "ip", "identity", "result"))
SPF_NEUTRAL = Outcome("message.spf", "neutral", W, ("domain", "ip", "identity", "result"))
SPF_TEMPERROR = Outcome("message.spf", "temperror", E, ("domain", "ip", "identity", "reason"))
SPF_NO_IP = Outcome("message.spf", "no_client", S, ())

DMARC_ALIGNED = Outcome("message.dmarc", "aligned", P, ("domain", "via", "policy"))
DMARC_UNALIGNED = Outcome("message.dmarc", "not_aligned", F, ("domain", "dkim", "spf", "policy"))
DMARC_NO_RECORD = Outcome("message.dmarc", "no_record", W, ("domain", "aligned"))
DMARC_NO_FROM = Outcome("message.dmarc", "no_from", F, ("file",))
DMARC_ERROR = Outcome("message.dmarc", "dns_error", E, ("domain", "reason"))
DMARC_UNDECIDED = Outcome("message.dmarc", "undecided", E, ("domain", "unknown"))

AGREE = Outcome("message.agreement", "agree", P, ("method", "ours", "theirs"))
DISAGREE_SPF = Outcome("message.agreement", "disagree_spf", W, ("method", "ours", "theirs"))
DISAGREE_DKIM = Outcome("message.agreement", "disagree_dkim", W, ("method", "ours", "theirs"))
DISAGREE_DMARC = Outcome("message.agreement", "disagree_dmarc", W, ("method", "ours", "theirs"))
DISAGREE = {"spf": DISAGREE_SPF, "dkim": DISAGREE_DKIM, "dmarc": DISAGREE_DMARC}
AGREE_UNKNOWN = Outcome("message.agreement", "not_compared", S, ("method", "ours", "theirs"))

UNSUB_OK = Outcome("message.unsubscribe", "one_click", P, ("header",))
UNSUB_NOT_ONE_CLICK = Outcome("message.unsubscribe", "not_one_click", W, ("header", "post"))
UNSUB_MISSING = Outcome("message.unsubscribe", "missing", W, ())

MSGID_OK = Outcome("message.message_id", "valid", P, ("value",))
MSGID_BAD = Outcome("message.message_id", "invalid", F, ("value",))
MSGID_MISSING = Outcome("message.message_id", "missing", F, ())

DATE_OK = Outcome("message.date", "valid", P, ("value",))
DATE_BAD = Outcome("message.date", "invalid", F, ("value",))
DATE_MISSING = Outcome("message.date", "missing", F, ())

DUPS_NONE = Outcome("message.duplicates", "none", P, ())
DUPS_FOUND = Outcome("message.duplicates", "found", F, ("fields",))

SPAM_INBOX = Outcome("message.spam", "not_spam", P, ("signals",))
SPAM_JUNK = Outcome("message.spam", "spam", F, ("signals",))
SPAM_UNCLEAR = Outcome("message.spam", "unclear", W, ("signals",))
SPAM_NO_SIGNALS = Outcome("message.spam", "no_signals", S, ("receiver",))

# A header block cut at the reading limit (too many or too large fields): what the message seems
# to lack may sit beyond the cut, so an absence is "could not check", never a fail or a pass.
PATH_CUT = Outcome("message.path", "header_cut", E, ("file",))
DKIM_CUT = Outcome("message.dkim", "header_cut", E, ("file",))
DMARC_CUT = Outcome("message.dmarc", "header_cut", E, ("file",))
UNSUB_CUT = Outcome("message.unsubscribe", "header_cut", E, ("file",))
MSGID_CUT = Outcome("message.message_id", "header_cut", E, ("file",))
DATE_CUT = Outcome("message.date", "header_cut", E, ("file",))
DUPS_CUT = Outcome("message.duplicates", "header_cut", E, ("file",))
HEADER_CUT = {x.check_id: x for x in (PATH_CUT, DKIM_CUT, DMARC_CUT, UNSUB_CUT, MSGID_CUT, DATE_CUT, DUPS_CUT)}
ABSENCES = {(x.check_id, x.name) for x in (
    PATH_ELSEWHERE, PATH_UNKNOWN, PATH_NO_RECEIVED, DKIM_UNSIGNED, DMARC_NO_FROM, UNSUB_MISSING,
    MSGID_MISSING, DATE_MISSING, DUPS_NONE)}
