"""The check families, in report order. A new family adds one line here."""

from __future__ import annotations

from collections.abc import Mapping

from preflight.checks import (
    client,
    cutover,
    dane,
    dkim,
    dmarc,
    mta_sts,
    mx,
    propagation,
    rdns,
    scope,
    server,
    smtp,
    spf,
    tls_rpt,
)
from preflight.checks.blocklists import family as blocklists
from preflight.checks.blocklists.settings import PLAN_TABLE as BLOCKLISTS_PLAN
from preflight.checks.mta_sts.settings import PLAN_TABLE as TRANSPORT_PLAN
from preflight.checks.message import family as message
from preflight.checks.partners import family as partners
from preflight.checks.partners.settings import PLAN_TABLE as PARTNERS_PLAN
from preflight.checks.server.settings import PLAN_TABLE as SSH_PLAN
from preflight.checks.smtp.settings import PLAN_TABLE as SMTP_PLAN
from preflight.engine import Family
from preflight.values import Validator

FAMILIES: tuple[Family, ...] = (
    Family("scope", scope.run),
    Family("rdns", rdns.run),
    Family("blocklists", blocklists.run, {"blocklists": BLOCKLISTS_PLAN}),
    Family("spf", spf.run),
    Family("dkim", dkim.run),
    Family("dmarc", dmarc.run),
    Family("mx", mx.run),
    Family("cutover", cutover.run),
    Family("propagation", propagation.run),
    Family("smtp", smtp.run, {"smtp": SMTP_PLAN}),
    Family("mta_sts", mta_sts.run, {"transport": TRANSPORT_PLAN}),
    Family("tls_rpt", tls_rpt.run),
    Family("dane", dane.run),
    Family("client", client.run),
    Family("server", server.run, {"ssh": SSH_PLAN}),
    Family("partners", partners.run, {"partners": PARTNERS_PLAN}),
    Family("message", message.run),
)

PLAN_SECTIONS: Mapping[str, Mapping[str, Validator]] = {
    section: table for family in FAMILIES for section, table in family.plan.items()
}
"""The families' ``[section]`` tables of a plan file (the plan loader in :mod:`preflight.config`)."""
