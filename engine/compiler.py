"""Graph document -> networkx DiGraph -> frozen execution plan. Pure: every problem becomes a
structured error pointing at a node, edge, port or parameter."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Mapping

import networkx as nx

from modules_catalog.params import ParamError, coerce, is_empty
from modules_catalog.ports import can_connect
from modules_catalog.registry import UnknownModule, load_builtins
from modules_catalog.schema import schema_json
from modules_catalog.spec import ModuleSpec, Param, ParamKind, Schema

from .documents import canonical_document, document_digest, edge_id, error, shape_errors  # noqa: F401
from .plan import Plan, PlannedStep, StepInput
from .stepspec import DEFAULT_CPU_SECONDS_MAX, DEFAULT_MEMORY_MB, DEFAULT_TIMEOUT

DatasetResolver = Callable[[dict[str, Any]], "dict[str, Any] | None"]
SchemaJson = "list[dict[str, str]] | None"  # schema_json: [{"name", "dtype"}], None when not known
NodeSchemas = dict[str, dict[str, Any]]  # {"inputs": {port: SchemaJson}, "outputs": {port: SchemaJson}}


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
                      resolve_dataset: DatasetResolver | None = None,
                      limits: ServerLimits | None = None) -> list[dict[str, Any]]:
    return _compile(document, params or {}, resolve_dataset, limits or server_limits())[1]


def infer_schemas(document: Any, *, params: Mapping[str, Any] | None = None,
                  resolve_dataset: DatasetResolver | None = None,
                  limits: ServerLimits | None = None) -> tuple[dict[str, NodeSchemas], list[dict[str, Any]]]:
    """Every node's input and output column schemas as far as they can be known, and every compile
    error: a node in error, or downstream of one, has null where its columns cannot be known, while
    branches that do not depend on it keep theirs. A node of an unknown module has no ports."""
    schemas: dict[str, NodeSchemas] = {}
    errors = _compile(document, params or {}, resolve_dataset, limits or server_limits(), schemas)[1]
    return schemas, errors


def _compile(document: Any, params: Mapping[str, Any], resolve: DatasetResolver | None, limits: ServerLimits,
             node_schemas: dict[str, NodeSchemas] | None = None):
    """The plan (None on any error) and every error; with `node_schemas`, also fills it with each
    node's input and output schemas (what infer_schemas answers)."""
    errors = shape_errors(document)
    if errors:
        return None, errors
    registry = load_builtins()
    pipeline_params, errors = _pipeline_params(document.get("parameters", []), params)
    specs: dict[str, ModuleSpec] = {}
    nodes: dict[str, dict[str, Any]] = {}  # by id: every later look-up is O(1), never a scan
    graph = nx.DiGraph()
    for node in document["nodes"]:
        nodes[node["id"]] = node
        graph.add_node(node["id"])
        errors += _check_limits(node, limits)
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
    failed: set[str] = set()  # nodes in error or downstream of one (for node_schemas)
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
        typed[nid] = {} if node_errors or unknown else _infer(spec, in_schemas, resolved)
        schemas[nid] = {port: as_json(s) for port, s in typed[nid].items()}
        if node_schemas is not None:
            # a node in error, or fed by one, does not run: what flows out of it is not known
            known = {i.port: in_schemas[i.port] for i in inputs if i.source not in failed}
            if len(errors) > before or unknown or len(known) < len(inputs):
                failed.add(nid)
            node_schemas[nid] = _ports_json(spec, known, {} if nid in failed else typed[nid], as_json)
        steps.append(PlannedStep(
            node_id=nid, module=spec.key, version=spec.version, params=resolved, inputs=tuple(inputs),
            outputs={p.name: p.type.value for p in spec.outputs}, target=node.get("target") or "local",
            reuse=node.get("reuse", True), user_code=spec.user_code, source_hash=spec.source_hash,
            timeout=_number(node.get("timeout"), float), memory_mb=_number(node.get("memory_mb"), int),
            cpu_seconds=_number(node.get("cpu_seconds"), int),
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
        errors.append({**error("unknown_target", f"node {nid!r} runs on target {target!r}, which this server does "
                               f"not have (targets: {', '.join(limits.targets)})", node=nid), "field": "target"})
    return errors


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
        chosen = params[p.name] if isinstance(params[p.name], list) else [params[p.name]]
        for column in chosen:
            if column not in have:
                errors.append(error("unknown_column", f"node {nid!r}: column {column!r} of {p.label or p.name!r} is not in "
                                    f"its input {p.port!r} (columns: {', '.join(have[:20])}{'…' if len(have) > 20 else ''})",
                                    node=nid, param=p.name, port=p.port))
    return errors


def _infer(spec: ModuleSpec, in_schemas, params) -> dict[str, Schema]:
    if spec.infer_schema is None:
        return {}
    try:
        out = spec.infer_schema(in_schemas, params)
    except Exception:  # an inference that fails only means the schema is not known yet
        return {}
    return {port: s for port, s in out.items() if s is not None}


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
