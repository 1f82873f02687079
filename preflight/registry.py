"""The check families, in report order. A new family adds one line here.

Each line names a family package's ``FAMILY`` (:class:`preflight.engine.Family`). The plan loader
(:mod:`preflight.config`) and the ``preflight check`` options (:mod:`preflight.cli`) are built from
this list; a family whose settings read another's comes after it (partners after server).
"""

from __future__ import annotations

from collections.abc import Mapping

from preflight.checks import (
    blocklists,
    client,
    cutover,
    dane,
    dkim,
    dmarc,
    message,
    mta_sts,
    mx,
    partners,
    propagation,
    rdns,
    scope,
    server,
    smtp,
    spf,
    tls_rpt,
)
from preflight.engine.family import CliOption, Family
from preflight.values import Validator

FAMILIES: tuple[Family, ...] = (
    scope.FAMILY,
    rdns.FAMILY,
    blocklists.FAMILY,
    spf.FAMILY,
    dkim.FAMILY,
    dmarc.FAMILY,
    mx.FAMILY,
    cutover.FAMILY,
    propagation.FAMILY,
    smtp.FAMILY,
    mta_sts.FAMILY,
    tls_rpt.FAMILY,
    dane.FAMILY,
    client.FAMILY,
    server.FAMILY,
    partners.FAMILY,
    message.FAMILY,
)

PLAN_SECTIONS: Mapping[str, Mapping[str, Validator]] = {
    section: table for family in FAMILIES for section, table in family.plan.items()
}
"""The families' ``[section]`` tables of a plan file (the plan loader in :mod:`preflight.config`)."""

OPTIONS: tuple[CliOption, ...] = tuple(option for family in FAMILIES for option in family.options)
"""The options the families add to ``preflight check``, in registry order."""
