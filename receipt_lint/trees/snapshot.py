"""One tree's documents, each loaded and validated at most once.

Rules ask the snapshot for a receipt, a kep.yaml, a PRR file, the OWNERS
aliases or a release's schedule; the snapshot caches each answer, so a KEP
shared by many receipts is parsed once.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Generic, NamedTuple, TypeVar, cast

from pydantic import BaseModel, ValidationError

from receipt_lint.model import models
from receipt_lint.model.files import MissingFile, Tree, TreeError
from receipt_lint.model.findings import Position, closest, quoted
from receipt_lint.model.loader import Document, YamlError, load

ModelT = TypeVar("ModelT", bound=BaseModel)
T = TypeVar("T")


class SchemaProblem(NamedTuple):
    message: str
    position: Position


@dataclass(frozen=True)
class Loaded(Generic[ModelT]):
    """A file as read: its document and model, or why there is none."""

    path: str
    document: Document | None = None
    model: ModelT | None = None
    syntax_error: YamlError | None = None
    schema_problems: tuple[SchemaProblem, ...] = ()
    missing: bool = False
    unreadable: str | None = None


def load_model(tree: Tree, path: str, model_class: type[ModelT]) -> Loaded[ModelT]:
    try:
        raw = tree.read(path)
    except MissingFile as error:
        return Loaded(path, missing=True, unreadable=str(error))
    except TreeError as error:
        return Loaded(path, unreadable=str(error))
    try:
        document = load(raw)
    except YamlError as error:
        return Loaded(path, syntax_error=error)
    try:
        model = model_class.model_validate(document.data)
    except ValidationError as error:
        problems = tuple(_schema_problem(document, item, model_class) for item in error.errors())
        return Loaded(path, document=document, schema_problems=problems)
    return Loaded(path, document=document, model=model)


def _schema_problem(document: Document, error: Any, model_class: type[BaseModel]) -> SchemaProblem:
    """One pydantic error, said in words at the line it is about."""
    location = tuple(error["loc"])
    where = _where(location)
    kind = error["type"]
    if kind == "missing":
        return SchemaProblem(f"missing required key {quoted(where)}", document.position(location[:-1]))
    if kind == "extra_forbidden":
        known = _keys_at(model_class, location[:-1])
        close = closest(str(location[-1]), known, cutoff=0.75)
        hint = f": did you mean {quoted(close)}?" if close else f" (known keys: {', '.join(known)})"
        return SchemaProblem(f"unknown key {quoted(where)}{hint}", document.key_position(location))
    key = (error.get("ctx") or {}).get("key")
    if isinstance(key, str):  # a whole-file check (dates out of order) names the key it is about
        return SchemaProblem(error["msg"], document.position((key,)))
    return SchemaProblem(f"{where} {_in_words(error, location)}", document.position(location))


_URL_WORDS = {
    "implementation-prs": "a pull request URL like https://github.com/kubernetes/kubernetes/pull/123",
    "docs-prs": "a pull request URL like https://github.com/kubernetes/website/pull/456",
}
_TYPE_WORDS = {
    "string_type": "must be text",
    "list_type": "must be a list",
    "dict_type": "must be a mapping of keys to values",
    "model_type": "must be a mapping of keys to values",
    "model_attributes_type": "must be a mapping of keys to values",
    "int_type": "must be a whole number",
    "int_parsing": "must be a whole number",
    "bool_type": "must be true or false",
    "bool_parsing": "must be true or false",
    "string_too_short": "must not be empty",
    "greater_than": "must be 1 or more",
}


def _where(location: tuple[Any, ...]) -> str:
    """``("implementation-prs", 0)`` -> ``implementation-prs entry 1``; nested keys joined by dots."""
    words = ""
    for part in location:
        if isinstance(part, int):
            words += f" entry {part + 1}"
        else:
            words += ("." if words else "") + str(part)
    return words or "the file"


def _in_words(error: Any, location: tuple[Any, ...]) -> str:
    kind = error["type"]
    if kind == "string_pattern_mismatch" and location and str(location[0]) in _URL_WORDS:
        return f"must be {_URL_WORDS[str(location[0])]}"
    if kind == "literal_error":
        expected = str((error.get("ctx") or {}).get("expected", "")).replace("'", "").replace(" or ", ", ")
        return f"must be one of {expected}"
    if kind in _TYPE_WORDS:
        return _TYPE_WORDS[kind]
    message = str(error["msg"]).removeprefix("Value error, ")
    return message if message.startswith(("must", "is ")) else f"is not valid: {message}"


def _keys_at(model_class: type[BaseModel], location: tuple[Any, ...]) -> list[str]:
    """The keys a mapping at ``location`` of the model may hold (by their YAML names)."""
    model: Any = model_class
    for part in location:
        field = next((f for name, f in model.model_fields.items() if (f.alias or name) == part), None)
        annotation = getattr(field, "annotation", None)
        nested = [
            a
            for a in getattr(annotation, "__args__", (annotation,))
            if isinstance(a, type) and issubclass(a, BaseModel)
        ]
        if not nested:
            return []
        model = nested[0]
    return [field.alias or name for name, field in model.model_fields.items()]


@dataclass
class Snapshot:
    """Cached, validated reads of one tree."""

    tree: Tree
    _cache: dict[tuple[str, str], Loaded[Any]] = field(default_factory=dict)
    # kep-number of each receipt seen, kept after its document is forgotten.
    _kep_numbers: dict[str, int | None] = field(default_factory=dict)
    _owners: dict[str, frozenset[str]] = field(default_factory=dict)
    _memo: dict[tuple[str, str], Any] = field(default_factory=dict)

    def memo(self, key: tuple[str, str], compute: Callable[[], T]) -> T:
        """``compute()``, once per key: for findings about a file many receipts share."""
        if key not in self._memo:
            self._memo[key] = compute()
        return cast(T, self._memo[key])

    def _get(self, path: str, model_class: type[ModelT]) -> Loaded[ModelT]:
        key = (path, model_class.__name__)
        if key not in self._cache:
            self._cache[key] = load_model(self.tree, path, model_class)
        return self._cache[key]

    def receipt(self, path: str) -> Loaded[models.Receipt]:
        loaded = self._get(path, models.Receipt)
        self._kep_numbers[path] = loaded.model.kep_number if loaded.model else None
        return loaded

    def receipt_kep_number(self, path: str) -> int | None:
        """A receipt's kep-number (None when it has none), without keeping the document."""
        if path not in self._kep_numbers:
            self.receipt(path)
        return self._kep_numbers[path]

    def forget_receipt(self, path: str) -> None:
        """Drop a checked receipt's document: ``check --all`` would hold them all."""
        self._cache.pop((path, models.Receipt.__name__), None)

    def kep(self, kep_path: str) -> Loaded[models.Kep]:
        return self._get(f"keps/{kep_path}/kep.yaml", models.Kep)

    def prr(self, sig: str, number: int) -> Loaded[models.PrrApproval]:
        return self._get(f"keps/prod-readiness/{sig}/{number}.yaml", models.PrrApproval)

    def schedule(self, release: str) -> Loaded[models.Schedule]:
        return self._get(f"releases/{release}/schedule.yaml", models.Schedule)

    @cached_property
    def aliases(self) -> dict[str, list[str]]:
        """``OWNERS_ALIASES``: alias name -> logins (an empty mapping when it is missing or odd)."""
        aliases = _read_mapping(self.tree, "OWNERS_ALIASES").get("aliases")
        if not isinstance(aliases, dict):
            return {}
        return {name: _strings(logins) for name, logins in aliases.items()}

    @cached_property
    def prr_approvers(self) -> frozenset[str]:
        """Logins in ``prod-readiness-approvers`` and its ``-emeritus`` alias."""
        names = ("prod-readiness-approvers", "prod-readiness-approvers-emeritus")
        return frozenset(normalize_login(login) for name in names for login in self.aliases.get(name, []))

    def release_approvers(self, release: str) -> frozenset[str]:
        """The ``approvers`` of ``releases/<release>/OWNERS``, aliases expanded, read once.

        Only approvers approve (reviewers review); a name that is an alias in
        ``OWNERS_ALIASES`` stands for its members, as Kubernetes' OWNERS files
        use them.
        """
        if release not in self._owners:
            owners = _read_mapping(self.tree, f"releases/{release}/OWNERS")
            logins: set[str] = set()
            for name in _strings(owners.get("approvers")):
                logins.update(self.aliases.get(name.strip(), [name]))
            self._owners[release] = frozenset(normalize_login(login) for login in logins)
        return self._owners[release]


def normalize_login(login: str) -> str:
    return login.strip().lstrip("@").lower()


def _read_mapping(tree: Tree, path: str) -> dict[str, Any]:
    try:
        data = load(tree.read(path)).data
    except (TreeError, YamlError):
        return {}
    return data if isinstance(data, dict) else {}


def _strings(value: object) -> list[str]:
    return [item for item in value if isinstance(item, str)] if isinstance(value, list) else []
