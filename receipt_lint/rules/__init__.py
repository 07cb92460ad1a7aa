"""The registry: every rule, in the order its findings are reported."""

from __future__ import annotations

from receipt_lint.rules import agreement, readme, schedule, structure, transitions, values
from receipt_lint.rules.base import Rule

ALL_RULES: tuple[Rule, ...] = (
    structure.yaml_syntax,
    structure.receipt_schema,
    structure.receipt_location,
    structure.release_layout,
    structure.status_mismatch,
    structure.filename_mismatch,
    structure.duplicate_receipt,
    agreement.kep_not_found,
    agreement.kep_metadata,
    agreement.kep_mismatch,
    agreement.stage_mismatch,
    agreement.milestone_mismatch,
    agreement.kep_status,
    agreement.prr_missing,
    agreement.prr_approver,
    agreement.prr_mismatch,
    readme.kep_readme,
    values.kep_value,
    values.ready_to_accept,
    schedule.schedule_schema,
    schedule.proposed_after_freeze,
    schedule.missing_implementation_prs,
    schedule.missing_docs_prs,
    schedule.at_risk_after_freeze,
    transitions.illegal_transition,
    transitions.receipt_deleted,
    transitions.release_changed,
    transitions.opt_in_after_freeze,
    transitions.release_closed,
    transitions.exception_edited,
    transitions.decided_after_freeze,
    transitions.exception_early,
    transitions.team_approval,
    structure.config_schema,
)
RULES_BY_ID: dict[str, Rule] = {rule.id: rule for rule in ALL_RULES}
AGREEMENT_RULES: tuple[Rule, ...] = tuple(rule for rule in ALL_RULES if rule.agreement)

# How a rule's severity varies, for `receipt-lint rules` (design doc section 6).
BY_STATE = "error in accepted/, warning in proposed/, at-risk/ and exception/"
SEVERITY_NOTES: dict[str, str] = {
    "kep-status": BY_STATE,
    "prr-missing": BY_STATE,
    "prr-approver": BY_STATE,
    "kep-readme": BY_STATE,
    "kep-mismatch": "error; a different title is a warning",
    "milestone-mismatch": "error; milestone.<stage> unset or later is a warning",
}
