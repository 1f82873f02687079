"""Blocklists and reputation of the new IPs and names: every relevant DNSBL, in about one round trip.

The incident that brings users to preflight is a new IP that turns out to be blocklisted, and
the worst a checker can do is a false "listed" (a refusal code, a dead list) or a false "clean"
(a resolver the lists silently refuse). So every zone answers its RFC 5782 test points in the
same run, refusal codes are never listings, and a zone that fails its self-test does not count.

Modules: :mod:`.settings` (plan ``[blocklists]``, flags, DQS key), :mod:`.queries` (query
names, pure), :mod:`.collect` (all DNS, concurrent), :mod:`.health` and :mod:`.evaluate`
(pure), :mod:`.reputation` (Team Cymru, graded scores, neighbourhood; pure),
:mod:`.outcomes` (the check ids), :mod:`.family` (``run(ctx)``), :mod:`.listing` (``preflight
lists``). This ``__init__`` stays import-free so the plan loader can import :mod:`.settings`.
"""
