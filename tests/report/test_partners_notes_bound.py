"""A partner note rebuilt in the report's language from ``notes_i18n`` is bounded and printable like any
value from the network (``textsafe.clean``): its parameters are SPF terms from the partner's DNS, and
a saved report can carry anything there."""

from __future__ import annotations

import json

from preflight.report.sections.partners import view


def test_a_rebuilt_note_is_as_bounded_as_the_stored_one() -> None:
    via = "include:\x1b[31m" + "a" * 9000 + ".example"
    coded = json.dumps([{"key": "partners_note_macros", "params": {"via": via}}])
    domain = {"domain": "p.example", "notes": ["stored"], "notes_i18n": [coded]}
    for lang in ("ja", "en"):
        (note,) = view({"domains": [domain]}, lang)["notes"]
        assert len(note) < 2100 and "\x1b" not in note, (lang, len(note))
