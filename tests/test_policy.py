"""The acceptance policy: actions, wildcards, fail-on threshold, not_validated always rejected, no mutation."""

from __future__ import annotations

import pytest

from peppol_validate.errors import ConfigError
from peppol_validate.model import DocumentReport, Finding, LayerResult, LayerStatus, Report, Severity, Verdict
from peppol_validate.policy import Policy, Rule


def finding(rule_id: str, severity: Severity = Severity.FATAL) -> Finding:
    return Finding(rule_id=rule_id, severity=severity, layer="schematron", message=f"{rule_id} failed")


def report(*findings: Finding, verdict: Verdict | None = None) -> DocumentReport:
    layers = [LayerResult(layer="schematron", name="peppol", status=LayerStatus.PASSED)]
    if verdict is None:
        verdict = Verdict.INVALID if any(f.severity.rejects for f in findings) else Verdict.VALID
    return DocumentReport(path="a.xml", verdict=verdict, layers=layers, findings=list(findings))


def ids(findings: list[Finding]) -> list[str]:
    return [f.rule_id for f in findings]


def test_empty_policy_only_adds_the_decision() -> None:
    doc = report(finding("BR-CO-10"), finding("PEPPOL-EN16931-R008", Severity.WARNING))
    out = Policy.empty().apply(doc)
    assert out.decision == "reject"
    assert out.findings == doc.findings
    assert out.suppressed == []
    assert Policy.empty().apply(report(finding("X", Severity.WARNING))).decision == "accept"
    assert Policy.empty().apply(report()).decision == "accept"
    assert not Policy.empty()


def test_ignore_moves_the_finding_to_suppressed() -> None:
    policy = Policy({"NO-R-002": Rule("ignore", "not a Norwegian AS")})
    out = policy.apply(report(finding("NO-R-002"), finding("BR-01", Severity.WARNING)))
    assert ids(out.findings) == ["BR-01"]
    assert ids(out.suppressed) == ["NO-R-002"]
    (suppressed,) = out.suppressed
    assert suppressed.policy == "ignore"
    assert suppressed.policy_reason == "not a Norwegian AS"
    assert suppressed.severity is Severity.FATAL  # the technical severity is kept on the suppressed finding
    assert out.verdict is Verdict.INVALID  # the verdict is the technical fact
    assert out.decision == "accept"


def test_warn_downgrades_to_warning() -> None:
    policy = Policy({"PEPPOL-EN16931-R008": Rule("warn", "ERP emits empty elements")})
    out = policy.apply(report(finding("PEPPOL-EN16931-R008", Severity.FATAL)))
    (f,) = out.findings
    assert f.severity is Severity.WARNING
    assert (f.policy, f.policy_reason) == ("warn", "ERP emits empty elements")
    assert out.verdict is Verdict.INVALID
    assert out.decision == "accept"
    assert policy.apply(report(finding("PEPPOL-EN16931-R008")), fail_on="warning").decision == "reject"


def test_reject_raises_to_at_least_error() -> None:
    policy = Policy({"BR-CL-25": Rule("reject"), "BR-X": Rule("reject", "must never happen")})
    out = policy.apply(report(finding("BR-CL-25", Severity.WARNING), finding("BR-X", Severity.FATAL)))
    first, second = out.findings
    assert (first.severity, first.policy, first.policy_reason) == (Severity.ERROR, "reject", None)
    assert (second.severity, second.policy, second.policy_reason) == (Severity.FATAL, "reject", "must never happen")
    assert out.decision == "reject"
    warned = policy.apply(report(finding("BR-CL-25", Severity.WARNING)))
    assert warned.verdict is Verdict.VALID  # unchanged: the official rules only warned
    assert warned.decision == "reject"
    info = policy.apply(report(finding("BR-CL-25", Severity.INFO)))
    assert info.findings[0].severity is Severity.ERROR


def test_unmatched_findings_are_left_alone() -> None:
    policy = Policy({"BR-CL-25": Rule("ignore")})
    out = policy.apply(report(finding("BR-CO-10")))
    assert out.findings[0].policy is None
    assert out.findings[0].severity is Severity.FATAL
    assert out.decision == "reject"


def test_wildcards_and_exact_ids_win() -> None:
    policy = Policy(
        {
            "UBL-CR-*": Rule("ignore", "family"),
            "UBL-CR-5*": Rule("warn", "sub-family"),
            "UBL-CR-561": Rule("reject", "this one matters"),
        }
    )
    out = policy.apply(
        report(
            finding("UBL-CR-001", Severity.WARNING),
            finding("UBL-CR-512", Severity.FATAL),
            finding("UBL-CR-561", Severity.WARNING),
            finding("UBL-CR", Severity.WARNING),  # the prefix itself is not a match for "UBL-CR-*"
            finding("BR-CO-10", Severity.INFO),
        )
    )
    assert ids(out.suppressed) == ["UBL-CR-001"]
    by_id = {f.rule_id: f for f in out.findings}
    assert (by_id["UBL-CR-512"].severity, by_id["UBL-CR-512"].policy_reason) == (Severity.WARNING, "sub-family")
    assert (by_id["UBL-CR-561"].severity, by_id["UBL-CR-561"].policy) == (Severity.ERROR, "reject")
    assert by_id["UBL-CR"].policy is None
    assert by_id["BR-CO-10"].policy is None
    assert out.decision == "reject"
    assert policy.rule_for("UBL-CR-561") == Rule("reject", "this one matters")
    assert policy.rule_for("UBL-CR-5") == Rule("warn", "sub-family")
    assert policy.rule_for("BR-01") is None


def test_a_lone_star_matches_everything() -> None:
    out = Policy({"*": Rule("warn")}).apply(report(finding("BR-01"), finding("XSD-SCHEMAV_ELEMENT_CONTENT")))
    assert {f.severity for f in out.findings} == {Severity.WARNING}
    assert out.decision == "accept"


def test_fail_on_warning() -> None:
    doc = report(finding("BR-01", Severity.WARNING), finding("BR-02", Severity.INFO))
    assert Policy.empty().apply(doc, fail_on="error").decision == "accept"
    assert Policy.empty().apply(doc, fail_on="warning").decision == "reject"
    assert Policy.empty().apply(report(finding("BR-02", Severity.INFO)), fail_on="warning").decision == "accept"
    with pytest.raises(ConfigError, match="fail-on"):
        Policy.empty().apply(doc, fail_on="info")


def test_not_validated_is_always_rejected() -> None:
    doc = report(finding("NOT-VALIDATED"), verdict=Verdict.NOT_VALIDATED)
    everything_ignored = Policy({"*": Rule("ignore", "accept anything")})
    out = everything_ignored.apply(doc)
    assert out.findings == []
    assert out.verdict is Verdict.NOT_VALIDATED
    assert out.decision == "reject"
    assert Policy.empty().apply(report(verdict=Verdict.NOT_VALIDATED)).decision == "reject"


def test_the_original_report_is_untouched() -> None:
    doc = report(finding("A"), finding("B"), finding("C", Severity.WARNING))
    before = doc.model_dump()
    policy = Policy({"A": Rule("ignore"), "B": Rule("warn"), "C": Rule("reject")})
    out = policy.apply(doc)
    assert doc.model_dump() == before
    assert doc.decision is None
    assert out is not doc
    assert all(a is not b for a, b in zip(out.findings, doc.findings, strict=False))


def test_apply_report_applies_to_every_document() -> None:
    policy = Policy({"BR-01": Rule("warn")})
    whole = Report(documents=[report(finding("BR-01")), report(finding("BR-02"))])
    out = policy.apply_report(whole)
    assert [d.decision for d in out.documents] == ["accept", "reject"]
    assert [d.decision for d in whole.documents] == [None, None]


def test_from_mapping_reads_the_toml_forms() -> None:
    policy = Policy.from_mapping(
        {
            "PEPPOL-EN16931-R008": {"action": "warn", "reason": "fixed in Q1"},
            "NO-R-002": {"action": "ignore"},
            "BR-CL-25": "reject",
        },
        source="pyproject.toml",
    )
    assert policy.rules == {
        "PEPPOL-EN16931-R008": Rule("warn", "fixed in Q1"),
        "NO-R-002": Rule("ignore"),
        "BR-CL-25": Rule("reject"),
    }
    assert policy == Policy(dict(policy.rules))
    assert hash(policy) == hash(Policy(dict(policy.rules)))


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"BR-01": "drop"}, r"'BR-01'.*action must be one of reject, warn, ignore.*'drop'"),
        ({"BR-01": {"reason": "x"}}, r"'BR-01'.*missing 'action'"),
        ({"BR-01": {"action": "warn", "why": "x"}}, r"'BR-01'.*unknown key.*'why'"),
        ({"BR-01": {"action": "warn", "reason": 3}}, r"'BR-01'.*'reason' must be a string"),
        ({"BR-01": 1}, r"'BR-01'.*must be an action string or a table"),
        ({"BR-*-01": "warn"}, r"only allowed at the end"),
        ({"": "warn"}, r"non-empty"),
        ({" BR-01": "warn"}, r"surrounding spaces"),
    ],
)
def test_from_mapping_rejects_bad_entries(data: dict[str, object], message: str) -> None:
    with pytest.raises(ConfigError, match=message) as info:
        Policy.from_mapping(data, source="cfg.toml: [policy]")
    assert info.value.message.startswith("cfg.toml: [policy]: ")


def test_rule_checks_its_action() -> None:
    with pytest.raises(ConfigError):
        Rule("drop")  # type: ignore[arg-type]


def test_real_report(validator) -> None:  # type: ignore[no-untyped-def]
    """On a real validation: warning the two totals rules accepts the document, the verdict stays invalid."""
    from .conftest import CORPUS

    doc = validator.validate(CORPUS / "ubl" / "invalid" / "invoice-totals-mismatch.xml")
    assert doc.verdict is Verdict.INVALID
    assert Policy.empty().apply(doc).decision == "reject"
    out = Policy.from_mapping({"BR-CO-1*": {"action": "warn", "reason": "rounding in our ERP"}}).apply(doc)
    assert out.verdict is Verdict.INVALID
    assert out.decision == "accept"
    assert {f.rule_id for f in out.findings} >= {"BR-CO-10", "BR-CO-13"}
    assert {f.policy for f in out.findings} == {"warn"}
    assert out.model_dump(mode="json")["decision"] == "accept"
