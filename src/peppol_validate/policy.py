"""Acceptance policy: decide accept/reject on top of the technical verdict (KoSIT-style separation).

The verdict (valid / invalid / not_validated) is the technical fact and is never changed here. A
:class:`Policy` maps rule ids to an action:

* ``ignore`` — the finding moves to ``DocumentReport.suppressed`` (``policy="ignore"``);
* ``warn``   — the finding stays, with severity ``warning`` (``policy="warn"``);
* ``reject`` — the finding stays, with severity at least ``error`` (``policy="reject"``).

Then the report's ``decision`` is ``reject`` when the document could not be validated (a policy cannot accept
what was not checked) or when a remaining finding is at or above the ``fail_on`` threshold, else ``accept``.

Rule ids match exactly or, with a trailing ``*``, by prefix (``"UBL-CR-*"``). An exact id wins over any
wildcard; among wildcards the longest prefix wins.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Literal, TypeAlias, cast, get_args

from .errors import ConfigError
from .model import DocumentReport, Finding, Report, Severity, Verdict

__all__ = ["ACTIONS", "FAIL_ON", "Action", "FailOn", "Policy", "Rule", "threshold"]

#: What a policy can do with a finding.
Action: TypeAlias = Literal["reject", "warn", "ignore"]
#: The lowest severity that makes the decision ``reject``.
FailOn: TypeAlias = Literal["error", "warning"]

ACTIONS: tuple[str, ...] = get_args(Action)
FAIL_ON: tuple[str, ...] = get_args(FailOn)

ACCEPT = "accept"
REJECT = "reject"


def threshold(fail_on: str) -> int:
    """The severity rank at or above which a finding rejects the document (error: 2, warning: 1)."""
    if fail_on not in FAIL_ON:
        raise ConfigError(f"fail-on must be one of {', '.join(FAIL_ON)}, got {fail_on!r}")
    return Severity(fail_on).rank


@dataclass(frozen=True)
class Rule:
    """What to do with the findings of one rule id (or wildcard): the action and why."""

    action: Action
    reason: str | None = None

    def __post_init__(self) -> None:
        if self.action not in ACTIONS:
            raise ConfigError(f"policy action must be one of {', '.join(ACTIONS)}, got {self.action!r}")
        if self.reason is not None and not isinstance(self.reason, str):
            raise ConfigError(f"policy reason must be a string, got {self.reason!r}")


def _check_rule_id(rule_id: object) -> str:
    if not isinstance(rule_id, str) or not rule_id.strip() or rule_id != rule_id.strip():
        raise ConfigError(f"policy rule id must be a non-empty string without surrounding spaces, got {rule_id!r}")
    if "*" in rule_id[:-1]:
        raise ConfigError(f"policy rule id {rule_id!r}: '*' is only allowed at the end (a prefix wildcard)")
    return rule_id


@dataclass(frozen=True)
class Policy:
    """Rule id (or ``PREFIX*`` wildcard) → :class:`Rule`; :meth:`apply` turns a report into a decision."""

    rules: Mapping[str, Rule] = field(default_factory=dict)
    _exact: Mapping[str, Rule] = field(init=False, repr=False, compare=False)
    _prefixes: tuple[tuple[str, Rule], ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        rules = {_check_rule_id(k): v for k, v in dict(self.rules).items()}
        for rule_id, rule in rules.items():
            if not isinstance(rule, Rule):
                raise ConfigError(f"policy rule {rule_id!r} must be a Rule, got {rule!r}")
        object.__setattr__(self, "rules", MappingProxyType(rules))
        object.__setattr__(self, "_exact", {k: v for k, v in rules.items() if not k.endswith("*")})
        prefixes = sorted(((k[:-1], v) for k, v in rules.items() if k.endswith("*")), key=lambda kv: -len(kv[0]))
        object.__setattr__(self, "_prefixes", tuple(prefixes))

    def __hash__(self) -> int:
        return hash(frozenset(self.rules.items()))

    def __bool__(self) -> bool:
        return bool(self.rules)

    @classmethod
    def empty(cls) -> Policy:
        """A policy without rules: findings keep their severity; only the decision is added."""
        return cls({})

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any], *, source: str | None = None) -> Policy:
        """Build a policy from its TOML/JSON form: ``{"ID": "ignore" | {"action": ..., "reason": ...}}``.

        Raises ConfigError naming ``source`` (e.g. ``"pyproject.toml: [tool.peppol-validate.policy]"``),
        the rule id and the problem.
        """
        where = f"{source}: " if source else ""
        if not isinstance(data, Mapping):
            raise ConfigError(f"{where}policy must be a table of rule id = action, got {type(data).__name__}")
        rules: dict[str, Rule] = {}
        for rule_id, value in data.items():
            try:
                _check_rule_id(rule_id)
                rules[rule_id] = _rule_from(value)
            except ConfigError as exc:
                raise ConfigError(f"{where}policy rule {rule_id!r}: {exc.message}") from None
        return cls(rules)

    def rule_for(self, rule_id: str) -> Rule | None:
        """The rule that applies to ``rule_id``: an exact entry, else the longest matching wildcard, else None."""
        exact = self._exact.get(rule_id)
        if exact is not None:
            return exact
        for prefix, rule in self._prefixes:
            if rule_id.startswith(prefix):
                return rule
        return None

    def apply(self, doc: DocumentReport, *, fail_on: str = "error") -> DocumentReport:
        """A deep copy of ``doc`` with the policy applied to its findings and ``decision`` set; verdict unchanged."""
        limit = threshold(fail_on)
        out = doc.model_copy(deep=True)
        kept: list[Finding] = []
        for finding in out.findings:
            rule = self.rule_for(finding.rule_id)
            if rule is None:
                kept.append(finding)
                continue
            finding.policy = rule.action
            finding.policy_reason = rule.reason
            if rule.action == "ignore":
                out.suppressed.append(finding)
                continue
            if rule.action == "warn":
                finding.severity = Severity.WARNING
            elif finding.severity.rank < Severity.ERROR.rank:
                finding.severity = Severity.ERROR
            kept.append(finding)
        out.findings = kept
        rejected = out.verdict is Verdict.NOT_VALIDATED or any(f.severity.rank >= limit for f in kept)
        out.decision = REJECT if rejected else ACCEPT
        return out

    def apply_report(self, report: Report, *, fail_on: str = "error") -> Report:
        """A copy of ``report`` with :meth:`apply` run on every document."""
        threshold(fail_on)
        out = report.model_copy()
        out.documents = [self.apply(d, fail_on=fail_on) for d in report.documents]
        return out


def _rule_from(value: object) -> Rule:
    if isinstance(value, str):
        return Rule(action=_action(value))
    if isinstance(value, Mapping):
        unknown = sorted(set(value) - {"action", "reason"})
        if unknown:
            raise ConfigError(f"unknown key(s) {', '.join(map(repr, unknown))} (allowed: action, reason)")
        if "action" not in value:
            raise ConfigError("missing 'action' (one of reject, warn, ignore)")
        reason = value.get("reason")
        if reason is not None and not isinstance(reason, str):
            raise ConfigError(f"'reason' must be a string, got {reason!r}")
        return Rule(action=_action(value["action"]), reason=reason or None)
    raise ConfigError(f"must be an action string or a table {{ action = ..., reason = ... }}, got {value!r}")


def _action(value: object) -> Action:
    if not isinstance(value, str) or value not in ACTIONS:
        raise ConfigError(f"action must be one of {', '.join(ACTIONS)}, got {value!r}")
    return cast(Action, value)
