"""View model of the ``smtp`` report section: each probed server's facts, as display strings."""

from __future__ import annotations

from typing import Any

from preflight.i18n.messages import DEFAULT_LANG, ui

_UI = (
    "smtp_heading", "smtp_intro", "smtp_target", "smtp_address", "smtp_timings", "smtp_greeting_line",
    "smtp_extensions", "smtp_tls", "smtp_certificate", "smtp_verification", "smtp_stopped",
    "smtp_transcript", "smtp_settings",
)


def _timings(t: dict[str, Any], lang: str) -> str:
    parts = []
    for key in ("connect", "greeting", "total"):
        if t.get(key) is not None:
            parts.append(f"{ui('smtp_' + key, lang)} {ui('unit_ms', lang, ms=t[key])}")
    return " · ".join(parts) or ui("smtp_none", lang)


def _tls(tls: dict[str, Any] | None, lang: str = "en") -> str | None:
    if not tls:
        return None
    text = f"{tls.get('version', '?')}, {tls.get('cipher', '?')}"
    if tls.get("bits"):
        text += f" ({ui('unit_bits', lang, bits=tls['bits'])})"
    if tls.get("server_name"):
        text += f", SNI {tls['server_name']}"
    return text


def _certificate(cert: dict[str, Any] | None, lang: str) -> list[tuple[str, str]]:
    if not cert:
        return []
    validity = f"{cert.get('not_before', '?')} → {cert.get('not_after', '?')}"
    if cert.get("days_left") is not None:
        validity += f" ({ui('smtp_cert_days', lang, days=cert['days_left'])})"
    subject = str(cert.get("subject", ""))
    if cert.get("self_signed"):
        subject += f" ({ui('smtp_cert_self_signed', lang)})"
    return [
        (ui("smtp_cert_subject", lang), subject),
        (ui("smtp_cert_issuer", lang), str(cert.get("issuer", ""))),
        (ui("smtp_cert_names", lang), ", ".join(cert.get("dns_names", [])) or ui("smtp_none", lang)),
        (ui("smtp_cert_validity", lang), validity),
        (ui("smtp_cert_key", lang), f"{cert.get('key', '?')}, {cert.get('signature', '?')}"),
        (ui("smtp_cert_fingerprint", lang), str(cert.get("sha256", ""))),
    ]


def _verification(v: dict[str, Any] | None, lang: str) -> str | None:
    if not v:
        return None
    store = v.get("trust_store", "")
    if v.get("trusted") is True:
        return f"{ui('smtp_trusted', lang)} ({store})"
    word = ui("smtp_not_trusted", lang) if v.get("trusted") is False else ui("smtp_not_verified", lang)
    return f"{word} ({store}): {v.get('reason', '')}"


TRANSCRIPT_NOTES = {
    "second connection: the same handshake, verifying the certificate chain": "smtp_note_verify",
    "reconnecting without STARTTLS to test relaying": "smtp_note_relay",
}
"""Transcript notes that are our own words (``*  `` lines), by the ui key that translates them."""


def _transcript(lines: Any, lang: str) -> str:
    out = []
    for line in lines or []:
        line = str(line)
        key = TRANSCRIPT_NOTES.get(line[3:]) if line.startswith("*  ") else None
        out.append("*  " + ui(key, lang) if key else line)
    return "\n".join(out)


def view(section: dict[str, Any], lang: str = DEFAULT_LANG) -> dict[str, Any]:
    """Display strings for ``templates/sections/smtp.html.j2``."""
    targets = []
    for t in section.get("targets", []):
        stopped = t.get("stopped")
        targets.append({
            "target": str(t.get("target", "")),
            "address": t.get("address") or ui("smtp_none", lang),
            "timings": _timings(t.get("timings_ms") or {}, lang),
            "greeting": t.get("greeting") or ui("smtp_none", lang),
            "extensions": ", ".join(t.get("extensions", [])) or ui("smtp_none", lang),
            "tls": _tls(t.get("tls"), lang),
            "certificate": _certificate(t.get("certificate"), lang),
            "verification": _verification(t.get("verification"), lang),
            "stopped": f"{stopped.get('step', '')}: {stopped.get('reason', '')}" if stopped else None,
            "transcript": _transcript(t.get("transcript", []), lang),
        })
    settings = section.get("settings", {})
    return {
        "ui": {key.removeprefix("smtp_"): ui(key, lang) for key in _UI},
        "targets": targets,
        "settings": [(str(k), "" if v is None else str(v)) for k, v in sorted(settings.items())],
    }
