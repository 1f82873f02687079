"""SPF records (RFC 7208): the one detector of an SPF record, and the §12 grammar as a checker.

:func:`is_spf_record` is the only place preflight decides whether a TXT string is an SPF record
(§4.5: the version section ``v=spf1``, case-insensitive, "terminated by either an SP character
or the end of the record": ``v=spf10``, ``v=spf1x`` or ``v=spf1`` and a newline or tab is not one).
:func:`syntax_error` walks the ABNF of §12 plus the record-level rules of §5 and §6 (once-only
modifiers, 7-bit ASCII) and names the first problem (a :class:`~preflight.rfc.problems.Problem`:
its words are in ``locales/*/rfc.toml``), or returns None for a record receivers accept. :func:`risky_terms` reports the ``all`` and ``ptr`` mechanisms a valid record uses.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass

from preflight.rfc.problems import Problem, problem

# \Z, not $: "$" also matches before a final newline, and "v=spf1\n" is not a version section
_VERSION = re.compile(r"v=spf1(?: |\Z)", re.IGNORECASE)
_VERSION_BYTES = re.compile(rb"v=spf1(?: |\Z)", re.IGNORECASE)

MECHANISMS = ("all", "include", "a", "mx", "ptr", "ip4", "ip6", "exists")
_DIRECTIVE = re.compile(r"([+\-?~]?)([a-z0-9]+)(.*)", re.IGNORECASE | re.DOTALL)
_MODIFIER = re.compile(r"([a-z][a-z0-9_\-.]*)=(.*)", re.IGNORECASE | re.DOTALL)
_MACRO = re.compile(r"%(?:\{([slodiphcrtv])(\d*)(r?)([.\-+,/_=]*)\}|%|_|-)", re.IGNORECASE)
_TOPLABEL = re.compile(
    r"(?:[a-z0-9]*[a-z][a-z0-9]*|[a-z0-9]+-[a-z0-9-]*[a-z0-9])", re.IGNORECASE
)
_CIDR4 = r"/(?:0|[1-9][0-9]?)"
_CIDR6 = r"/(?:0|[1-9][0-9]{0,2})"
_DUAL_CIDR = re.compile(rf"((?:{_CIDR4})?)((?:/{_CIDR6})?)$")
_QNUM = r"(?:25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9][0-9]|[0-9])"
_IP4 = re.compile(rf"{_QNUM}(?:\.{_QNUM}){{3}}$")
EXP_ONLY_MACROS = frozenset("crt")
"""Macro letters allowed only in explanation text (§7.2)."""


def is_spf_record(text: str | bytes) -> bool:
    """True when a TXT string is an SPF record (RFC 7208 §4.5; ``v=spf10`` is not one)."""
    if isinstance(text, bytes):
        return bool(_VERSION_BYTES.match(text))
    return bool(_VERSION.match(text))


def spf_records(records: tuple[str, ...] | list[str]) -> tuple[str, ...]:
    """The TXT strings among ``records`` that are SPF records, in order."""
    return tuple(r for r in records if is_spf_record(r))


def syntax_error(record: str | bytes) -> Problem | None:
    """The first reason RFC 7208 makes ``record`` a permerror on its face, or None.

    Only what the record itself shows is judged; what DNS lookups reveal (loops, limits, missing
    include targets) is left to evaluation.
    """
    if isinstance(record, bytes):
        try:
            record = record.decode("ascii")
        except UnicodeDecodeError:
            return problem("rfc_spf_non_ascii")
    if any(ord(ch) > 0x7E or (ord(ch) < 0x20) for ch in record):
        return problem("rfc_spf_non_printable")
    if not is_spf_record(record):
        return problem("rfc_spf_no_version")
    seen: set[str] = set()
    for term in record[len("v=spf1"):].split(" "):
        if not term:
            continue
        found = _term_error(term, seen)
        if found:
            return problem("rfc_spf_term", term=repr(term[:60]), problem=found)
    return None


def _term_error(term: str, seen: set[str]) -> Problem | None:
    modifier = _MODIFIER.fullmatch(term)
    if modifier:
        name, value = modifier.group(1).lower(), modifier.group(2)
        if name in ("redirect", "exp"):
            if name in seen:
                return problem("rfc_spf_modifier_twice", name=name)
            seen.add(name)
            return _domain_spec_error(value)
        return _macro_string_error(value, allow_exp_letters=False)
    directive = _DIRECTIVE.fullmatch(term)
    if directive is None:
        return problem("rfc_spf_not_a_term")
    name, rest = directive.group(2).lower(), directive.group(3)
    if name not in MECHANISMS:
        return problem("rfc_spf_unknown_mechanism", name=repr(name[:40]))
    if name == "all":
        return None if rest == "" else problem("rfc_spf_all_argument")
    if name in ("include", "exists"):
        if not rest.startswith(":"):
            return problem("rfc_spf_needs_domain", name=name)
        return _domain_spec_error(rest[1:])
    if name in ("a", "mx"):
        cidr = _DUAL_CIDR.search(rest)
        assert cidr is not None  # both parts are optional
        spec = rest[: cidr.start()]
        if not _cidr_ok(cidr.group(1), 32) or not _cidr_ok(cidr.group(2)[1:], 128):
            return problem("rfc_spf_bad_cidr", name=name)
        if spec == "":
            return None
        if not spec.startswith(":"):
            return problem("rfc_spf_a_mx_syntax", name=name)
        return _domain_spec_error(spec[1:])
    if name == "ptr":
        if rest == "":
            return None
        if not rest.startswith(":"):
            return problem("rfc_spf_ptr_syntax")
        return _domain_spec_error(rest[1:])
    return _ip_error(name, rest)


def _cidr_ok(text: str, limit: int) -> bool:
    if not text:
        return True
    return int(text[1:]) <= limit


def _ip_error(name: str, rest: str) -> Problem | None:
    if not rest.startswith(":"):
        return problem("rfc_spf_needs_network", name=name)
    network, _, length = rest[1:].partition("/")
    limit = 32 if name == "ip4" else 128
    bad_length = not re.fullmatch(r"0|[1-9][0-9]{0,2}", length) or int(length) > limit
    if length and bad_length:
        return problem("rfc_spf_bad_prefix", length=length[:5])
    if "/" in rest[1:] and not length:
        return problem("rfc_spf_empty_prefix")
    if name == "ip4":
        if _IP4.match(network):
            return None
        return problem("rfc_spf_not_ipv4", network=repr(network[:45]))
    try:
        ipaddress.IPv6Address(network)
    except ValueError:
        return problem("rfc_spf_not_ipv6", network=repr(network[:45]))
    return None


def _macro_string_error(text: str, *, allow_exp_letters: bool) -> Problem | None:
    position = 0
    while True:
        percent = text.find("%", position)
        if percent < 0:
            return None
        macro = _MACRO.match(text, percent)
        if macro is None:
            return problem("rfc_spf_bad_macro")
        letter = macro.group(1)
        if letter and letter.lower() in EXP_ONLY_MACROS and not allow_exp_letters:
            return problem("rfc_spf_exp_only_macro", letter=letter)
        position = macro.end()


def _domain_spec_error(spec: str) -> Problem | None:
    """``domain-spec = macro-string domain-end`` (RFC 7208 §7.1, §12)."""
    if spec == "":
        return problem("rfc_spf_empty_domain")
    found = _macro_string_error(spec, allow_exp_letters=False)
    if found:
        return found
    if _ends_with_macro(spec):
        return None
    labels = spec[:-1] if spec.endswith(".") else spec
    head, dot, top = labels.rpartition(".")
    if not dot or not head:
        return problem("rfc_spf_no_top_label", spec=repr(spec[:60]))
    if not _TOPLABEL.fullmatch(top):
        return problem("rfc_spf_bad_top_label", spec=repr(spec[:60]))
    return None


def _ends_with_macro(spec: str) -> bool:
    return any(m.end() == len(spec) for m in _MACRO.finditer(spec))


@dataclass(frozen=True)
class RiskyTerms:
    """What a valid record authorizes beyond listed hosts."""

    pass_all: bool
    """An ``all`` with the ``+`` (or no) qualifier: every host on the Internet passes."""
    ptr: bool
    """A ``ptr`` mechanism (RFC 7208 §5.5: SHOULD NOT be used)."""


def risky_terms(record: str) -> RiskyTerms:
    """The ``+all`` and ``ptr`` of a record that :func:`syntax_error` accepts."""
    pass_all = ptr = False
    for term in record.split(" ")[1:]:
        directive = _DIRECTIVE.fullmatch(term)
        if directive is None or "=" in term:
            continue
        qualifier, name = directive.group(1), directive.group(2).lower()
        rest = directive.group(3)
        if name == "all" and rest == "" and qualifier in ("", "+"):
            pass_all = True
        if name == "ptr" and (rest == "" or rest.startswith(":")):
            ptr = True
    return RiskyTerms(pass_all, ptr)
