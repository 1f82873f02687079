"""View models of the extra report sections: ``<name>.py`` with ``view(section, lang)``.

:func:`preflight.report.html.section_views` calls them; ``templates/sections/<name>.html.j2``
shows the result as ``v.section_views.<name>``. Input is the saved JSON section, so a view must
accept what older reports hold (use ``.get`` with defaults).
"""
