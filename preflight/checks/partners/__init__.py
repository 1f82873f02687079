"""Partner impact: will the new server reject mail from the partners we depend on?

The case mail admins dread: the new server rejects by DNS blocklist, a partner's server is listed,
and the partner cannot be made to get delisted. Before cutover this family predicts, for each
partner address, what the new server will do with it — accepted, rejected (by which rule, with
which SMTP code, and the allowlist entry that lets it in), or *could not tell* — using the new
server's own RBL policy (SSH inventory) or the plan's ``server_rbls``.

Partners come from ``--partner DOMAIN`` (MX hosts and SPF, walked with bounds), ``--partner-ip``
and ``--partners-from-log`` (the busiest clients of the old server's mail log, counted on the
server). :mod:`.collect` does all I/O; :mod:`.evaluate`, :mod:`.predict` and :mod:`.section` are
pure; :mod:`.family` holds ``run(ctx)``. Nothing runs unless the run's config carries
:class:`.settings.PartnerSettings`. The plan table (``[partners]``) reaches the plan loader
through :mod:`preflight.registry`.
"""
