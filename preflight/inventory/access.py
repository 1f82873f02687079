"""Postfix lookup tables of the access kind (``cidr:``, ``texthash:``, ``inline:``, ``regexp:``,
``pcre:``) and how smtpd looks a client up in them.

* :func:`parse_table` turns a table's text (the file, or the ``{...}`` of ``inline:``) into a
  :class:`Table` whose :meth:`Table.find` answers one key as Postfix's dict layer would:
  cidr_table(5) (first matching network in file order, ``!`` negation, ``if``/``endif``),
  regexp_table(5)/pcre_table(5) (first matching pattern, ``$n`` substitution, case-insensitive by
  default, ``if``/``endif``), and the fixed-string tables (exact key, lower case).
* :func:`client_keys` lists the keys smtpd's ``check_namadr_access`` tries for a client: its name
  and parent domains, then its address and its shortened forms (fixed-string tables only).
* :func:`in_networks` decides whether an address is in a ``mynetworks``-style list.

Tables Postfix reads through ``postmap -q`` (``hash:``, ``lmdb:``, ``btree:``) are looked up on
the server; their answers arrive here as a :class:`Table` of known keys (:meth:`Table.of_answers`).
All functions are pure and bounded.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from preflight.inventory._text import lines

MAX_ENTRIES = 5_000
MAX_KEYS = 16
FIXED_TYPES = frozenset({"hash", "lmdb", "btree", "texthash", "inline", "dbm", "sdbm", "cdb"})
"""Tables looked up by exact key (smtpd also tries parent domains and shortened addresses)."""
PATTERN_TYPES = frozenset({"cidr", "regexp", "pcre"})
FILE_TYPES = frozenset({"cidr", "texthash", "regexp", "pcre"})
"""Tables whose source file preflight reads and evaluates itself."""
SERVER_TYPES = frozenset({"hash", "lmdb", "btree"})
"""Tables asked on the server with ``postmap -q`` (indexed files preflight cannot read)."""

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
_REGEX = re.compile(r"(!?)/((?:\\.|[^/\\])*)/([imx]*)(?:\s+(.*))?\Z", re.DOTALL)


@dataclass(frozen=True)
class _Rule:
    """One line of a cidr/regexp/pcre table; ``depth`` counts the ``if`` blocks around it."""

    test: Network | re.Pattern[str]
    negate: bool
    result: str | None  # None for an ``if`` line
    end: int = -1  # for ``if``: index of the matching ``endif``


@dataclass(frozen=True)
class Table:
    """One lookup table: its ``type:name``, and what it answers."""

    spec: str
    kind: str
    entries: Mapping[str, str] = field(default_factory=dict)
    rules: tuple[_Rule, ...] = ()
    problems: tuple[str, ...] = ()

    @property
    def fixed(self) -> bool:
        """True for exact-key tables (parent domains and shortened addresses are tried)."""
        return self.kind not in PATTERN_TYPES

    @classmethod
    def of_answers(cls, spec: str, answers: Mapping[str, str]) -> Table:
        """A server-side table known by its answers to the keys asked (``postmap -q``)."""
        kind = spec.partition(":")[0].lower()
        return cls(spec, kind, {k.lower(): v for k, v in list(answers.items())[:MAX_ENTRIES]})

    def results(self) -> list[str]:
        """Every answer the table can give (to find the DNS lists its restriction answers name)."""
        return [*self.entries.values(), *(r.result for r in self.rules if r.result)]

    def find(self, key: str) -> str | None:
        """The table's answer for ``key``, or None (not found)."""
        if self.kind == "cidr":
            return self._walk(key, _cidr_match)
        if self.kind in ("regexp", "pcre"):
            return self._walk(key, _regex_match)
        return self.entries.get(key.lower())

    def _walk(self, key: str, match: object) -> str | None:
        i = 0
        while i < len(self.rules):
            rule = self.rules[i]
            hit = match(rule, key)  # type: ignore[operator]
            if rule.result is None:  # if / endif block
                i = i + 1 if hit else rule.end + 1
                continue
            if hit:
                return hit if isinstance(hit, str) else rule.result
            i += 1
        return None


def _cidr_match(rule: _Rule, key: str) -> bool:
    if rule.result is None and rule.end < 0:
        return True  # endif
    try:
        ip = ipaddress.ip_address(key)
    except ValueError:
        return False
    net = rule.test
    inside = isinstance(net, (ipaddress.IPv4Network, ipaddress.IPv6Network)) and ip.version == net.version \
        and ip in net
    return inside != rule.negate


def _regex_match(rule: _Rule, key: str) -> bool | str:
    if rule.result is None and rule.end < 0:
        return True  # endif
    assert isinstance(rule.test, re.Pattern)
    found = rule.test.search(key)
    if rule.negate:
        return found is None
    if found is None:
        return False
    if rule.result is None:
        return True

    def group(m: re.Match[str]) -> str:
        number = int(m.group(1) or m.group(2))
        return (found.group(number) or "") if number <= found.re.groups else ""

    return re.sub(r"\$(\d)|\$\{(\d)\}", group, rule.result) or rule.result


def _network(text: str) -> Network:
    text = text.strip()
    if text.startswith("[") and "]" in text:
        inner, _, rest = text[1:].partition("]")
        text = inner + rest
    return ipaddress.ip_network(text, strict=True)


def _blocks(rules: list[_Rule], opened: list[int], problems: list[str], where: str) -> None:
    for index in opened:
        problems.append(f"{where}: 'if' without 'endif'")
        rules[index] = _Rule(rules[index].test, rules[index].negate, None, len(rules) - 1)


def _parse_patterns(spec: str, kind: str, text: str) -> Table:
    rules: list[_Rule] = []
    opened: list[int] = []
    problems: list[str] = []
    for raw in _joined(text):
        if len(rules) >= MAX_ENTRIES:
            break
        head, _, rest = raw.partition(" ")
        word = head.lower()
        if word == "endif":
            if not opened:
                problems.append(f"{spec}: 'endif' without 'if'")
                continue
            start = opened.pop()
            rules.append(_Rule(rules[start].test, False, None, -1))
            rules[start] = _Rule(rules[start].test, rules[start].negate, None, len(rules) - 1)
            continue
        is_if = word == "if"
        body = rest.strip() if is_if else raw
        try:
            test, negate, result = _rule(kind, body, is_if)
        except ValueError as exc:
            problems.append(f"{spec}: {str(exc)[:120]} in {raw[:80]!r}; Postfix skips this line")
            continue
        if is_if:
            opened.append(len(rules))
            rules.append(_Rule(test, negate, None, 0))
        else:
            rules.append(_Rule(test, negate, result))
    _blocks(rules, opened, problems, spec)
    return Table(spec, kind, rules=tuple(rules), problems=tuple(problems))


def _rule(kind: str, body: str, is_if: bool) -> tuple[Network | re.Pattern[str], bool, str]:
    if kind == "cidr":
        pattern, _, result = body.replace("\t", " ").partition(" ")
        negate = pattern.startswith("!")
        net = _network(pattern[1:] if negate else pattern)
        if not is_if and not result.strip():
            raise ValueError("no result")
        return net, negate, result.strip()
    match = _REGEX.match(body)
    if match is None:
        raise ValueError("not a /pattern/ line")
    flags = re.IGNORECASE
    for flag in match.group(3):
        if flag == "i":
            flags ^= re.IGNORECASE
        elif flag == "m":
            flags |= re.MULTILINE
        elif flag == "x":
            flags |= re.VERBOSE
    try:
        compiled = re.compile(match.group(2), flags)
    except re.error as exc:
        raise ValueError(f"bad regular expression ({exc})") from None
    result = (match.group(4) or "").strip()
    if not is_if and not result:
        raise ValueError("no result")
    return compiled, match.group(1) == "!", result


def _joined(text: str) -> list[str]:
    out: list[str] = []
    for line in lines(text):
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        if line[0] in " \t" and out:
            out[-1] = f"{out[-1]} {stripped}"
        else:
            out.append(stripped.replace("\t", " "))
    return out


def _parse_fixed(spec: str, kind: str, text: str) -> Table:
    entries: dict[str, str] = {}
    for raw in _joined(text):
        key, _, value = raw.partition(" ")
        if key.lower() not in entries and len(entries) < MAX_ENTRIES:
            entries[key.lower()] = value.strip()
    return Table(spec, kind, entries)


def parse_inline(spec: str) -> Table:
    """``inline:{ key=value, { key = text with spaces } }`` as a table."""
    from preflight.inventory.postfix import split_list

    body = spec.partition(":")[2].strip()
    if body.startswith("{") and body.endswith("}"):
        body = body[1:-1]
    entries: dict[str, str] = {}
    for item in split_list(body, MAX_ENTRIES):
        key, eq, value = item.partition("=")
        if eq and key.strip():
            entries.setdefault(key.strip().lower(), value.strip())
    return Table(spec, "inline", entries)


def parse_table(spec: str, text: str | None) -> Table:
    """The table ``type:name`` from its source text (``inline:`` carries its own)."""
    kind = spec.partition(":")[0].lower()
    if kind == "inline":
        return parse_inline(spec)
    if kind in PATTERN_TYPES:
        return _parse_patterns(spec, kind, text or "")
    return _parse_fixed(spec, kind, text or "")


# -- keys smtpd tries -----------------------------------------------------------------------------


def domain_keys(name: str, parent_style: bool = True) -> list[str]:
    """``host.example.com``, then its parents (``example.com`` or ``.example.com``), as smtpd tries."""
    name = name.lower().rstrip(".")
    keys = [name]
    rest = name
    while "." in rest[1:] and len(keys) < MAX_KEYS:
        rest = rest[rest.index(".", 1):]
        keys.append(rest[1:] if parent_style else rest)
        rest = rest[1:] if parent_style else rest[1:]
    return keys


def address_keys(ip: str) -> list[str]:
    """``192.0.2.7``, ``192.0.2``, ``192.0``, ``192`` (IPv6: drop ``:part`` from the end)."""
    sep = "." if ipaddress.ip_address(ip).version == 4 else ":"
    keys = [ip]
    rest = ip
    while sep in rest and len(keys) < MAX_KEYS:
        rest = rest.rsplit(sep, 1)[0].rstrip(sep)
        if rest:
            keys.append(rest)
    return keys


def client_keys(table: Table, ip: str, name: str | None, parent_style: bool = True) -> list[str]:
    """The keys smtpd looks up for a client in ``table``: name (and parents), then address."""
    keys = []
    if name:
        keys += domain_keys(name, parent_style) if table.fixed else [name.lower()]
    keys += address_keys(ip) if table.fixed else [ip]
    return keys


def lookup_client(table: Table, ip: str, name: str | None, parent_style: bool = True) -> str | None:
    """The first answer ``table`` gives for the client (``None``: not found)."""
    for key in client_keys(table, ip, name, parent_style):
        found = table.find(key)
        if found is not None:
            return found
    return None


# -- mynetworks -----------------------------------------------------------------------------------


def parse_networks(items: Iterable[str]) -> tuple[list[Network], list[str]]:
    """Networks of a ``mynetworks``-style list; the second list holds table references."""
    nets: list[Network] = []
    tables: list[str] = []
    for item in items:
        if ":" in item and not item.startswith("[") and item.partition(":")[0].isalpha():
            tables.append(item)
            continue
        try:
            nets.append(_network(item if "/" in item or item.startswith("[") else item.strip("[]")))
        except ValueError:
            try:
                nets.append(ipaddress.ip_network(item.strip("[]"), strict=False))
            except ValueError:
                continue  # host names: not resolved here
    return nets, tables


def in_networks(ip: str, nets: Sequence[Network]) -> bool:
    """True when ``ip`` is in one of ``nets``."""
    addr = ipaddress.ip_address(ip)
    return any(addr.version == n.version and addr in n for n in nets)
