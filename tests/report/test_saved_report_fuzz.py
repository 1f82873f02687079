"""Saved reports are hostile input: any mutation of a real report exits 0, 1 (diff) or 2, never 4.

Given a real saved report with every section (results, blocklists, reputation, SMTP, partners,
inventory, comparison), when any node is replaced by null, a number, a string, a list or an
object, or the text is truncated, nested very deeply or given a huge number, then ``render``,
``diff`` and ``history`` (the installed CLI, in-process) end with one line and exit 0/1/2, never
an internal error or a traceback. The hand-rolled validator agrees with ``jsonschema`` on the
committed schema for every mutation (both its compiled check and its keyword walk).
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from preflight.cli import app
from preflight.errors import UsageError
from preflight.report import loader

SAMPLE = Path(__file__).parent / "samples" / "full_report.json"
EXAMPLES = 500 if os.environ.get("CI") else 60

Path_ = tuple[Any, ...]


def _paths(node: Any, prefix: Path_ = ()) -> list[Path_]:
    out = [prefix]
    if isinstance(node, dict):
        for key, value in node.items():
            out += _paths(value, (*prefix, key))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            out += _paths(value, (*prefix, i))
    return out


BASE: dict[str, Any] = json.loads(SAMPLE.read_text(encoding="utf-8"))
PATHS = _paths(BASE)

scalars = st.one_of(
    st.none(), st.booleans(), st.integers(-10**6, 10**6), st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=30), st.sampled_from(["pass", "fail", "error", "listed", "new", "-1", "", "\x1b[31m"]),
)
values = st.recursive(scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=8), inner, max_size=3)), max_leaves=6)


def _replace(data: Any, path: Path_, value: Any) -> Any:
    if not path:
        return value
    copy = dict(data) if isinstance(data, dict) else list(data)
    copy[path[0]] = _replace(data[path[0]], path[1:], value)  # type: ignore[index]
    return copy


MARK = "\u2063HOSTILE\u2063"
SAME_TYPE: dict[type, st.SearchStrategy[Any]] = {
    str: st.one_of(st.text(max_size=40), st.sampled_from(
        ["", "\x1b[2J\x1b]8;;http://x/\x07", "<script>alert(1)</script>", "{{ 7*7 }}", "a" * 5000,
         "[]", '[{"key": "x", "params": {"lang": "ja"}}]', "\u202eevil", "%s %(x)s {0}"])),
    int: st.integers(-10**39, 10**39),
    float: st.floats(allow_nan=False, allow_infinity=False),
    bool: st.booleans(),
}


def _get(data: Any, path: Path_) -> Any:
    for step in path:
        data = data[step]
    return data


@st.composite
def mutated(draw: st.DrawFn) -> str:
    """Report text with one hostile change."""
    kind = draw(st.sampled_from(["replace", "replace", "same-type", "same-type", "delete", "truncate", "deep",
                                 "huge"]))
    path = draw(st.sampled_from(PATHS))
    if kind == "same-type":  # still schema-valid (mostly): stresses the renderers, not the validator
        old = _get(BASE, path)
        new = draw(SAME_TYPE.get(type(old), values))
        return json.dumps(_replace(BASE, path, new), ensure_ascii=False)
    if kind == "replace":
        return json.dumps(_replace(BASE, path, draw(values)), ensure_ascii=False)
    if kind == "delete" and path:
        parent = BASE
        for step in path[:-1]:
            parent = parent[step]
        trimmed = dict(parent) if isinstance(parent, dict) else list(parent)
        del trimmed[path[-1]]  # type: ignore[arg-type]
        return json.dumps(_replace(BASE, path[:-1], trimmed), ensure_ascii=False)
    text = json.dumps(_replace(BASE, path, MARK), ensure_ascii=False)
    if kind == "truncate":
        return text[: draw(st.integers(0, len(text) - 1))]
    if kind == "deep":
        depth = draw(st.sampled_from([65, 1100, 5000]))
        return text.replace(json.dumps(MARK), "[" * depth + "1" + "]" * depth)
    return text.replace(json.dumps(MARK), "9" * draw(st.sampled_from([41, 4301, 10000])))


def _run(args: list[str]) -> tuple[int, str]:
    result = CliRunner().invoke(app, args, catch_exceptions=True)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise AssertionError(f"{args[0]} raised {result.exception!r}") from result.exception
    return result.exit_code, result.output


@settings(max_examples=EXAMPLES, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(text=mutated())
def test_render_diff_history_survive_any_mutation(text: str, tmp_path: Path) -> None:
    # Given a mutated copy of a real saved report
    report = tmp_path / "report.json"
    report.write_text(text, encoding="utf-8")
    # When it is rendered, compared and put into a history
    outcomes = {
        "render": _run(["render", str(report), "--html", str(tmp_path / "r.html"),
                        "--markdown", str(tmp_path / "r.md"), "--json", str(tmp_path / "r.json")]),
        "diff": _run(["diff", str(SAMPLE), str(report), "--json", str(tmp_path / "d.json")]),
        "diff-reverse": _run(["diff", str(report), str(SAMPLE)]),
        "history": _run(["history", str(SAMPLE), str(report), "--html", str(tmp_path / "h.html")]),
    }
    # Then every command ends normally or with one line and exit 2
    for name, (code, output) in outcomes.items():
        allowed = (0, 1, 2, 3) if name.startswith("diff") else (0, 2)  # diff: 3 = could not recheck
        assert code in allowed, f"{name}: exit {code}: {output[-500:]}"
        assert "Traceback" not in output and "internal error" not in output, output[-500:]
        if code == 2:
            errors = [line for line in output.splitlines() if line.startswith("preflight: error:")]
            assert len(errors) == 1, output[-500:]
    # And the file fails validation exactly when render refuses it
    assert (outcomes["render"][0] == 2) == _invalid(text)


def _invalid(text: str) -> bool:
    try:
        loader.validate(loader.parse(text, "r"), "r")
    except UsageError:
        return True
    return False


# "integer" in the committed schema means what preflight writes: a JSON integer literal. JSON
# Schema also lets a number with a zero fraction (0.0) pass as an integer; the hand validator
# refuses it (stricter is safe: a saved report with "score": 0.0 was not written by preflight).
_Reference = jsonschema.validators.extend(
    jsonschema.Draft202012Validator,
    type_checker=jsonschema.Draft202012Validator.TYPE_CHECKER.redefine(
        "integer", lambda _checker, value: isinstance(value, int) and not isinstance(value, bool)),
)


def test_an_integral_float_is_not_an_integer() -> None:
    # Given a real report whose integer field holds 0.0 (hypothesis found this one)
    path = ("partners", "entries", 1, "postscreen", "score")
    assert isinstance(_get(BASE, path), int)
    data = _replace(BASE, path, 0.0)
    # Then both refuse it
    assert not _Reference(loader.schema()).is_valid(data)
    with pytest.raises(ValueError):
        loader.validator().validate(data)


@settings(max_examples=EXAMPLES, deadline=None)
@given(path=st.sampled_from(PATHS), value=values)
def test_hand_validator_agrees_with_jsonschema(path: Path_, value: Any) -> None:
    # Given any one-node change of a real report
    data = _replace(BASE, path, value)
    # Then our validator and jsonschema agree on whether it matches the committed schema
    reference = _Reference(loader.schema()).is_valid(data)
    try:
        loader.validator().validate(data)
        ours = True
    except ValueError:
        ours = False
    assert ours == reference, f"{path}: ours={ours} jsonschema={reference}"
    # And so do its two walks: the compiled closures and the keyword walk that names a mismatch
    try:
        loader.validator().explain(data)
        walked = True
    except ValueError:
        walked = False
    assert loader.validator().is_valid(data) == walked == reference, f"{path}: compiled and walked disagree"


def test_the_sample_and_the_schema_are_what_jsonschema_says() -> None:
    jsonschema.Draft202012Validator.check_schema(loader.schema())
    jsonschema.validate(BASE, loader.schema())
    for section in ("inventory", "comparison", "partners", "smtp", "reputation", "blocklists", "old_ips"):
        assert section in BASE, section


@pytest.mark.parametrize(("mutation", "message"), [
    (lambda d: d.update(counts=None), "report.json: counts: expected object, got null"),
    (lambda d: d["target"].update(ips=None), "report.json: target.ips: expected array, got null"),
    (lambda d: d.update(tool=None), "report.json: tool: expected object, got null"),
    (lambda d: d.update(smtp=1), "report.json: smtp: expected object, got integer"),
    (lambda d: d.update(inventory=1), "report.json: inventory: expected object, got integer"),
    (lambda d: d.update(history=1), "report.json: history: expected object, got integer"),
    (lambda d: d["results"][0].update(evidence=["x"]), "report.json: results[0].evidence[0]: expected object"),
    (lambda d: d["partners"]["summary"].update(partners="x"), "partners.summary.partners: expected integer"),
    (lambda d: d["comparison"].update(changes={}), "comparison.changes: expected array, got object"),
    (lambda d: d["resolver"].update(nameservers=[1]), "resolver.nameservers[0]: expected string"),
    (lambda d: d["old_ips"][0].update(ip=None), "old_ips[0].ip: expected string, got null"),
    (lambda d: d.update(schema_version="2.0.0"), "written by a newer preflight"),
    (lambda d: d.update(schema_version="0.9.0"), "no longer reads"),
    (lambda d: d.update(schema_version=1), "schema_version: expected string"),
])
def test_a_bad_field_is_named(mutation: Any, message: str, tmp_path: Path) -> None:
    data = json.loads(SAMPLE.read_text(encoding="utf-8"))
    mutation(data)
    report = tmp_path / "report.json"
    report.write_text(json.dumps(data), encoding="utf-8")
    code, output = _run(["render", str(report), "--html", str(tmp_path / "x.html")])
    assert code == 2
    assert message.replace("report.json", str(report)) in output
    assert not (tmp_path / "x.html").exists()


@pytest.mark.parametrize("version", ["1.0.0", "1.7.3"])
def test_every_1x_version_is_read(version: str, tmp_path: Path) -> None:
    # 1.0.0 is the oldest this preflight reads; a later minor only adds sections (semver)
    data = json.loads(SAMPLE.read_text(encoding="utf-8"))
    data["schema_version"] = version
    report = tmp_path / "report.json"
    report.write_text(json.dumps(data), encoding="utf-8")
    assert _run(["render", str(report), "--html", str(tmp_path / "x.html")])[0] == 0


@pytest.mark.parametrize("coded", [
    "[" * 5000 + "]" * 5000,
    json.dumps([{"key": "blocklist_role_sending", "params": {"x": [{"key": "k", "params": {"x": []}}]}}]) * 1,
    "[" + "9" * 5000 + "]",
    '[{"key": "x", "params": ' + '{"p": [' * 400 + "]}" * 400 + "}]",
])
def test_nested_coded_text_falls_back_to_the_stored_words(coded: str, tmp_path: Path) -> None:
    # Given a result whose coded text (a JSON string inside params) is nested or huge
    data = json.loads(SAMPLE.read_text(encoding="utf-8"))
    result = next(r for r in data["results"] if "roles_i18n" in r["params"])
    result["params"]["roles_i18n"] = coded
    row = next(r for r in data["blocklists"] if "meaning_i18n" in r)
    row["meaning_i18n"] = coded
    report = tmp_path / "report.json"
    report.write_text(json.dumps(data), encoding="utf-8")
    # Then it renders in either language, with the stored words where the code cannot be read
    for lang in ("en", "ja"):
        code, output = _run(["render", str(report), "--lang", lang, "--html", str(tmp_path / "x.html")])
        assert code == 0, output
