"""Walk every declared outcome: ids unique and well formed, words present, params in step."""

from __future__ import annotations

import importlib
import pkgutil
import re

import pytest

import preflight
import preflight.engine
from preflight.i18n.messages import LANGUAGES, catalogue
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
        preflight.engine.FAMILY_CRASHED("x", family="y")


def test_every_check_id_is_documented_in_readme() -> None:
    from pathlib import Path

    readme = Path(__file__).resolve().parent.parent / "README.md"
    if not readme.is_file():
        pytest.skip("README not available (not a source checkout)")
    text = readme.read_text(encoding="utf-8")
    missing = sorted({o.check_id for o in OUTCOMES if f"`{o.check_id}`" not in text})
    assert not missing, f"check ids missing from README: {missing}"


# -- every language has every message (issue #8) -------------------------------------------------

TRANSLATIONS = [lang for lang in LANGUAGES if lang != "en"]
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uff00-\uffef]")
_TERM = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 .\-/]*$")


def _messages(lang: str) -> dict[str, str]:
    """Every text of a language's catalogue, by dotted key (checks.<id>.outcomes.<name>.summary, ui.<key>)."""
    flat: dict[str, str] = {}

    def walk(node: object, path: str) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                walk(value, f"{path}.{key}" if path else str(key))
        else:
            flat[path] = str(node)

    walk(catalogue(lang), "")
    return flat


def _locale_files(lang: str) -> dict[str, dict]:
    import sys
    from importlib import resources

    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover
        import tomli as tomllib

    folder = resources.files("preflight") / "locales" / lang
    return {item.name: tomllib.loads(item.read_text(encoding="utf-8"))
            for item in folder.iterdir() if item.name.endswith(".toml")} if folder.is_dir() else {}


@pytest.mark.parametrize("lang", TRANSLATIONS)
def test_every_message_has_a_translation(lang: str) -> None:
    # Given the English catalogue as the reference, every key must have a non-empty text in lang.
    english, other = _messages("en"), _messages(lang)
    missing = sorted(key for key in english if not other.get(key, "").strip())
    assert not missing, f"{len(missing)} messages have no {lang} text, e.g. {missing[:15]}"


@pytest.mark.parametrize("lang", TRANSLATIONS)
def test_translation_has_no_orphans(lang: str) -> None:
    extra = sorted(set(_messages(lang)) - set(_messages("en")))
    assert not extra, f"{lang} has texts for keys English does not have: {extra[:15]}"


@pytest.mark.parametrize("lang", TRANSLATIONS)
def test_translation_uses_the_same_placeholders(lang: str) -> None:
    english, other = _messages("en"), _messages(lang)
    differ = [f"{key}: en {sorted(template_fields(english[key]))} vs {lang} {sorted(template_fields(other[key]))}"
              for key in sorted(set(english) & set(other))
              if template_fields(english[key]) != template_fields(other[key])]
    assert not differ, "\n".join(differ)


@pytest.mark.parametrize("lang", TRANSLATIONS)
def test_translation_files_mirror_english(lang: str) -> None:
    # Each family keeps its words in one file per language: locales/ja/smtp.toml mirrors en/smtp.toml.
    english, other = _locale_files("en"), _locale_files(lang)
    assert sorted(other) == sorted(english), f"locales/{lang}/ must have the files of locales/en/"
    for name, data in english.items():
        for table in ("checks", "ui"):
            assert sorted(other[name].get(table, {})) == sorted(data.get(table, {})), \
                f"locales/{lang}/{name}: [{table}] keys differ from locales/en/{name}"


def test_japanese_texts_are_japanese() -> None:
    # A text without any Japanese character is an untranslated copy — unless it is a bare
    # technical term (TLS, PTR, SHA-256) that stays in Latin letters in Japanese too.
    english, japanese = _messages("en"), _messages("ja")
    untranslated = [key for key, text in japanese.items()
                    if not _CJK.search(text) and not (text == english.get(key) and _TERM.match(text)
                                                      and len(text) <= 12)]
    assert not untranslated, f"ja texts that look untranslated: {untranslated[:15]}"


@pytest.mark.parametrize("outcome", ["found", "found_large", "partial"])
def test_one_partner_address_reads_right(outcome: str) -> None:
    # A partner with a single mail server is common: "1 sending addresses" reads as a mistake
    from preflight.i18n.messages import result_text

    params = {"domain": "partner.example", "count": "1", "mx": "1", "spf": "1",
              "senders": "Google", "reason": "timeout"}
    summary = result_text("partners.domain", outcome, params, "en").summary
    assert "1 sending addresses" not in summary and ": 1" in summary
