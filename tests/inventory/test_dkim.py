"""OpenDKIM and rspamd signer configuration."""

from __future__ import annotations

from pathlib import Path

import pytest

from preflight.inventory.dkim import (
    Dataset,
    DkimKey,
    opendkim_keys,
    parse_keytable,
    parse_opendkim_conf,
    parse_rspamd_dkim_signing,
    parse_signingtable,
)

SAMPLES = Path(__file__).parent / "samples"


def test_opendkim_conf_sample() -> None:
    conf = parse_opendkim_conf((SAMPLES / "opendkim.conf").read_text())
    assert conf.key_table == Dataset("refile", "/etc/opendkim/KeyTable")
    assert conf.signing_table == Dataset("refile", "/etc/opendkim/SigningTable")
    assert (conf.selector, conf.key_file, conf.mode, conf.socket) == (
        "default",
        "/etc/opendkim/keys/default.private",
        "sv",
        "inet:8891@localhost",
    )
    assert conf.domain is None  # commented out in the sample
    assert conf.signs
    assert conf.params["canonicalization"] == "relaxed/relaxed"


def test_keytable_and_signingtable_samples() -> None:
    keys = parse_keytable((SAMPLES / "opendkim-KeyTable").read_text())
    assert [(k.name, k.domain, k.selector, k.key_path) for k in keys] == [
        (
            "default._domainkey.example.com",
            "example.com",
            "default",
            "/etc/opendkim/keys/example.com/default.private",
        ),
        (
            "mail2019._domainkey.example.org",
            "example.org",
            "mail2019",
            "/etc/opendkim/keys/example.org/mail2019.private",
        ),
    ]
    table = parse_signingtable((SAMPLES / "opendkim-SigningTable").read_text())
    assert [(e.pattern, e.key_name) for e in table] == [
        ("*@example.com", "default._domainkey.example.com"),
        ("*@example.org", "mail2019._domainkey.example.org"),
    ]
    conf = parse_opendkim_conf((SAMPLES / "opendkim.conf").read_text())
    assert [(k.domain, k.selector, k.source) for k in opendkim_keys(conf, keys)] == [
        ("example.com", "default", "opendkim:KeyTable"),
        ("example.org", "mail2019", "opendkim:KeyTable"),
    ]


def test_single_key_mode_without_keytable() -> None:
    conf = parse_opendkim_conf(
        "Domain example.com, Example.net\nSelector s1\nKeyFile /k/s1.private\nMode s\n"
    )
    assert opendkim_keys(conf) == (
        DkimKey("example.com", "s1", "/k/s1.private", False, "opendkim:KeyFile"),
        DkimKey("example.net", "s1", "/k/s1.private", False, "opendkim:KeyFile"),
    )
    assert parse_opendkim_conf("Mode v").signs is False


@pytest.mark.parametrize(
    ("value", "kind", "location"),
    [
        ("refile:/etc/opendkim/SigningTable", "refile", "/etc/opendkim/SigningTable"),
        ("file:/etc/opendkim/KeyTable", "file", "/etc/opendkim/KeyTable"),
        ("/etc/opendkim/KeyTable", "file", "/etc/opendkim/KeyTable"),
        ("example.com,example.net", "csl", "example.com,example.net"),
        ("csl:a.example,b.example", "csl", "a.example,b.example"),
        (
            "dsn:mysql://dkim:s3cret@db.example/opendkim/table=keys",
            "dsn",
            "mysql://dkim:***@db.example/opendkim/table=keys",
        ),
    ],
)
def test_dataset_kinds(value: str, kind: str, location: str) -> None:
    assert Dataset.parse(value) == Dataset(kind, location)


def test_dsn_password_is_masked_everywhere() -> None:
    conf = parse_opendkim_conf("KeyTable dsn:mysql://u:hunter2@h/db/table=k\n")
    assert "hunter2" not in repr(conf)


def test_inline_key_material_is_not_kept() -> None:
    secret = "MIIEvQIBADANBgkqhkiG9w0BAQEFAASC" + "A" * 400
    keys = parse_keytable(
        f"k1 example.com:sel:{secret}\nk2 example.com:sel2:keys/relative.private\n"
    )
    assert (keys[0].key_path, keys[0].inline_key) == (None, True)
    assert (keys[1].key_path, keys[1].inline_key) == ("keys/relative.private", False)
    assert secret not in repr(keys)


@pytest.mark.parametrize(
    "line", ["onlyname", "name example.com", "name example.com:sel", "name :sel:/p", "# c"]
)
def test_keytable_garbage_lines_are_skipped(line: str) -> None:
    assert parse_keytable(line) == ()


def test_rspamd_sample() -> None:
    cfg = parse_rspamd_dkim_signing((SAMPLES / "rspamd-dkim_signing.conf").read_text())
    assert (cfg.selector, cfg.path) == ("dkim", "/var/lib/rspamd/dkim/$domain.$selector.key")
    assert cfg.selector_map == ""  # only inside a /* */ comment
    assert cfg.params["use_domain"] == "header"
    assert [(k.domain, k.selector, k.key_path) for k in cfg.domains] == [
        ("example.com", "mail2024", "/var/lib/rspamd/dkim/example.com.mail2024.key"),
        ("example.net", "rsa2024", "/var/lib/rspamd/dkim/example.net.rsa.key"),
        ("example.net", "ed2024", "/var/lib/rspamd/dkim/example.net.ed25519.key"),
        (
            "example.org",
            "legacy",
            "/var/lib/rspamd/dkim/example.org.legacy.key",
        ),  # defaults filled in
    ]


def test_rspamd_inline_key_is_not_kept() -> None:
    cfg = parse_rspamd_dkim_signing(
        'domain { a.example { selector = "s"; key = "-----BEGIN PRIVATE KEY-----\\nMIIE"; } }'
    )
    assert cfg.domains == (DkimKey("a.example", "s", None, True, "rspamd:domain"),)
    assert "MIIE" not in repr(cfg)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "selector = ;",
        "domain { example.com { selector = 's'",  # unterminated
        "}}}]]] ; ; = =",
        'domain = "not an object";',
        "domain { { { } } }",
        'dkim_signing { selector = "wrapped"; }',
    ],
)
def test_rspamd_tolerates_broken_files(text: str) -> None:
    parse_rspamd_dkim_signing(text)


def test_rspamd_override_wrapper_and_colon_syntax() -> None:
    cfg = parse_rspamd_dkim_signing('dkim_signing { "selector": "w"; path: /k/$domain.key; }')
    assert (cfg.selector, cfg.path) == ("w", "/k/$domain.key")
