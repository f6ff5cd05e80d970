"""Graph document -> networkx DiGraph -> frozen execution plan. Pure: every problem becomes a
structured error pointing at a node, edge, port or parameter."""
from __future__ import annotations

import logging
import weakref
from dataclasses import dataclass
from dataclasses import replace as _replace
from typing import Any, Callable, Mapping

import networkx as nx

from modules_catalog.columns import describe_rules, design_params, is_rule_set, mentioned_names, resolve_columns
from modules_catalog.params import ParamError, coerce, is_empty
from modules_catalog.ports import can_connect
from modules_catalog.registry import UnknownModule, load_builtins
from modules_catalog.schema import schema_json
from modules_catalog.checks import ENCODE_HINT, TYPE_WORDS
from modules_catalog.spec import NUMERIC_DTYPES, Design, ModuleSpec, Param, ParamKind, PortType, Schema, Upstream, Violation

from .documents import canonical_document, document_digest, edge_id, error, shape_errors  # noqa: F401
from .failures import RetryPolicy
from .plan import Plan, PlannedStep, StepInput
from .stepspec import DEFAULT_CPU_SECONDS_MAX, DEFAULT_MEMORY_MB, DEFAULT_TIMEOUT

DatasetResolver = Callable[[dict[str, Any]], "dict[str, Any] | None"]
SchemaJson = "list[dict[str, str]] | None"  # schema_json: [{"name", "dtype"}], None when not known
NodeSchemas = dict[str, dict[str, Any]]  # {"inputs": {port: SchemaJson}, "outputs": {port: SchemaJson}}

log = logging.getLogger(__name__)
# outputs that carry code when a user-code step made them (pickled estimators and transforms): whoever
# loads one runs that code too
CODE_PORTS = (PortType.UNTRAINED_MODEL, PortType.MODEL, PortType.TRANSFORM)
MAX_NODE_VIOLATIONS = 20  # design-time errors listed per node and param; one more counts the rest


@dataclass(frozen=True)
class Learned:
    """The output schemas a node's last successful run produced (for a module that cannot infer them)."""

    outputs: Mapping[str, Schema]
    run: int


# (node id, its module, its resolved params) -> what the newest successful run of that very node
# (same module version, same params) wrote on its DataFrame outputs; None when there is none
LearnedResolver = Callable[[str, ModuleSpec, Mapping[str, Any]], "Learned | None"]


@dataclass(frozen=True)
class ServerLimits:
    """What a node may ask of this server: the caps of its per-node limits and the targets."""

    timeout: float = DEFAULT_TIMEOUT
    memory_mb: int = DEFAULT_MEMORY_MB
    cpu_seconds: int = DEFAULT_CPU_SECONDS_MAX
    targets: tuple[str, ...] = ("local",)
    cpu_setting: str = "STEP_CPU_SECONDS_MAX"  # the setting cpu_seconds comes from, named in errors


def server_limits() -> ServerLimits:
    """The limits in settings.ENGINE (the defaults above when Django is not configured)."""
    from django.conf import settings

    if not settings.configured:
        return ServerLimits()
    engine = settings.ENGINE
    return ServerLimits(
        timeout=float(engine["STEP_TIMEOUT"]), memory_mb=int(engine["STEP_MEMORY_MB"]),
        cpu_seconds=int(engine.get("STEP_CPU_SECONDS") or engine.get("STEP_CPU_SECONDS_MAX", DEFAULT_CPU_SECONDS_MAX)),
        targets=tuple(engine["TARGETS"]),
        cpu_setting="STEP_CPU_SECONDS" if engine.get("STEP_CPU_SECONDS") else "STEP_CPU_SECONDS_MAX",
    )


class CompileError(Exception):
    def __init__(self, errors: list[dict[str, Any]]) -> None:
        self.errors = errors
        super().__init__("; ".join(e["message"] for e in errors[:5]))


def compile_document(document: Any, *, params: Mapping[str, Any] | None = None,
                     resolve_dataset: DatasetResolver | None = None, limits: ServerLimits | None = None) -> Plan:
    plan, errors = _compile(document, params or {}, resolve_dataset, limits or server_limits())
    if errors:
        raise CompileError(errors)
    assert plan is not None
    return plan


def validate_document(document: Any, *, params: Mapping[str, Any] | None = None,
                      resolve_dataset: DatasetResolver | None = None, limits: ServerLimits | None = None,
                      learned: LearnedResolver | None = None) -> list[dict[str, Any]]:
    """Every compile error. With `learned`, an output its module cannot infer takes the columns the
    node's last successful run produced, and what follows it is checked against them."""
    return _compile(document, params or {}, resolve_dataset, limits or server_limits(), learned=learned)[1]


def infer_schemas(document: Any, *, params: Mapping[str, Any] | None = None,
                  resolve_dataset: DatasetResolver | None = None, limits: ServerLimits | None = None,
                  learned: LearnedResolver | None = None) -> tuple[dict[str, NodeSchemas], list[dict[str, Any]]]:
    """Every node's input and output column schemas as far as they can be known, and every compile
    error: a node in error, or downstream of one, has null where its columns cannot be known, while
    branches that do not depend on it keep theirs. A node of an unknown module has no ports. With
    `learned`, an output its module cannot infer takes the columns of the node's last successful run,
    and the node says so: "learned_from": {"run": <run id>, "ports": [<those outputs>]}."""
    schemas: dict[str, NodeSchemas] = {}
    errors = _compile(document, params or {}, resolve_dataset, limits or server_limits(), schemas, learned)[1]
    return schemas, errors


def _compile(document: Any, params: Mapping[str, Any], resolve: DatasetResolver | None, limits: ServerLimits,
             node_schemas: dict[str, NodeSchemas] | None = None, learned: LearnedResolver | None = None):
    """The plan (None on any error) and every error; with `node_schemas`, also fills it with each
    node's input and output schemas (what infer_schemas answers)."""
    errors = shape_errors(document)
    if errors:
        return None, errors
    # the modules this document may use: a workspace's resolver also knows its custom modules
    # (designer.custom_modules.WorkspaceModules, attached by designer.selectors.dataset_resolver)
    registry = getattr(resolve, "modules", None) or load_builtins()
    # the targets this document may name: a workspace's resolver also knows the workspace's own
    # (engine.compute_targets.target_names, attached by designer.selectors.dataset_resolver)
    own_targets = getattr(resolve, "targets", None)
    if own_targets is not None:
        limits = _replace(limits, targets=tuple(own_targets))
    # the environments its nodes may name (engine.environments.workspace_resolver, attached likewise)
    environments = getattr(resolve, "environments", None)
    environment_of: dict[str, str] = {}  # node -> content hash of its environment
    pipeline_params, errors = _pipeline_params(document.get("parameters", []), params)
    default_target = document.get("default_target") or _default_target()
    if default_target not in limits.targets:
        errors.append({**error("unknown_target", f"the pipeline's default target {default_target!r} is not a target "
                               f"of this workspace (targets: {', '.join(limits.targets)})"), "field": "default_target"})
    specs: dict[str, ModuleSpec] = {}
    nodes: dict[str, dict[str, Any]] = {}  # by id: every later look-up is O(1), never a scan
    graph = nx.DiGraph()
    for node in document["nodes"]:
        nodes[node["id"]] = node
        graph.add_node(node["id"])
        errors += _check_limits(node, limits)
        errors += _check_environment(node, environments, environment_of)
        version = str(node["version"]) if node.get("version") is not None else None
        try:
            spec = registry.get(node["module"], version)
        except UnknownModule:
            known = registry.versions(node["module"])
            msg = (f"node {node['id']!r} uses module {node['module']!r} version {version!r}, which does not exist"
                   f" (versions: {', '.join(s.version for s in known)})" if known
                   else f"node {node['id']!r} uses unknown module {node['module']!r}")
            errors.append(error("unknown_module", msg, node=node["id"]))
            if node_schemas is not None:
                node_schemas[node["id"]] = {"inputs": {}, "outputs": {}}
            continue
        if spec.disabled:
            errors.append(error("disabled_module", f"node {node['id']!r} uses {spec.ref}, which is disabled", node=node["id"]))
        specs[node["id"]] = spec
    wired: dict[tuple[str, str], dict[str, Any]] = {}
    for e in document.get("edges", []):
        errors += _check_edge(e, specs, graph, wired)
    # an input whose edge was refused already has its error: don't also call it missing
    refused = {(e["node"], e["port"]) for e in errors if e["code"] == "type_mismatch"}
    order, blocked = _order(graph, errors)
    steps, schemas = [], {}
    typed: dict[str, Mapping[str, Schema]] = {}  # node -> port -> schema, as inferred (no JSON round trip)
    as_json = _SchemaJson()
    failed: set[str] = set()  # nodes in error or downstream of one: they do not run, their outputs are unknown
    # what design-time checks see of the nodes upstream: built once per node, from its sources' own
    checked = any(s.check is not None or _takes_upstream(s.infer_schema)
                  for s in {id(s): s for s in specs.values()}.values())
    resolved_of: dict[str, Mapping[str, Any]] = {}
    upstream_of: dict[str, dict[str, Upstream]] = {}
    user_code_of: dict[str, bool] = {}
    for nid in order:
        node = nodes[nid]
        spec = specs.get(nid)
        if spec is None:
            continue
        before = len(errors)
        resolved, node_errors, unknown = _node_params(node, spec, pipeline_params, resolve)
        errors += node_errors
        inputs = []
        for port in spec.inputs:
            e = wired.get((nid, port.name))
            if e is None:
                if not port.optional and (nid, port.name) not in refused:
                    errors.append(error("missing_input", f"node {nid!r} needs an input on port {port.name!r}",
                                        node=nid, port=port.name))
                continue
            inputs.append(StepInput(port.name, e["source"], e["source_port"], port.type.value))
        in_schemas = {i.port: typed.get(i.source, {}).get(i.source_port) for i in inputs}
        errors += _check_columns(nid, spec, resolved, in_schemas)
        named = design_params(spec, resolved, in_schemas)  # rule sets resolved to names where schemas are known
        errors += _check_dtypes(nid, spec, named, in_schemas)
        if checked:
            resolved_of[nid] = named
            upstream_of[nid] = {i.port: Upstream(specs[i.source], resolved_of[i.source], i.source_port,
                                                 upstream_of[i.source]) for i in inputs if i.source in resolved_of}
            # a module's own check runs on a node whose params, inputs and columns are all there, fed by
            # nodes without errors (whose params it may read)
            if spec.check is not None and not unknown and all(e["code"] == "column_type" for e in errors[before:]) \
                    and not any(i.source in failed for i in inputs):
                errors += _run_check(nid, spec, named, in_schemas, upstream_of[nid], errors[before:])
        typed[nid] = {} if node_errors or unknown else _infer(spec, in_schemas, named, upstream_of.get(nid))
        # a node in error, or fed by one, does not run: what flows out of it is not known
        if len(errors) > before or unknown or any(i.source in failed for i in inputs):
            failed.add(nid)
        found = None if learned is None or nid in failed else _learn(nid, spec, resolved, typed[nid], learned)
        schemas[nid] = {port: as_json(s) for port, s in typed[nid].items()}
        if node_schemas is not None:
            known = {i.port: in_schemas[i.port] for i in inputs if i.source not in failed}
            node_schemas[nid] = _ports_json(spec, known, {} if nid in failed else typed[nid], as_json)
            if found is not None:
                node_schemas[nid]["learned_from"] = found
        # user code taints what it makes: a model or transform it made runs its code wherever it is loaded
        user_code_of[nid] = spec.user_code or any(
            user_code_of.get(i.source, False) and _carries_code(specs[i.source], i.source_port) for i in inputs)
        steps.append(PlannedStep(
            node_id=nid, module=spec.key, version=spec.version, params=resolved, inputs=tuple(inputs),
            outputs={p.name: p.type.value for p in spec.outputs}, target=node.get("target") or default_target,
            reuse=node.get("reuse", True), user_code=user_code_of[nid], source_hash=spec.source_hash,
            code=getattr(spec, "code", ""),  # a custom module: the SHA-256 of its stored files
            timeout=_number(node.get("timeout"), float), memory_mb=_number(node.get("memory_mb"), int),
            cpu_seconds=_number(node.get("cpu_seconds"), int), environment=environment_of.get(nid, ""),
            retry=RetryPolicy.from_json(node["retry"]).as_json() if node.get("retry") is not None else None,
        ))
    if node_schemas is not None:
        for nid in blocked:
            if nid in specs:
                node_schemas[nid] = _ports_json(specs[nid], {}, {}, as_json)
    if errors:
        return None, errors
    return Plan(steps=tuple(steps), schemas=schemas), []


def _order(graph: nx.DiGraph, errors: list[dict[str, Any]]) -> tuple[list[str], set[str]]:
    """The nodes in a topological order, and the ones that have none: on a cycle (reported in
    `errors`), the nodes on a cycle and everything downstream of one are left out and returned
    apart; the rest of the graph is still in order."""
    if nx.is_directed_acyclic_graph(graph):
        return list(nx.lexicographical_topological_sort(graph)), set()
    cycle = [u for u, _ in nx.find_cycle(graph)]
    errors.append(error("cycle", f"the pipeline has a cycle: {' -> '.join(cycle + cycle[:1])}", node=cycle[0]))
    blocked = {nid for component in nx.strongly_connected_components(graph) for nid in component
               if len(component) > 1 or graph.has_edge(nid, nid)}
    frontier = list(blocked)
    while frontier:  # everything downstream, each node once
        for succ in graph.successors(frontier.pop()):
            if succ not in blocked:
                blocked.add(succ)
                frontier.append(succ)
    return list(nx.lexicographical_topological_sort(graph.subgraph(set(graph) - blocked))), blocked


def _ports_json(spec: ModuleSpec, in_schemas: Mapping[str, Schema | None], out: Mapping[str, Schema],
                as_json: "_SchemaJson") -> NodeSchemas:
    """A node's schema per input and output port, null where it is not known."""
    return {"inputs": {p.name: as_json(in_schemas.get(p.name)) for p in spec.inputs},
            "outputs": {p.name: as_json(out.get(p.name)) for p in spec.outputs}}


_LIMITS = (("timeout", "a timeout of", "s", "STEP_TIMEOUT"), ("memory_mb", "a memory limit of", "MB", "STEP_MEMORY_MB"),
           ("cpu_seconds", "a CPU-time limit of", "s", None))


def _check_limits(node: dict[str, Any], limits: ServerLimits) -> list[dict[str, Any]]:
    """A node may ask for less than the server allows, never more; and only for a configured target."""
    nid, errors = node["id"], []
    for key, what, unit, setting in _LIMITS:
        value, cap = node.get(key), getattr(limits, key)
        if value is not None and value > cap:
            errors.append({**error("limit_exceeded", f"node {nid!r} asks for {what} {value:g} {unit}; this server "
                                   f"allows at most {cap:g} {unit} ({setting or limits.cpu_setting})", node=nid), "field": key})
    target = node.get("target")
    if target is not None and target not in limits.targets:
        errors.append({**error("unknown_target", f"node {nid!r} runs on target {target!r}, which this workspace "
                               f"does not have (targets: {', '.join(limits.targets)})", node=nid), "field": "target"})
    return errors


def _check_environment(node: dict[str, Any], environments: Any, found: dict[str, str]) -> list[dict[str, Any]]:
    """A node's environment is one of its workspace's; its content hash goes into the plan."""
    ref = node.get("environment")
    if ref is None:
        return []
    nid = node["id"]
    env = environments(ref) if environments is not None else None
    if env is None:
        return [{**error("unknown_environment", f"node {nid!r} uses environment {ref!r}, which this workspace does "
                         "not have (see its Environments page)", node=nid), "field": "environment"}]
    found[nid] = env["hash"]
    return []


def _default_target() -> str:
    """The server's default target (settings.ENGINE["DEFAULT_TARGET"]; `local` without Django)."""
    from django.conf import settings

    return settings.ENGINE.get("DEFAULT_TARGET", "local") if settings.configured else "local"


def _number(value: Any, kind: type) -> Any:
    return None if value is None else kind(value)


class _Rejected:
    """The value of a declared pipeline parameter whose given value was refused (reported once, on
    the parameter; the nodes bound to it are neither in error nor known)."""

    def __repr__(self) -> str:
        return "REJECTED"


REJECTED = _Rejected()


def _pipeline_params(declared: list[dict[str, Any]], given: Mapping[str, Any]):
    """Declared pipeline parameters with this submit's values; unknown names are errors."""
    values: dict[str, Any] = {}
    errors: list[dict[str, Any]] = []
    names = {p["name"] for p in declared}
    for name in given:
        if name not in names:
            errors.append(error("unknown_parameter", f"pipeline parameter {name!r} is not declared"
                                f" (declared: {', '.join(sorted(names)) or 'none'})", param=name))
    for p in declared:
        try:
            kind = ParamKind(p.get("kind", "text"))
        except ValueError:
            errors.append(error("bad_parameter", f"pipeline parameter {p['name']!r} has an unknown kind {p.get('kind')!r}",
                                param=p["name"]))
            values[p["name"]] = REJECTED
            continue
        decl = Param(p["name"], kind, choices=tuple(p.get("choices", ())), min=p.get("min"), max=p.get("max"))
        value = given.get(p["name"], p.get("default"))
        if value is None:
            values[p["name"]] = None
            continue
        try:
            values[p["name"]] = coerce(decl, value)
        except ParamError as exc:
            errors.append(error("bad_parameter", f"pipeline parameter {p['name']!r} {exc}", param=p["name"]))
            values[p["name"]] = REJECTED  # declared all the same: its bound nodes are not "undeclared"
    return values, errors


def _check_edge(e, specs, graph, wired) -> list[dict[str, Any]]:
    eid = edge_id(e)
    src, dst = specs.get(e["source"]), specs.get(e["target"])
    errors = []
    for end in ("source", "target"):
        if e[end] not in graph:
            errors.append(error("unknown_node", f"edge {eid} points at node {e[end]!r}, which is not in the pipeline", edge=eid))
    if errors or src is None or dst is None:
        return errors
    out, inp = src.output(e["source_port"]), dst.input(e["target_port"])
    if out is None:
        return [error("unknown_port", f"{src.label} ({e['source']!r}) has no output port {e['source_port']!r}",
                      edge=eid, node=e["source"], port=e["source_port"])]
    if inp is None:
        return [error("unknown_port", f"{dst.label} ({e['target']!r}) has no input port {e['target_port']!r}",
                      edge=eid, node=e["target"], port=e["target_port"])]
    if not can_connect(out.type, inp.type):
        return [error("type_mismatch", f"cannot connect {out.type.value} output {e['source']}.{out.name} to "
                      f"{inp.type.value} input {e['target']}.{inp.name}", edge=eid, node=e["target"], port=inp.name)]
    if (e["target"], inp.name) in wired:
        return [error("duplicate_input", f"input {e['target']}.{inp.name} has more than one edge; an input takes one",
                      edge=eid, node=e["target"], port=inp.name)]
    wired[(e["target"], inp.name)] = e
    graph.add_edge(e["source"], e["target"])
    return []


def _node_params(node, spec: ModuleSpec, pipeline_params, resolve):
    """The node's resolved params, their errors, and whether a value is unknown (bound to a pipeline
    parameter whose value was refused)."""
    nid, given = node["id"], node.get("params", {})
    errors, resolved, unknown = [], {}, False
    for name in given:
        if spec.param(name) is None:
            errors.append(error("unknown_param", f"{spec.label} has no parameter {name!r}", node=nid, param=name))
    for p in spec.params:
        value = given.get(p.name, p.default)
        if isinstance(value, dict) and set(value) == {"$param"}:
            bound = value["$param"]
            if not isinstance(bound, str) or bound not in pipeline_params:
                errors.append(error("unknown_parameter", f"node {nid!r} binds {p.name!r} to pipeline parameter "
                                    f"{str(bound)[:80]!r}, which is not declared", node=nid, param=p.name))
                continue
            if pipeline_params[bound] is REJECTED:
                unknown = True
                continue
            value = pipeline_params[bound] if pipeline_params[bound] is not None else p.default
        if is_empty(p, value):
            if p.required:
                errors.append(error("missing_param", f"node {nid!r} needs a value for {p.label or p.name!r}", node=nid, param=p.name))
            resolved[p.name] = None if value is None else value
            continue
        try:
            value = coerce(p, value)
        except ParamError as exc:
            errors.append(error("bad_param", f"{p.label or p.name!r} of node {nid!r} {exc}", node=nid, param=p.name))
            continue
        if p.kind is ParamKind.DATASET and resolve is not None:
            found = resolve(value)
            if found is None:
                errors.append(error("unknown_dataset", f"node {nid!r}: there is no dataset {value['name']!r}"
                                    + (f" version {value['version']}" if value.get("version") else ""), node=nid, param=p.name))
                continue
            value = found
        resolved[p.name] = value
    return resolved, errors, unknown


def _check_columns(nid, spec: ModuleSpec, params, in_schemas: Mapping[str, Schema | None]):
    errors = []
    for p in spec.params:
        if p.kind is not ParamKind.COLUMNS or not params.get(p.name):
            continue
        schema = in_schemas.get(p.port or "")
        if schema is None:
            continue  # not known before running: checked when the step runs
        have = [c.name for c in schema]
        chosen = mentioned_names(params[p.name])  # a list, one name, or the names a rule set mentions
        for column in chosen:
            if column not in have:
                errors.append(error("unknown_column", f"node {nid!r}: column {column!r} of {p.label or p.name!r} is not in "
                                    f"its input {p.port!r} (columns: {', '.join(have[:20])}{'…' if len(have) > 20 else ''})",
                                    node=nid, param=p.name, port=p.port))
        if is_rule_set(params[p.name]) and p.required and not any(c not in have for c in chosen) \
                and not resolve_columns(params[p.name], schema):
            errors.append(error("no_columns", f"node {nid!r}: the rules of {p.label or p.name!r} "
                                f"({describe_rules(params[p.name])}) select no column of its input {p.port!r}",
                                node=nid, param=p.name, port=p.port))
    return errors


def _accepted(dtypes: tuple[str, ...]) -> str:
    if set(NUMERIC_DTYPES) <= set(dtypes) and set(dtypes) <= set(NUMERIC_DTYPES):
        return "numbers"
    words = [TYPE_WORDS.get(d, d) for d in dtypes]
    return ", ".join(words[:-1]) + f" or {words[-1]}" if len(words) > 1 else words[0]


def _default_hint(p: Param) -> str:
    if set(p.dtypes) <= set(NUMERIC_DTYPES):
        return ENCODE_HINT
    return f"choose columns of {_accepted(p.dtypes)}, or change the column's type with Edit Metadata"


def _check_dtypes(nid, spec: ModuleSpec, params, in_schemas: Mapping[str, Schema | None]):
    """A COLUMNS param declaring the column types it accepts refuses any other chosen column."""
    errors = []
    for p in spec.params:
        if p.kind is not ParamKind.COLUMNS or not p.dtypes or not params.get(p.name):
            continue
        schema = in_schemas.get(p.port or "")
        value = params[p.name]
        if schema is None or not isinstance(value, (list, str)):  # not known, or a rule set that did not resolve
            continue
        by_name = {c.name: c for c in schema}
        chosen = [by_name[n] for n in ([value] if isinstance(value, str) else value) if n in by_name]
        wrong = [c for c in chosen if c.dtype not in p.dtypes]
        label, hint = p.label or p.name, p.hint or _default_hint(p)
        for c in wrong[:MAX_NODE_VIOLATIONS]:
            errors.append(error("column_type", f"column {c.name!r} holds {TYPE_WORDS.get(c.dtype, c.dtype)}: "
                                f"{spec.label} takes only {_accepted(p.dtypes)} in {label!r}",
                                node=nid, param=p.name, port=p.port, column=c.name, hint=hint))
        if len(wrong) > MAX_NODE_VIOLATIONS:
            errors.append(error("column_type", f"{len(wrong) - MAX_NODE_VIOLATIONS} more columns of {label!r} are "
                                f"not {_accepted(p.dtypes)}, which {spec.label} takes there",
                                node=nid, param=p.name, port=p.port, hint=hint))
    return errors


def _run_check(nid, spec: ModuleSpec, params, in_schemas: Mapping[str, Schema | None],
               upstream: Mapping[str, Upstream], reported: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The module's own design-time check, once every table it is given has a known schema; each
    Violation becomes an error on the node (one the declared column types reported already is not
    repeated). A check that raises is a bug of the module: an error `check_failed` naming it,
    never a failed request."""
    if any(in_schemas[port.name] is None for port in spec.inputs
           if port.type is PortType.DATAFRAME and port.name in in_schemas):
        return []  # checked when the step runs
    try:
        found = []
        for v in spec.check(Design(inputs=in_schemas, params=params, upstream=upstream)) or ():
            if not isinstance(v, Violation):
                raise TypeError(f"the check yielded {type(v).__name__}, not a Violation")
            found.append(v)
            if len(found) > 10 * MAX_NODE_VIOLATIONS:
                break
    except Exception as exc:  # noqa: BLE001 - any bug of a module's check is reported, not raised
        log.exception("the design-time check of %s failed on node %r", spec.ref, nid)
        text = str(exc)
        return [error("check_failed", f"{spec.label} ({spec.ref}) could not check node {nid!r}: its design-time "
                      f"check raised {type(exc).__name__}: {text[:200]}{'…' if len(text) > 200 else ''}", node=nid,
                      hint="this is a bug in the module, not in your pipeline: report it with this message")]
    errors, per_param = [], {}
    seen = {(e["param"], e["column"]) for e in reported if e["column"] is not None}
    for v in found:
        if v.column is not None and (v.param, v.column) in seen:
            continue
        per_param[v.param] = per_param.get(v.param, 0) + 1
        if per_param[v.param] <= MAX_NODE_VIOLATIONS:
            errors.append(error(str(v.code)[:50] or "column_type", str(v.message)[:1000], node=nid, param=v.param,
                                port=v.port, column=v.column, hint=str(v.hint)[:1000] if v.hint else None))
    for param, count in per_param.items():
        if count > MAX_NODE_VIOLATIONS:
            errors.append(error("column_type", f"{spec.label}: {count - MAX_NODE_VIOLATIONS} more problems"
                                + (f" with {param!r}" if param else ""), node=nid, param=param))
    return errors


def _learn(nid, spec: ModuleSpec, params, out: dict[str, Schema], learned: LearnedResolver) -> dict[str, Any] | None:
    """Fill the DataFrame outputs `out` lacks with the columns the node's last successful run wrote;
    what was learned, as {"run", "ports"}, or None."""
    missing = [p.name for p in spec.outputs if p.type is PortType.DATAFRAME and p.name not in out]
    if not missing:
        return None
    found = learned(nid, spec, params)
    ports = [] if found is None else [port for port in missing if found.outputs.get(port) is not None]
    if not ports:
        return None
    for port in ports:
        out[port] = found.outputs[port]
    return {"run": found.run, "ports": ports}


def _carries_code(spec: ModuleSpec, port: str) -> bool:
    out = spec.output(port)
    return out is not None and out.type in CODE_PORTS


def _infer(spec: ModuleSpec, in_schemas, params, upstream: Mapping[str, Upstream] | None = None) -> dict[str, Schema]:
    if spec.infer_schema is None:
        return {}
    try:
        # an inference that takes a third argument also sees the nodes upstream (Score Model: the learner's task)
        out = spec.infer_schema(in_schemas, params, upstream or {}) if _takes_upstream(spec.infer_schema) \
            else spec.infer_schema(in_schemas, params)
    except Exception:  # an inference that fails only means the schema is not known yet
        return {}
    return {port: s for port, s in out.items() if s is not None}


def _takes_upstream(fn: Callable[..., Any] | None) -> bool:
    """Whether an infer_schema takes a third argument (asked once per function: a signature costs ~0.1 ms)."""
    if fn is None:
        return False
    found = _TAKES_UPSTREAM.get(fn)
    if found is None:
        import inspect

        try:
            found = len(inspect.signature(fn).parameters) >= 3
        except (TypeError, ValueError):
            found = False
        _TAKES_UPSTREAM[fn] = found
    return found


_TAKES_UPSTREAM: "weakref.WeakKeyDictionary[Callable[..., Any], bool]" = weakref.WeakKeyDictionary()


class _SchemaJson:
    """schema_json, once per schema object: a chain of transforms that pass their input's schema
    through shares one JSON list, so a wide table costs its columns once, not once per node."""

    def __init__(self) -> None:
        self._done: dict[int, tuple[Schema, list]] = {}

    def __call__(self, schema: Schema | None) -> list | None:
        if schema is None:
            return None
        found = self._done.get(id(schema))
        if found is None or found[0] is not schema:
            found = self._done[id(schema)] = (schema, schema_json(schema))
        return found[1]
