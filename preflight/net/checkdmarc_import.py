"""checkdmarc's parsers without its package ``__init__``: the submodules preflight uses, lightly.

``import checkdmarc`` runs the package ``__init__``, which imports every submodule, among them
``checkdmarc.bimi`` (requests, xmltodict, cryptography's X.509 and serialization, bcrypt) — about
twice the cost of what preflight uses: :mod:`checkdmarc.spf`, :mod:`checkdmarc.dmarc`,
:mod:`checkdmarc.mta_sts`, :mod:`checkdmarc.smtp_tls_reporting` and :mod:`checkdmarc.utils`.
Those submodules import only each other's helpers (``checkdmarc.utils``, ``checkdmarc._constants``)
and never read the package's namespace, so they work the same under a package whose ``__init__``
has not run.

:func:`checkdmarc_module` imports one of them under such a package, placed in ``sys.modules``
once (:func:`install`). Sound both ways round:

* when the whole checkdmarc was imported first (by a user's code, a test), its modules are used
  as they are: a submodule is the same module object either way;
* when anyone reads a name the package ``__init__`` defines (``checkdmarc.check_domains``,
  ``checkdmarc.__version__``) from the light package, the real ``__init__`` runs then, on that
  same module object (PEP 562 ``__getattr__``), and the package is whole from then on.

Two HTTP clients come with them for what preflight never calls: ``checkdmarc.mta_sts`` imports
``requests`` to fetch policies (preflight does that itself, :mod:`preflight.net.https`), and
``checkdmarc.utils`` imports ``httpx`` for DNS over HTTPS, reading only ``httpx.HTTPError`` at
import. While those submodules load here, each client is a stand-in (:class:`Deferred`): the real
package is imported the first time any other name of it is read, so ``mta_sts.requests.Session``
and ``utils.httpx.Client`` still work, and ``HTTPError`` comes from the submodule that defines
it (``httpx._exceptions``: the very class ``httpx.HTTPError`` is). ``requests``, ``urllib3``,
``charset_normalizer``, ``importlib.metadata`` and most of ``httpx`` stay out of a check (~70 ms).

Should a checkdmarc release make a submodule need its package ``__init__`` (reading a name from the
package while it loads), the light import fails and :func:`checkdmarc_module` imports the whole
package instead: slower, same parsers (the tests, which check that bimi stays out, fail loudly).

Imports go through one lock: families run in threads, and two threads importing overlapping
module sets can meet in importlib's deadlock handling, which hands out a half-initialised module.
"""

from __future__ import annotations

import preflight.net._features  # noqa: F401  (first: dnspython's DoH and DNSSEC parts off)

# isort: split
import importlib
import importlib.util
import sys
import threading
from types import ModuleType
from typing import Any

PACKAGE = "checkdmarc"
USED = ("spf", "dmarc", "mta_sts", "smtp_tls_reporting", "utils")
"""The submodules preflight uses."""
DEFERRED: dict[str, dict[str, dict[str, str]]] = {
    "mta_sts": {"requests": {}},
    "utils": {"httpx": {"HTTPError": "httpx._exceptions"}},
}
"""submodule → package it imports only for what preflight never calls → names it reads at import,
with the submodule that defines each (the package itself loads on first use of any other name)."""

_LOCK = threading.RLock()


def install() -> ModuleType:
    """The ``checkdmarc`` package in ``sys.modules``: whichever is there, else a light one whose
    ``__init__`` runs on the first read of a name it defines."""
    with _LOCK:
        present = sys.modules.get(PACKAGE)
        if present is not None:
            return present
        spec = importlib.util.find_spec(PACKAGE)
        if spec is None or spec.loader is None or spec.submodule_search_locations is None:
            raise ModuleNotFoundError(f"No module named {PACKAGE!r}", name=PACKAGE)
        package = importlib.util.module_from_spec(spec)
        package.__dict__["__getattr__"] = _completer(package)
        sys.modules[PACKAGE] = package
        return package


def _completer(package: ModuleType) -> Any:
    """The light package's ``__getattr__``: a submodule is imported alone; any other name runs
    the package ``__init__`` first (once), then is looked up."""

    running: list[bool] = []

    def __getattr__(name: str) -> Any:  # noqa: N807 - PEP 562 module hook
        spec = package.__spec__
        if not name.startswith("__") and importlib.util.find_spec(f"{PACKAGE}.{name}") is not None:
            return checkdmarc_module(name)
        # The hook stays while __init__ runs: another thread reading a name __init__ has not
        # defined yet waits here for it (the lock) instead of getting an AttributeError; the
        # __init__'s own reads (same thread) find ``running`` and look up only.
        with _LOCK:
            if package.__dict__.get("__getattr__") is __getattr__ and not running:
                assert spec is not None and spec.loader is not None
                running.append(True)
                try:
                    spec.loader.exec_module(package)
                except BaseException:
                    running.clear()  # like a failed import: the next read tries again
                    raise
                if package.__dict__.get("__getattr__") is __getattr__:
                    del package.__dict__["__getattr__"]
        try:
            return package.__dict__[name]
        except KeyError:
            raise AttributeError(f"module {PACKAGE!r} has no attribute {name!r}") from None

    return __getattr__


class Deferred(ModuleType):
    """Stands for a package while a checkdmarc submodule imports it: the real package is
    imported the first time a name of it is read (then every read goes to it), except the
    ``served`` names, read from the submodule that defines them (from the real package when a
    release of it has moved them: slower, never broken)."""

    def __init__(self, name: str, served: dict[str, str] | None = None) -> None:
        super().__init__(name)
        self._deferred_served = dict(served or {})
        spec = importlib.util.find_spec(name)
        if spec is not None and spec.submodule_search_locations is not None:
            self.__path__ = list(spec.submodule_search_locations)  # its submodules can load

    def __getattr__(self, attribute: str) -> Any:
        served = self.__dict__.get("_deferred_served", {})
        if attribute in served:
            try:
                return getattr(importlib.import_module(served[attribute]), attribute)
            except (ImportError, AttributeError):  # the package moved it: the real package serves it
                pass
        real = self.__dict__.get("_deferred_real")
        if real is None:
            with _LOCK:
                if sys.modules.get(self.__name__) is self:
                    del sys.modules[self.__name__]
                real = importlib.import_module(self.__name__)
                self.__dict__["_deferred_real"] = real
        return getattr(real, attribute)


def checkdmarc_module(name: str) -> ModuleType:
    """``checkdmarc.<name>`` (one of :data:`USED`), imported without the package ``__init__``
    unless the whole package is already loaded."""
    with _LOCK:
        install()
        full = f"{PACKAGE}.{name}"
        if full in sys.modules:
            return sys.modules[full]
        # every submodule this import may load (spf loads utils) gets its stand-ins
        stand_ins = {dep: Deferred(dep, served) for submodule, deps in DEFERRED.items()
                     if f"{PACKAGE}.{submodule}" not in sys.modules
                     for dep, served in deps.items() if dep not in sys.modules}
        sys.modules.update(stand_ins)
        try:
            try:
                return importlib.import_module(full)
            finally:
                for dep, stand_in in stand_ins.items():
                    if sys.modules.get(dep) is stand_in:
                        del sys.modules[dep]
        except Exception:
            if not _still_light():
                raise  # the whole package's own import failed: its error, as without this module
        # A checkdmarc laid out otherwise (a submodule reading the package's namespace, say):
        # the whole package, imported as `import checkdmarc` would, rather than no parsers.
        for loaded in [m for m in sys.modules if m == PACKAGE or m.startswith(f"{PACKAGE}.")]:
            del sys.modules[loaded]
        importlib.import_module(PACKAGE)
        return importlib.import_module(full)


def _still_light() -> bool:
    """Whether ``sys.modules`` holds the light package, its ``__init__`` not run."""
    package = sys.modules.get(PACKAGE)
    hook = getattr(package, "__dict__", {}).get("__getattr__")
    return getattr(hook, "__qualname__", "") == f"{_completer.__qualname__}.<locals>.__getattr__"


__all__ = ["DEFERRED", "PACKAGE", "USED", "Deferred", "checkdmarc_module", "install"]
