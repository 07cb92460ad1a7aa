"""The documents receipt-lint reads, as pydantic models.

Every model forbids unknown keys.  The loader hands over scalars as their
source text, so the models accept strings wherever upstream's Go types would
(``kep-number: 0004``, ``disable-supported: yes``).  ``schemas/`` holds the JSON
Schemas these models generate; a test keeps them equal.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Iterable
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PositiveInt,
    StringConstraints,
    WithJsonSchema,
    model_validator,
)
from pydantic_core import PydanticCustomError

# Re-exported, so models.STAGES and friends keep working.
from receipt_lint.model.layout import kep_path_problem
from receipt_lint.model.names import ACTIVE_STATES as ACTIVE_STATES
from receipt_lint.model.names import FREEZES as FREEZES
from receipt_lint.model.names import STAGES as STAGES
from receipt_lint.model.names import STATES as STATES
from receipt_lint.model.times import parse_time
from receipt_lint.model.versions import ascii_number

Stage = Literal["alpha", "beta", "stable", "deprecated", "disabled", "removed"]
State = Literal["proposed", "accepted", "at-risk", "exception", "removed"]
Freeze = Literal["prr", "enhancements", "code", "docs"]
Text = Annotated[str, StringConstraints(min_length=1)]


def _ascii_number(value: object) -> object:
    """A whole number in ASCII digits; the loader hands every scalar over as text."""
    if isinstance(value, str):
        number = ascii_number(value)
        if number is None:
            raise PydanticCustomError("ascii_number", "must be a whole number in ASCII digits, like 2140")
        return number
    return value


_NUMBER_SCHEMA = {"anyOf": [{"type": "integer", "minimum": 1}, {"type": "string", "pattern": "^[0-9]+$"}]}
# A positive whole number in ASCII digits: a KEP number, a count of days.
WholeNumber = Annotated[PositiveInt, BeforeValidator(_ascii_number), WithJsonSchema(_NUMBER_SCHEMA)]
# A pull request of any repository (etcd-io, containerd, ...: design doc section 2), for code and docs alike.
_PULL_REQUEST = r"^https://github\.com/[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?/[A-Za-z0-9._-]+/pull/[0-9]+/?$"
ImplementationPr = Annotated[str, StringConstraints(pattern=_PULL_REQUEST)]


def _canonical_kep_path(value: str) -> str:
    why = kep_path_problem(value)
    if why is not None:
        raise PydanticCustomError(
            "kep_path",
            "{why}: write the KEP folder relative to keps/, like sig-node/1287-in-place-update-pod-resources",
            {"why": why},
        )
    return value


# The same rule as kep_path_problem, for editors: segments of printable characters
# other than / and \, none of them . or .., and not starting with keps/.
_KEP_PATH_PATTERN = r"^(?!keps(/|$))(?!(.*/)?\.\.?(/|$))[^/\\\x00-\x1f]+(/[^/\\\x00-\x1f]+)*$"
KepPath = Annotated[
    str,
    AfterValidator(_canonical_kep_path),
    WithJsonSchema({"type": "string", "pattern": _KEP_PATH_PATTERN}),
]
DocsPr = Annotated[str, StringConstraints(pattern=_PULL_REQUEST)]


def parse_deadline(value: object) -> object:
    """A bare date means the end of that day in UTC; a naive time means UTC (``times``)."""
    if not isinstance(value, str):
        return value
    try:
        return parse_time(value, bare_date="end")
    except ValueError as error:
        raise PydanticCustomError("deadline", str(error)) from None


Deadline = Annotated[
    dt.datetime,
    BeforeValidator(parse_deadline),
    WithJsonSchema({"type": "string", "anyOf": [{"format": "date"}, {"format": "date-time"}]}),
]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ExceptionRequest(_Strict):
    freeze: Freeze
    additional_days: WholeNumber = Field(alias="additional-days")
    reason: Text
    risks_of_adding: Text = Field(alias="risks-of-adding")
    risks_of_cutting: Text = Field(alias="risks-of-cutting")


class Receipt(_Strict):
    """``releases/<release>/<state>/<number>.yaml``."""

    model_config = ConfigDict(title="Receipt")
    title: Text
    kep_number: WholeNumber = Field(alias="kep-number")
    owning_sig: Text = Field(alias="owning-sig")
    path: KepPath
    tracking_status: State = Field(alias="tracking-status")
    stage: Stage
    implementation_prs: list[ImplementationPr] | None = Field(
        None,
        alias="implementation-prs",
        description="The pull requests that implement the KEP. Absent or empty (no value): none listed yet.",
    )
    docs_prs: list[DocsPr] | None = Field(
        None,
        alias="docs-prs",
        description=(
            "The kubernetes/website pull requests. [] says no docs are needed; absent or empty "
            "(no value) means none listed yet (missing-docs-prs warns after the docs PR deadline)."
        ),
    )
    exception: ExceptionRequest | None = None


# Go's []string reads an empty item (`-`) as "": a null item is fine upstream.
Strings = list[str | None]


class Milestones(_Strict):
    alpha: str | None = None
    beta: str | None = None
    stable: str | None = None
    deprecated: str | None = None
    disabled: str | None = None
    removed: str | None = None


class FeatureGate(_Strict):
    name: str | None = None
    components: Strings | None = None


class Kep(_Strict):
    """``keps/<sig>/<number>-<slug>/kep.yaml``: the keys upstream's api.Proposal reads.

    Values are lenient on purpose: opinions about them are the ``kep-value``
    rule's, never schema errors.
    """

    model_config = ConfigDict(title="KEP metadata")
    id: str | None = None
    prnumber: str | None = None
    name: str | None = None
    title: str
    kep_number: str = Field(alias="kep-number")
    authors: Strings
    owning_sig: str = Field(alias="owning-sig")
    participating_sigs: Strings | None = Field(None, alias="participating-sigs")
    reviewers: Strings | None = None
    approvers: Strings
    prr_approvers: Strings | None = Field(None, alias="prr-approvers")
    editor: str | None = None
    creation_date: str | None = Field(None, alias="creation-date")
    last_updated: str | None = Field(None, alias="last-updated")
    status: str
    see_also: Strings | None = Field(None, alias="see-also")
    replaces: Strings | None = None
    superseded_by: Strings | None = Field(None, alias="superseded-by")
    stage: str | None = None
    latest_milestone: str | None = Field(None, alias="latest-milestone")
    milestone: Milestones | None = None
    feature_gates: list[FeatureGate] | None = Field(None, alias="feature-gates")
    disable_supported: bool | None = Field(None, alias="disable-supported")
    metrics: Strings | None = None

    def milestone_for(self, stage: str) -> str | None:
        return getattr(self.milestone, stage, None) if self.milestone else None


class PrrStage(_Strict):
    approver: str | None = None


class PrrApproval(_Strict):
    """``keps/prod-readiness/<sig>/<number>.yaml``."""

    model_config = ConfigDict(title="PRR approval")
    kep_number: str | None = Field(None, alias="kep-number")
    alpha: PrrStage | None = None
    beta: PrrStage | None = None
    stable: PrrStage | None = None
    deprecated: PrrStage | None = None
    disabled: PrrStage | None = None
    removed: PrrStage | None = None

    def approver_for(self, stage: str) -> str | None:
        entry: PrrStage | None = getattr(self, stage, None)
        approver = (entry.approver or "").strip() if entry else ""
        return approver or None


class Schedule(_Strict):
    """``releases/<release>/schedule.yaml``: the release's key dates (all optional)."""

    model_config = ConfigDict(title="Release schedule")
    prr_freeze: Deadline | None = Field(None, alias="prr-freeze")
    enhancements_freeze: Deadline | None = Field(None, alias="enhancements-freeze")
    docs_pr_deadline: Deadline | None = Field(None, alias="docs-pr-deadline")
    code_freeze: Deadline | None = Field(None, alias="code-freeze")
    docs_freeze: Deadline | None = Field(None, alias="docs-freeze")
    release: Deadline | None = None

    @model_validator(mode="after")
    def _in_order(self) -> Schedule:
        """Each date no earlier than the one before it (the optional ones where present)."""
        dates = [(key, getattr(self, key.replace("-", "_"))) for key in SCHEDULE_ORDER]
        present = [(key, value) for key, value in dates if value is not None]
        for (earlier, first), (later, second) in itertools.pairwise(present):
            if second < first:
                raise PydanticCustomError(
                    "date_order",
                    "{later} is before {earlier}: the dates go " + ", ".join(SCHEDULE_ORDER),
                    {"later": later, "earlier": earlier, "key": later},
                )
        return self


SCHEDULE_ORDER = (
    "prr-freeze",
    "enhancements-freeze",
    "docs-pr-deadline",
    "code-freeze",
    "docs-freeze",
    "release",
)


class RepoConfig(_Strict):
    """``.receipt-lint.yaml``: which rules a repository ignores, and severities it overrides."""

    model_config = ConfigDict(title="receipt-lint configuration")
    ignore: list[str] = Field(default_factory=list)
    severity: dict[str, Literal["error", "warning", "notice"]] = Field(default_factory=dict)


SCHEMA_MODELS: dict[str, type[BaseModel]] = {
    "receipt": Receipt,
    "kep": Kep,
    "prr": PrrApproval,
    "schedule": Schedule,
    "config": RepoConfig,
}


def json_schema(name: str, rule_ids: Iterable[str] = ()) -> dict[str, Any]:
    """A model's JSON Schema; the config's lists ``rule_ids`` (the registry's: the model never imports it)."""
    schema = SCHEMA_MODELS[name].model_json_schema(by_alias=True)
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = f"https://github.com/receipt-lint/receipt-lint/schemas/{name}.schema.json"
    ids = sorted(rule_ids)
    if name == "config" and ids:  # editors can complete the rule ids
        schema["properties"]["ignore"]["items"] = {"enum": ids, "type": "string"}
        schema["properties"]["severity"]["propertyNames"] = {"enum": ids}
    return schema
