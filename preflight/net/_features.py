"""dnspython's optional parts, decided before the first ``dns.query``/``dns.dnssec``/``dns.name`` import.

dnspython loads optional parts when their libraries are installed: DNS over HTTPS (httpx2 and
HTTP/2, ~80 ms at import), DNS over QUIC (aioquic) and DNSSEC algorithms (cryptography, and the
DSA deprecation warnings). Most arrive here as dependencies of checkdmarc, and preflight uses
none: it asks its configured nameservers over UDP/TCP and validates no signatures. Every module of
:mod:`preflight.net` that imports a dnspython module imports this one before it (not the
package ``__init__``: that would put dnspython on the CLI's start-up path).

dnspython decides a feature by reading package metadata (``importlib.metadata``: 15–35 ms to
import, then a search of ``sys.path``), and ``dns.name`` asks for ``idna`` at import. Here
``dns._features`` is loaded without importing ``importlib.metadata`` (it is imported on first
use instead, for a feature nobody decided), and the ``idna`` answer comes from the ``idna``
package's own version, which ``dns.name`` imports anyway — the same answer
(``tests/net/test_features.py`` compares it with dnspython's metadata check).
"""

from __future__ import annotations

import importlib.util
import sys
import types
from typing import Any


class _ImportlibOnDemand:
    """Stands for the ``importlib`` name inside ``dns._features``: ``importlib.metadata``
    is imported when dnspython first reads it."""

    def __getattr__(self, name: str) -> Any:
        import importlib.metadata  # noqa: F401 - makes importlib.metadata an attribute

        return getattr(importlib, name)


def _load_features() -> None:
    """Import ``dns._features`` with ``importlib.metadata`` held back (see the module docstring)."""
    if "dns._features" in sys.modules or "importlib.metadata" in sys.modules:
        return
    spec = importlib.util.find_spec("dns._features")
    if spec is None or spec.loader is None:
        return
    module = importlib.util.module_from_spec(spec)
    stand_in = types.ModuleType("importlib.metadata")
    sys.modules["importlib.metadata"] = stand_in
    sys.modules["dns._features"] = module
    try:
        spec.loader.exec_module(module)
    except BaseException:
        del sys.modules["dns._features"]
        raise
    finally:
        if sys.modules.get("importlib.metadata") is stand_in:
            del sys.modules["importlib.metadata"]
    if getattr(module, "importlib", None) is importlib:
        module.importlib = _ImportlibOnDemand()  # type: ignore[attr-defined]
    sys.modules["dns"]._features = module  # type: ignore[attr-defined]


def idna_usable() -> bool | None:
    """Whether dnspython's ``idna`` requirement is met, from the ``idna`` package's version
    (``None``: dnspython's requirement has an unexpected form; let it decide)."""
    import dns._features

    requirements = getattr(dns._features, "_requirements", {}).get("idna")
    parse = getattr(dns._features, "_tuple_from_text", None)
    if not requirements or len(requirements) != 1 or ">=" not in requirements[0] or parse is None:
        return None
    package, minimum = requirements[0].split(">=")
    if package != "idna":
        return None
    if importlib.util.find_spec("idna") is None:
        return False
    try:  # private to idna and dnspython: any change there leaves the decision to dnspython
        from idna.package_data import __version__

        return bool(parse(__version__) >= parse(minimum))
    except Exception:  # noqa: BLE001 - every preflight.net import runs this: never a crash
        return None


_load_features()

import dns._features  # noqa: E402

for _feature in ("doh", "doq", "dnssec"):
    dns._features.force(_feature, False)
if "idna" not in getattr(dns._features, "_cache", {"idna": None}) and (_idna := idna_usable()) is not None:
    dns._features.force("idna", _idna)
