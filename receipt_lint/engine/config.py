"""Which rules a check reports, and at what severity (the CLI contract's rule choice).

Read once per run, then consulted once, by ``engine.finalize``; rules never
see it.  Sources, the later winning: ``.receipt-lint.yaml`` at the top level
(``ignore:`` and ``severity:``), then ``--select``/``--ignore``.  In diff mode
the file is read from the base tree: a change cannot switch off the rule it
breaks.  An invalid file on the base switches nothing off (a warning says so),
so the change that mends it can pass; the head's file, when a change edits it,
is checked like any file of the change (``config-schema``).

The rule ids are passed in (``known``): this module never imports the rules.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator, Mapping
from typing import TYPE_CHECKING, Any, NamedTuple

from receipt_lint.model.findings import ConfigProblem, Finding, Position, Severity, closest, quoted
from receipt_lint.model.names import CONFIG_FILE

if TYPE_CHECKING:
    from receipt_lint.model.files import Tree
    from receipt_lint.model.loader import Document

EMPTY = "file is empty"  # the loader's words for a file with no document: an empty configuration


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


def rule_ids(text: str, option: str, known: Collection[str]) -> frozenset[str]:
    """``--select a,b`` -> {a, b}; an unknown id is a ConfigError naming the closest one."""
    ids = frozenset(part.strip() for part in text.split(",") if part.strip())
    for rule in sorted(ids):
        unknown = _unknown(rule, known)
        if unknown:
            raise ConfigError(f"{option}: {unknown}")
    if not ids:
        raise ConfigError(f"{option} needs rule ids, e.g. {option} stage-mismatch,kep-status")
    return ids


def _unknown(rule: str, known: Collection[str]) -> str:
    """What to say of a rule id that is not one (empty when it is)."""
    if rule in known:
        return ""
    close = closest(rule, sorted(known))
    hint = f"did you mean {quoted(close)}? " if close else ""
    return f"no rule {quoted(rule)}: {hint}(`receipt-lint rules` lists them)"


def read_config(tree: Tree, known: Collection[str]) -> RuleChoice:
    """The repository's ``.receipt-lint.yaml`` from ``tree`` (no file: every rule, default severities).

    An invalid file is a ConfigError that says every problem, in line order.
    """
    choice, problems = read_config_problems(tree, known)
    if problems:
        said = "; ".join(problem.text() for problem in problems)
        raise ConfigError(f"{said} (`receipt-lint schema config` shows the format)")
    return choice


def read_config_problems(tree: Tree, known: Collection[str]) -> tuple[RuleChoice, list[ConfigProblem]]:
    """The file's rule choice, and every problem it has (then the choice switches nothing off).

    An empty file (or one of comments only) is an empty configuration.
    """
    from receipt_lint.model.models import RepoConfig
    from receipt_lint.trees.snapshot import load_model

    loaded = load_model(tree, CONFIG_FILE, RepoConfig)
    if loaded.missing:
        return RuleChoice(), []
    if loaded.syntax_error is not None:
        if loaded.syntax_error.message.startswith(EMPTY) or _null_document(tree):
            return RuleChoice(), []
        return RuleChoice(), [ConfigProblem(loaded.syntax_error.message, loaded.syntax_error.position)]
    if loaded.unreadable is not None or loaded.document is None:
        return RuleChoice(), [ConfigProblem(loaded.unreadable or "cannot be read")]
    problems = [ConfigProblem(problem.message, problem.position) for problem in loaded.schema_problems]
    problems += _unknown_rules(loaded.document, known)
    problems.sort(key=lambda problem: problem.position or Position(0, 0))
    if problems or loaded.model is None:
        return RuleChoice(), problems
    severity = {rule: Severity(level) for rule, level in loaded.model.severity.items()}
    return RuleChoice(ignore=frozenset(loaded.model.ignore), severity=severity), []


def _null_document(tree: Tree) -> bool:
    """``---`` or ``null`` alone: a document with nothing in it, an empty configuration like an empty file."""
    from receipt_lint.model.files import TreeError
    from receipt_lint.model.loader import YamlError, compose, decode

    try:
        node = compose(decode(tree.read(CONFIG_FILE)))
    except (YamlError, TreeError):
        return False
    nulls = ("", "~", "null", "Null", "NULL")
    return node is None or (node.id == "scalar" and not node.style and node.value in nulls)


# The rule that checks this file cannot be switched off or downgraded by it: a file that
# did so could merge broken and lock every later `check --all`.  (Flags still can.)
_SELF = "config-schema"
_NOT_SELF = (
    f"{_SELF} checks this file itself: the file cannot ignore or downgrade it (a command-line --ignore can)"
)


def _unknown_rules(document: Document, known: Collection[str]) -> Iterator[ConfigProblem]:
    """Rule ids the file names that are not rules (or may not name), read from the document, valid or not."""
    data = document.data
    ignored = data.get("ignore")
    for index, rule in enumerate(ignored if isinstance(ignored, list) else []):
        unknown = (_NOT_SELF if rule == _SELF else _unknown(rule, known)) if isinstance(rule, str) else ""
        if unknown:
            yield ConfigProblem(unknown, document.position(("ignore", index)))
    severities = data.get("severity")
    for rule, level in severities.items() if isinstance(severities, dict) else ():
        unknown = _NOT_SELF if rule == _SELF and level != "error" else _unknown(rule, known)
        if unknown:
            yield ConfigProblem(unknown, document.key_position(("severity", rule)))


def merged(file: RuleChoice, select: frozenset[str] | None, ignore: frozenset[str]) -> RuleChoice:
    """Flags win: ``--select`` brings back a rule the file ignores; ``--ignore`` drops one it keeps."""
    ignored = (file.ignore - (select or frozenset())) | ignore
    return RuleChoice(select=select, ignore=ignored, severity=file.severity)


def published_schema(name: str) -> dict[str, Any]:
    """The JSON Schema shipped in ``schemas/``: the config's lists the registry's rule ids."""
    from receipt_lint.model.models import json_schema
    from receipt_lint.rules import RULES_BY_ID

    return json_schema(name, RULES_BY_ID)
