"""Which rules a check reports, and at what severity (the CLI contract's rule choice).

Read once per run, then consulted once, by ``engine.finalize``; rules never
see it.  Sources, the later winning: ``.receipt-lint.yaml`` at the top level
(``ignore:`` and ``severity:``), then ``--select``/``--ignore``.  In diff mode
the file is read from the base tree: a change cannot switch off the rule it
breaks.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import TYPE_CHECKING, NamedTuple

from receipt_lint.findings import Finding, Severity, closest, quoted

if TYPE_CHECKING:
    from receipt_lint.tree import Tree

CONFIG_FILE = ".receipt-lint.yaml"


class ConfigError(Exception):
    """A bad rule choice: the message says where and what to do (exit 2)."""


class RuleChoice(NamedTuple):
    select: frozenset[str] | None = None  # None: every rule
    ignore: frozenset[str] = frozenset()
    severity: Mapping[str, Severity] = {}

    def apply(self, findings: Iterable[Finding]) -> Iterator[Finding]:
        for finding in findings:
            if finding.rule in self.ignore or (self.select is not None and finding.rule not in self.select):
                continue
            severity = self.severity.get(finding.rule)
            yield finding._replace(severity=severity) if severity else finding


def rule_ids(text: str, option: str) -> frozenset[str]:
    """``--select a,b`` -> {a, b}; an unknown id is a ConfigError naming the closest one."""
    ids = frozenset(part.strip() for part in text.split(",") if part.strip())
    for rule in sorted(ids):
        _known(rule, option)
    if not ids:
        raise ConfigError(f"{option} needs rule ids, e.g. {option} stage-mismatch,kep-status")
    return ids


def _known(rule: str, where: str) -> None:
    from receipt_lint.rules import RULES_BY_ID

    if rule not in RULES_BY_ID:
        close = closest(rule, list(RULES_BY_ID))
        hint = f"did you mean {quoted(close)}? " if close else ""
        raise ConfigError(f"{where}: no rule {quoted(rule)}: {hint}(`receipt-lint rules` lists them)")


def read_config(tree: Tree) -> RuleChoice:
    """The repository's ``.receipt-lint.yaml`` from ``tree`` (no file: every rule, default severities)."""
    from receipt_lint.models import RepoConfig
    from receipt_lint.snapshot import load_model

    loaded = load_model(tree, CONFIG_FILE, RepoConfig)
    if loaded.missing:
        return RuleChoice()
    where = CONFIG_FILE
    if loaded.syntax_error is not None:
        position = loaded.syntax_error.position
        line = f":{position.line}:{position.column}" if position else ""
        raise ConfigError(f"{where}{line}: {loaded.syntax_error.message} (`receipt-lint schema config`)")
    if loaded.unreadable is not None:
        raise ConfigError(f"{where}: {loaded.unreadable}")
    if loaded.model is None:
        problem = loaded.schema_problems[0]
        at = f"{where}:{problem.position.line}:{problem.position.column}"
        raise ConfigError(f"{at}: {problem.message} (`receipt-lint schema config` shows the format)")
    document = loaded.document
    for index, rule in enumerate(loaded.model.ignore):
        _known(rule, f"{where}:{document.position(('ignore', index)).line if document else 1}")
    for rule in loaded.model.severity:
        _known(rule, f"{where}:{document.key_position(('severity', rule)).line if document else 1}")
    severity = {rule: Severity(level) for rule, level in loaded.model.severity.items()}
    return RuleChoice(ignore=frozenset(loaded.model.ignore), severity=severity)


def merged(file: RuleChoice, select: frozenset[str] | None, ignore: frozenset[str]) -> RuleChoice:
    """Flags win: ``--select`` brings back a rule the file ignores; ``--ignore`` drops one it keeps."""
    ignored = (file.ignore - (select or frozenset())) | ignore
    return RuleChoice(select=select, ignore=ignored, severity=file.severity)
