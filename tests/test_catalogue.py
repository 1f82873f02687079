"""Walk every declared outcome: ids unique and well formed, words present, params in step."""

from __future__ import annotations

import importlib
import pkgutil
import re

import pytest

import preflight
import preflight.runner
from preflight.messages import LANGUAGES, catalogue
from preflight.model import Outcome, Status, template_fields

ID_RE = re.compile(r"^[a-z0-9_]+(\.[a-z0-9_]+)+$")


def _declared_outcomes() -> list[Outcome]:
    found: dict[tuple[str, str], Outcome] = {}
    for info in pkgutil.walk_packages(preflight.__path__, "preflight."):
        if info.name.startswith("preflight.lab"):
            continue
        module = importlib.import_module(info.name)
        for value in vars(module).values():
            if isinstance(value, Outcome):
                key = (value.check_id, value.name)
                assert found.get(key, value) == value, f"{key} declared twice, differently"
                found[key] = value
    return sorted(found.values(), key=lambda o: (o.check_id, o.name))


OUTCOMES = _declared_outcomes()


def test_outcomes_are_found() -> None:
    # The walk must see the foundation's families at least.
    ids = {o.check_id for o in OUTCOMES}
    assert {"rdns.ptr", "spf.authorizes", "dkim.key", "dmarc.policy", "mx.present", "ttl.records"} <= ids


@pytest.mark.parametrize("outcome", OUTCOMES, ids=lambda o: f"{o.check_id}.{o.name}")
def test_outcome_has_words(outcome: Outcome) -> None:
    assert ID_RE.match(outcome.check_id), outcome.check_id
    assert re.match(r"^[a-z0-9_]+$", outcome.name)
    entry = catalogue("en")["checks"].get(outcome.check_id)
    assert entry, f"no catalogue entry for {outcome.check_id}"
    assert entry.get("title"), f"{outcome.check_id} has no title"
    assert entry.get("about"), f"{outcome.check_id} has no explanation ('about')"
    words = entry.get("outcomes", {}).get(outcome.name)
    assert words and words.get("summary"), f"{outcome.check_id}.{outcome.name} has no summary"
    if outcome.status in (Status.WARN, Status.FAIL, Status.ERROR):
        assert words.get("remediation"), f"{outcome.check_id}.{outcome.name} needs a remediation"


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("outcome", OUTCOMES, ids=lambda o: f"{o.check_id}.{o.name}")
def test_templates_use_declared_params_only(outcome: Outcome, lang: str) -> None:
    words = catalogue(lang)["checks"].get(outcome.check_id, {}).get("outcomes", {}).get(outcome.name, {})
    for field in ("summary", "remediation"):
        if words.get(field):
            unknown = template_fields(words[field]) - set(outcome.params)
            assert not unknown, f"{lang}: {outcome.check_id}.{outcome.name}.{field} uses {unknown}"


def test_catalogue_has_no_orphans() -> None:
    declared = {(o.check_id, o.name) for o in OUTCOMES}
    for check_id, entry in catalogue("en")["checks"].items():
        for name in entry.get("outcomes", {}):
            assert (check_id, name) in declared, f"catalogue has words for undeclared {check_id}.{name}"


def test_outcome_rejects_wrong_params() -> None:
    with pytest.raises(TypeError):
        preflight.runner.FAMILY_CRASHED("x", family="y")


def test_every_check_id_is_documented_in_readme() -> None:
    from pathlib import Path

    readme = Path(__file__).resolve().parent.parent / "README.md"
    if not readme.is_file():
        pytest.skip("README not available (not a source checkout)")
    text = readme.read_text(encoding="utf-8")
    missing = sorted({o.check_id for o in OUTCOMES if f"`{o.check_id}`" not in text})
    assert not missing, f"check ids missing from README: {missing}"
