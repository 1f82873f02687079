"""The check families, in report order. A new family adds one line here."""

from __future__ import annotations

from preflight.checks import dkim, dmarc, mx, rdns, smtp, spf
from preflight.checks import cutover, propagation, scope
from preflight.checks import server
from preflight.checks.blocklists import family as blocklists
from preflight.checks.partners import family as partners
from preflight.runner import Family

FAMILIES: tuple[Family, ...] = (
    Family("scope", scope.run),
    Family("rdns", rdns.run),
    Family("blocklists", blocklists.run),
    Family("spf", spf.run),
    Family("dkim", dkim.run),
    Family("dmarc", dmarc.run),
    Family("mx", mx.run),
    Family("cutover", cutover.run),
    Family("propagation", propagation.run),
    Family("smtp", smtp.run),
    Family("server", server.run),
    Family("partners", partners.run),
)
