"""Load and validate rules files, turning every problem into one readable line.

HR edits these files by hand; a message such as
`rules/x.yaml: bundles[1] (exing).courses[3].hours: must be greater than 0`
tells them exactly what to fix, where a traceback would not.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError
from pydantic_core import ErrorDetails

from bot import shipped
from bot.plans.model import Plan

DEFAULT_RULES_DIR: Path = shipped.RULES_DIR  # the checkout's rules/, or the copy in an installed wheel
MAX_FILE_BYTES = 1_000_000


class PlanError(Exception):
    """A rules file could not be loaded; `problems` holds one line per problem."""

    def __init__(self, problems: Sequence[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = list(problems)


_PYDANTIC_WORDING = {
    "extra_forbidden": "unknown field (check its spelling and indentation)",
    "missing": "required field is missing",
}


def _label(raw: Any, loc: tuple[int | str, ...]) -> str:
    """Render a pydantic location as `bundles[1] (exing).courses[3].hours`."""
    parts: list[str] = []
    node = raw
    for item in loc:
        if isinstance(item, int):
            name = ""
            if isinstance(node, list) and 0 <= item < len(node):
                node = node[item]
                if isinstance(node, dict):
                    ident = node.get("id") or node.get("name")
                    name = f" ({ident})" if isinstance(ident, str) else ""
            else:
                node = None
            parts[-1] = f"{parts[-1] if parts else ''}[{item}]{name}"
        else:
            node = node.get(item) if isinstance(node, dict) else None
            parts.append(str(item))
    return ".".join(parts)


def _describe(error: ErrorDetails) -> str:
    message = _PYDANTIC_WORDING.get(error["type"]) or str(error["msg"])
    return message.removeprefix("Value error, ")


class _StrictConstructor(yaml.constructor.SafeConstructor):
    """YAML as HR writes it, read strictly: a key given twice is an error (PyYAML would let the
    last one win silently), and a date that cannot exist (2023-02-30) stays text, so the model
    reports it with its field path instead of PyYAML raising a bare ValueError."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: dict[Any, yaml.Node] = {}
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    "while reading a mapping", node.start_mark, f"the key {key!r} is given twice", key_node.start_mark
                )
            seen[key] = key_node
        return super().construct_mapping(node, deep=deep)

    def construct_yaml_timestamp(self, node: yaml.ScalarNode) -> Any:
        try:
            return super().construct_yaml_timestamp(node)
        except ValueError:
            return self.construct_scalar(node)


_StrictConstructor.add_constructor("tag:yaml.org,2002:timestamp", _StrictConstructor.construct_yaml_timestamp)


class _RulesLoader(
    yaml.reader.Reader, yaml.scanner.Scanner, yaml.parser.Parser, yaml.composer.Composer, _StrictConstructor,
    yaml.resolver.Resolver,
):  # fmt: skip
    """PyYAML's own parser, as SafeLoader assembles it: its error marks point at the character
    (「line 1, column 8」), which libyaml's do not always."""

    def __init__(self, stream: str) -> None:
        yaml.reader.Reader.__init__(self, stream)
        yaml.scanner.Scanner.__init__(self)
        yaml.parser.Parser.__init__(self)
        yaml.composer.Composer.__init__(self)
        _StrictConstructor.__init__(self)
        yaml.resolver.Resolver.__init__(self)


_FastRulesLoader: type[Any] | None = None
if yaml.__with_libyaml__:  # PyYAML's wheels carry libyaml

    class _CRulesLoader(yaml.cyaml.CParser, _StrictConstructor, yaml.resolver.Resolver):
        """libyaml's parser with the same strict constructors: a valid file reads seven times
        faster; an invalid one is read again by _RulesLoader for the precise message."""

        def __init__(self, stream: str) -> None:
            yaml.cyaml.CParser.__init__(self, stream)
            _StrictConstructor.__init__(self)
            yaml.resolver.Resolver.__init__(self)

    _FastRulesLoader = _CRulesLoader


def _read_yaml(text: str) -> Any:
    """The document, or PyYAML's error as the pure-Python parser words it."""
    if _FastRulesLoader is not None:
        try:
            return yaml.load(text, Loader=_FastRulesLoader)
        except (yaml.YAMLError, ValueError):
            pass  # read again below, for the message with its precise line and column
    return yaml.load(text, Loader=_RulesLoader)


def _problem(source: str, where: str, message: str) -> str:
    """`file: field: problem`; a check across the whole plan names its fields in its message."""
    return f"{source}: {where}: {message}" if where else f"{source}: {message}"


def parse_plan(text: str, plan_id: str, source: str) -> Plan:
    """Validate one rules document; `source` names it in error messages."""
    try:
        raw = _read_yaml(text)  # safe constructors: no arbitrary objects
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        raise PlanError([f"{source}: {where}not valid YAML: {exc.problem}"]) from None
    except ValueError as exc:  # a value PyYAML's own constructors refuse, e.g. a huge number
        raise PlanError([f"{source}: not valid YAML: {exc}"]) from None
    except yaml.YAMLError as exc:
        raise PlanError([f"{source}: not valid YAML: {exc}"]) from None
    if not isinstance(raw, dict):
        raise PlanError([f"{source}: expected a mapping with plan, bundles, rewards, steps, …"])
    if "id" in raw:
        raise PlanError([f"{source}: id: remove it; a plan's id is its file name ({plan_id})"])
    try:
        return Plan.model_validate({**raw, "id": plan_id})
    except ValidationError as exc:
        errors = exc.errors()
        # A list whose items failed also reports itself "too short": noise, drop it.
        errors = [
            e
            for e in errors
            if not (
                e["type"] == "too_short" and any(o is not e and o["loc"][: len(e["loc"])] == e["loc"] for o in errors)
            )
        ]
        problems = [_problem(source, _label(raw, e["loc"]), _describe(e)) for e in errors]
        raise PlanError(problems) from None


def load_plan(path: Path) -> Plan:
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            raise PlanError([f"{path}: file is larger than {MAX_FILE_BYTES} bytes"])
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise PlanError([f"{path}: not UTF-8 text"]) from None
    except OSError as exc:
        raise PlanError([f"{path}: cannot read: {exc.strerror}"]) from None
    return parse_plan(text, path.stem, str(path))


def rules_files(directory: Path) -> list[Path]:
    return sorted(p for p in directory.glob("*.y*ml") if p.suffix in {".yaml", ".yml"})


@dataclass(frozen=True)
class PlanBook:
    """Every plan the bot knows, by id."""

    plans: dict[str, Plan]

    def get(self, plan_id: str) -> Plan | None:
        return self.plans.get(plan_id)

    def __iter__(self) -> Iterator[Plan]:
        return iter(self.plans.values())

    def __len__(self) -> int:
        return len(self.plans)


def load_plans(paths: Iterable[Path]) -> PlanBook:
    """Load every file; report all problems of all files at once."""
    plans: dict[str, Plan] = {}
    problems: list[str] = []
    for path in paths:
        try:
            plan = load_plan(path)
        except PlanError as exc:
            problems.extend(exc.problems)
            continue
        if plan.id in plans:
            problems.append(f"{path}: a plan with id {plan.id} is already loaded")
        plans[plan.id] = plan
    if problems:
        raise PlanError(problems)
    return PlanBook(plans)


def load_rules_dir(directory: Path = DEFAULT_RULES_DIR) -> PlanBook:
    files = rules_files(directory)
    if not files:
        raise PlanError([f"{directory}: no rules files (*.yaml) found"])
    return load_plans(files)
