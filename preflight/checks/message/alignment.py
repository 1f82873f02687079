"""DMARC identifier alignment (RFC 7489 §3.1): the From domain against DKIM ``d=`` and the SPF domain.

Relaxed mode (the default, ``adkim=r`` / ``aspf=r``) compares organizational domains; strict mode
(``s``) wants the same name. Pure: the organizational-domain function is passed in.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from email.utils import getaddresses


@dataclass(frozen=True)
class Alignment:
    """How the From domain aligns with the identifiers that passed."""

    from_domain: str | None
    dkim_mode: str
    spf_mode: str
    dkim_aligned: tuple[str, ...]
    """DKIM ``d=`` domains that passed and align."""
    dkim_unaligned: tuple[str, ...]
    """DKIM ``d=`` domains that passed but do not align."""
    spf_domain: str | None
    spf_aligned: bool

    @property
    def aligned(self) -> bool:
        """DMARC passes: an aligned DKIM pass or an aligned SPF pass."""
        return bool(self.dkim_aligned) or self.spf_aligned


def from_domains(values: Iterable[str]) -> tuple[str, ...]:
    """The domains of the addresses in From field values (lower case, no trailing dot)."""
    out = []
    for _, address in getaddresses([v[:2000] for v in values]):
        if "@" in address:
            domain = address.rpartition("@")[2].strip().rstrip(".").lower()
            if domain:
                out.append(domain[:253])
    return tuple(dict.fromkeys(out))


def mailbox_domain(value: str | None) -> str | None:
    """The domain of a Return-Path or ``smtp.mailfrom`` (``<a@b>``, ``a@b`` or a bare domain)."""
    if not value:
        return None
    text = value.strip().strip("<>").strip()
    if not text:
        return None
    domain = text.rpartition("@")[2] if "@" in text else text
    domain = domain.strip().rstrip(".").lower()
    return domain[:253] or None


def aligned(a: str, b: str, mode: str, org: Callable[[str], str]) -> bool:
    """Whether domains ``a`` and ``b`` align in ``mode`` (``s`` strict, else relaxed)."""
    a, b = a.lower().rstrip("."), b.lower().rstrip(".")
    if mode == "s":
        return a == b
    return a == b or org(a) == org(b)


def judge(from_domain: str | None, dkim_pass: Iterable[str], spf_pass_domain: str | None,
          dkim_mode: str, spf_mode: str, org: Callable[[str], str]) -> Alignment:
    """The alignment of one message."""
    passed = tuple(dict.fromkeys(d.lower().rstrip(".") for d in dkim_pass))
    if not from_domain:
        return Alignment(None, dkim_mode, spf_mode, (), passed, spf_pass_domain, False)
    good = tuple(d for d in passed if aligned(from_domain, d, dkim_mode, org))
    bad = tuple(d for d in passed if d not in good)
    spf_ok = bool(spf_pass_domain) and aligned(from_domain, spf_pass_domain or "", spf_mode, org)
    return Alignment(from_domain, dkim_mode, spf_mode, good, bad, spf_pass_domain, spf_ok)
