"""Japanese reports carry no English sentence of ours from the record readers (SPF grammar, DMARC
discards, DKIM key problems), the families built on them, or dkimpy/checkdmarc/pyspf messages
unlabelled: our words come from ``locales/*/rfc.toml``; a library's message is quoted as its own.
"""

from __future__ import annotations

from preflight.checks.dkim.family import DkimFacts
from preflight.checks.dkim.family import evaluate as dkim_evaluate
from preflight.checks.dmarc.family import DmarcFacts
from preflight.checks.dmarc.family import evaluate as dmarc_evaluate
from preflight.checks.message.evaluate import _dkim_result
from preflight.checks.message.verify import verify_signature
from preflight.checks.mta_sts.collect import MtaStsFacts
from preflight.checks.mta_sts.evaluate import evaluate as mta_sts_evaluate
from preflight.checks.server.evaluate_dkim import spki_from_record
from preflight.checks.spf.family import SpfFacts
from preflight.checks.spf.family import evaluate as spf_evaluate
from preflight.checks.tls_rpt import evaluate as tls_rpt_evaluate
from preflight.i18n.messages import render_coded, result_text
from preflight.i18n.problems import words
from preflight.model import CheckResult
from preflight.net.dns import DnsAnswer, DnsClient
from preflight.rfc.problems import RecordError, problem
from report.english_words import english_phrases

LIBRARY_LABEL = "英語原文"


def _txt(name: str, *records: str) -> DnsAnswer:
    return DnsAnswer(name, "TXT", records, 300, "127.0.0.1:53",
                     raw=tuple(r.encode() for r in records))


def _results(dns_client: DnsClient) -> list[CheckResult]:
    out: list[CheckResult] = []
    # SPF: a grammar problem in the record, and one in an include target
    for record in ("v=spf1 ip4:192.0.2.1/33 -all", "v=spf1 a:%{c}.example.com -all", "v=spf1 bogus:x -all"):
        out += spf_evaluate(SpfFacts("example.com", _txt("example.com", record), (record,), raw=record.encode()))
    chain = problem("rfc_spf_in_target", target="_spf.example.net",
                    problem=problem("rfc_spf_term", term="'ip4:10.0.0.0/40'",
                                    problem=problem("rfc_spf_bad_prefix", length="40")))
    out += spf_evaluate(SpfFacts("example.com", _txt("example.com", "v=spf1 include:_spf.example.net -all"),
                                 ("v=spf1 include:_spf.example.net -all",), None, None, 1, 0, (), None, chain))
    out += spf_evaluate(SpfFacts("example.com", _txt("example.com", "v=spf1 -all"), ("v=spf1 -all",),
                                 "example.com has too many DNS lookups", "lookups"))
    # DMARC: values RFC 7489 discards, checkdmarc's warning, and a record receivers ignore
    noisy = "v=DMARC1; p=reject; pct=abc; sp=bogus; adkim=x; rua=notauri,mailto:d@; p=none; junk"
    out += dmarc_evaluate(DmarcFacts("example.com", (_txt("_dmarc.example.com", noisy),), "example.com",
                                     (noisy,), (), ("a checkdmarc remark about the record",)))
    for bad in ("v=DMARC1; p=bogus", "v=DMARC1; adkim=s"):
        out += dmarc_evaluate(DmarcFacts("example.com", (_txt("_dmarc.example.com", bad),), "example.com", (bad,)))
    # DKIM: unusable key records, one alone and two at one selector
    name = "s1._domainkey.example.com"
    for records in (("v=DKIM1; p=!!!!",), ("v=DKIM1; k=ed25519; p=AAAA",), ("v=DKIM1; p=", "v=DKIM1; garbage; p=AAAA")):
        out.append(dkim_evaluate(DkimFacts("example.com", "s1", _txt(name, *records))))
    # message.dkim: dkimpy refuses a malformed signature (its words, quoted)
    message = (b"DKIM-Signature: v=1; a=rsa-sha256; d=example.com; s=s1; q=bogus; h=from; bh=AAAA; b=AAAA\r\n"
               b"From: a@example.com\r\n\r\nbody\r\n")
    out.append(_dkim_result("message.eml", verify_signature(dns_client, message, 0)))
    # TLS-RPT and MTA-STS records checkdmarc refuses (its words, quoted)
    out.append(tls_rpt_evaluate("example.com", _txt("_smtp._tls.example.com", "v=TLSRPTv1; rua=notauri")))
    mx = DnsAnswer("example.com", "MX", ("10 mx.example.com",), 300, "127.0.0.1:53")
    facts = MtaStsFacts("example.com", _txt("_mta-sts.example.com", "v=STSv1; idx=1"), mx, "mta-sts.example.com")
    out += mta_sts_evaluate(facts, hostname=None)[0]
    return out


def _page(results: list[CheckResult], lang: str) -> tuple[str, tuple[str, ...]]:
    """The results' words in ``lang`` as HTML, and the values that are not ours (records, library text)."""
    lines, values = [], []
    for r in results:
        params = dict(r.params)
        text = result_text(r.check_id, r.outcome, params, lang)
        lines += [text.summary, text.remediation or ""]
        for e in r.evidence:
            if e.value_i18n:
                lines.append(render_coded(e.value_i18n, lang))
            else:
                values.append(e.value)  # observed: the record as published, the library's message
        for key, value in params.items():
            if key.endswith("_i18n") and "quoted_library" in value:
                values.append(params[key[: -len("_i18n")]])
        values += [v for k, v in params.items() if k in ("record", "records")]
    return "".join(f"<p>{line}</p>" for line in lines), tuple(values)


def test_record_problems_read_in_japanese(dns_client: DnsClient) -> None:
    results = _results(dns_client)
    outcomes = {(r.check_id, r.outcome) for r in results}
    assert {("spf.record", "invalid"), ("spf.lookups", "too_many"), ("dmarc.advice", "warnings"),
            ("dmarc.record", "invalid"), ("dkim.key", "invalid"), ("dkim.key", "ambiguous"),
            ("message.dkim", "malformed"), ("tls_rpt.record", "invalid"), ("mta_sts.record", "invalid")} <= outcomes
    page, values = _page(results, "ja")
    # Given the Japanese words of every such result, no English phrase of ours is left
    # (not ours: the libraries' names, and words quoted from the published records)
    quoted = ("checkdmarc", "dkimpy", "'bogus'", "'garbage'", "'junk'", "notauri", "include")
    left = english_phrases(page, exclude=values + quoted)
    assert not left, "; ".join(sorted(left))
    assert "プレフィックス長 /33 が不正です" in page and "exp= の説明文でのみ" in page
    assert "pct=abc は 0～100 の範囲外" in page and "p= が正しい Base64 ではありません" in page


def test_library_messages_are_quoted_as_theirs(dns_client: DnsClient) -> None:
    results = _results(dns_client)
    quoted = [r for r in results if any("quoted_library" in v for k, v in r.params.items() if k.endswith("_i18n"))]
    assert {r.check_id for r in quoted} >= {"spf.lookups", "dmarc.advice", "message.dkim", "tls_rpt.record",
                                            "mta_sts.record"}
    for r in quoted:
        ja = result_text(r.check_id, r.outcome, dict(r.params), "ja").summary
        en = result_text(r.check_id, r.outcome, dict(r.params)).summary
        assert LIBRARY_LABEL in ja, ja
        assert " says: " in en and LIBRARY_LABEL not in en, en


def test_english_reads_as_before(dns_client: DnsClient) -> None:
    page, _ = _page(_results(dns_client), "en")
    for fragment in ("'ip4:192.0.2.1/33': bad prefix length /33 (RFC 7208 §5.6)",
                     "macro %{c} is allowed only in exp= text (RFC 7208 §7.2)",
                     "_spf.example.net: 'ip4:10.0.0.0/40': bad prefix length /40 (RFC 7208 §5.6)",
                     "pct=abc is not 0-100; the default 100 applies (RFC 7489 §6.3)",
                     "p=bogus is not none, quarantine or reject (RFC 7489 §6.3, §6.6.3)",
                     "no p= tag (RFC 7489 §6.3, §6.6.3)", "p= is not valid base64",
                     "unusable: tag without '=': 'garbage'", "revoked (empty p=)"):
        assert fragment in page, fragment


def test_server_dkim_reader_names_its_problem() -> None:
    for record, english in (("v=DKIM1; p=", "the key is revoked (empty p=)"), ("v=DKIM1; p=!!", "p= is not valid base64"),
                            ("v=DKIM1; k=ed25519; p=AAAA", "ed25519 key must be 32 bytes, found 3")):
        try:
            spki_from_record(record)
        except RecordError as exc:
            assert words(exc.problem) == english
            assert "鍵" in words(exc.problem, "ja") or "Base64" in words(exc.problem, "ja")
        else:  # pragma: no cover - the record is unusable
            raise AssertionError(record)


def test_a_nested_problem_reads_as_japanese_sentences() -> None:
    # Given a DMARC record receivers ignore, its nested problem ends in a full sentence
    # ("…ありません"): the outer words must not glue 「のため」 onto it (「ありませんのため」)
    for inner in (problem("rfc_dmarc_no_policy"), problem("rfc_dmarc_bad_policy", value="bogus")):
        for outer in ("rfc_dmarc_no_dmarc", "rfc_dmarc_acts_as_none"):
            ja = words(problem(outer, problem=inner), "ja")
            assert "ませんのため" not in ja and "ませんため" not in ja, ja
            assert "ません。" in ja, ja
