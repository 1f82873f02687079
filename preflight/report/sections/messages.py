"""View model of the ``messages`` report section: per test message, the path, verdicts side by side.

Reads the saved JSON section (see :mod:`preflight.checks.message.section`), tolerating what older
reports lack. Every value came from the message (attacker-controlled): the template escapes it.
"""

from __future__ import annotations

from typing import Any

from preflight.i18n.messages import DEFAULT_LANG, ui

_UI = ("heading", "lead", "path", "hop_from", "hop_ip", "hop_by", "hop_tls", "hop_ours", "hop_receiving",
       "verdicts", "method", "ours", "theirs", "agree", "disagree", "auth", "trusted", "untrusted", "spam",
       "none", "dkim")


def _list(value: Any) -> list[dict[str, Any]]:
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


def _text(value: Any) -> str:
    return "" if value is None else str(value)


_DKIM = ("pass", "body_changed", "signature_mismatch", "key_missing", "key_revoked", "key_invalid", "key_weak",
         "expired", "malformed", "dns_error", "not_judged")
_SPAM = ("spam", "not_spam", "unclear")


def _word(kind: str, code: Any, lang: str) -> str:
    """Our words for a stored code (an unknown code from an older or hand-made report stays as is)."""
    known = _DKIM if kind == "dkim" else _SPAM
    return ui(f"message_{kind}_{code}", lang) if code in known else _text(code)


def _status(ours: Any, theirs: Any) -> str:
    if not ours or not theirs:
        return "skip"
    return "pass" if (ours == "pass") == (theirs == "pass") else "warn"


def _message(entry: dict[str, Any], lang: str) -> dict[str, Any]:
    hops = [{
        "from": _text(h.get("from_helo") or h.get("from_rdns")) or "—", "ip": _text(h.get("from_ip")) or "—",
        "by": _text(h.get("by")) or "—",
        "tls": " ".join(x for x in (_text(h.get("tls_version")), _text(h.get("tls_cipher"))) if x)
        or (_text(h.get("protocol")) if h.get("tls") is not None else ""),
        "ours": bool(h.get("ours")), "receiving": bool(h.get("receiving")),
    } for h in _list(entry.get("hops"))]
    verdicts = [{
        "method": _text(v.get("method")), "ours": _text(v.get("ours")) or "—", "theirs": _text(v.get("theirs")) or "—",
        "status": _status(v.get("ours"), v.get("theirs")),
    } for v in _list(entry.get("verdicts"))]
    for v in verdicts:
        v["label"] = ui("message_agree" if v["status"] == "pass" else "message_disagree", lang) \
            if v["status"] != "skip" else "—"
    auth = [{
        "authserv": _text(a.get("authserv_id")) or "—", "trusted": bool(a.get("trusted")),
        "results": "; ".join(f"{_text(r.get('method'))}={_text(r.get('result'))}"
                             + (f" ({_text(r.get('identity'))})" if r.get("identity") else "")
                             for r in _list(a.get("results"))),
    } for a in _list(entry.get("auth"))]
    dkim = [f"d={_text(d.get('domain'))} s={_text(d.get('selector'))}: {_word('dkim', d.get('outcome'), lang)}"
            for d in _list(entry.get("dkim"))]
    spam = [f"{_text(s.get('name'))}: {_text(s.get('detail'))} ({_word('spam', s.get('verdict'), lang)})"
            for s in _list(entry.get("spam")) if s.get("receiver")]
    return {"file": _text(entry.get("file")), "hops": hops, "verdicts": verdicts, "auth": auth,
            "dkim": dkim, "spam": spam}


def view(section: Any, lang: str = DEFAULT_LANG) -> dict[str, Any]:
    """Everything the ``messages`` template shows."""
    return {
        "ui": {key: ui(f"message_{key}", lang) for key in _UI},
        "messages": [_message(m, lang) for m in _list(section)],
    }
