"""The graph document: its shape check, canonical form and content hash."""
from __future__ import annotations

import hashlib
import json
from typing import Any

SCHEMA_VERSION = 1
_NODE_FIELDS_HASHED = ("id", "module", "version", "params", "target", "reuse", "timeout", "memory_mb", "cpu_seconds")


def error(code: str, message: str, *, node: str | None = None, edge: str | None = None,
          port: str | None = None, param: str | None = None) -> dict[str, Any]:
    """One structured error, pointing at the place in the graph it is about."""
    return {"code": code, "message": message, "node": node, "edge": edge, "port": port, "param": param}


def edge_id(edge: dict[str, Any]) -> str:
    return str(edge.get("id") or f"{edge.get('source')}.{edge.get('source_port')}->{edge.get('target')}.{edge.get('target_port')}")


def node(id: str, module: str, version: str = "1", **params: Any) -> dict[str, Any]:
    """A node of a graph document (builders for scripts, tests and benchmarks)."""
    return {"id": id, "module": module, "version": version, "params": params}


def edge(source: str, source_port: str, target: str, target_port: str) -> dict[str, Any]:
    return {"id": f"{source}.{source_port}-{target}.{target_port}", "source": source,
            "source_port": source_port, "target": target, "target_port": target_port}


def document(nodes: list[dict], edges: list[dict], parameters: list[dict] | None = None, *,
             name: str = "pipeline") -> dict[str, Any]:
    return {"schema_version": SCHEMA_VERSION, "name": name, "parameters": parameters or [], "nodes": nodes, "edges": edges}


def shape_errors(document: Any) -> list[dict[str, Any]]:
    """Errors that make `document` not a graph document at all (code `invalid_document`)."""
    bad = lambda msg, **at: error("invalid_document", msg, **at)  # noqa: E731
    if not isinstance(document, dict):
        return [bad("the pipeline document must be a JSON object")]
    errors: list[dict[str, Any]] = []
    version = document.get("schema_version", SCHEMA_VERSION)
    if version != SCHEMA_VERSION:
        errors.append(bad(f"schema_version {version!r} is not supported; this server reads {SCHEMA_VERSION}"))
    nodes, edges = document.get("nodes"), document.get("edges", [])
    params = document.get("parameters", [])
    if not isinstance(nodes, list):
        errors.append(bad("'nodes' must be a list of nodes"))
        nodes = []
    if not isinstance(edges, list):
        errors.append(bad("'edges' must be a list of edges"))
        edges = []
    if not isinstance(params, list):
        errors.append(bad("'parameters' must be a list of pipeline parameters"))
        params = []
    seen: set[str] = set()
    for i, node in enumerate(nodes):
        if not isinstance(node, dict) or not isinstance(node.get("id"), str) or not node["id"]:
            errors.append(bad(f"node #{i + 1} needs a non-empty string 'id'"))
            continue
        nid = node["id"]
        if nid in seen:
            errors.append(bad(f"two nodes share the id {nid!r}", node=nid))
        seen.add(nid)
        if not isinstance(node.get("module"), str) or not node["module"]:
            errors.append(bad(f"node {nid!r} needs a 'module' key", node=nid))
        if "version" in node and not isinstance(node["version"], (str, int)):
            errors.append(bad(f"node {nid!r} has a 'version' that is not a string", node=nid))
        if not isinstance(node.get("params", {}), dict):
            errors.append(bad(f"node {nid!r} has 'params' that is not an object", node=nid))
        for limit in ("timeout", "memory_mb", "cpu_seconds"):
            value = node.get(limit)
            if value is not None and (not isinstance(value, (int, float)) or isinstance(value, bool) or value <= 0):
                errors.append(bad(f"node {nid!r} has a '{limit}' that is not a positive number", node=nid))
        if not isinstance(node.get("reuse", True), bool):
            errors.append(bad(f"node {nid!r} has a 'reuse' flag that is not true or false", node=nid))
    for i, e in enumerate(edges):
        fields = ("source", "source_port", "target", "target_port")
        if not isinstance(e, dict) or not all(isinstance(e.get(f), str) and e.get(f) for f in fields):
            eid = edge_id(e) if isinstance(e, dict) else f"#{i + 1}"
            errors.append(bad(f"edge {eid} needs string 'source', 'source_port', 'target' and 'target_port'", edge=eid))
    names: set[str] = set()
    for i, p in enumerate(params):
        if not isinstance(p, dict) or not isinstance(p.get("name"), str) or not p["name"].isidentifier():
            errors.append(bad(f"pipeline parameter #{i + 1} needs a 'name' that is an identifier"))
            continue
        if p["name"] in names:
            errors.append(bad(f"two pipeline parameters are named {p['name']!r}", param=p["name"]))
        names.add(p["name"])
    return errors


def canonical_document(document: dict[str, Any]) -> dict[str, Any]:
    """What a version is: nodes and edges sorted, positions, labels and comments dropped."""
    nodes = []
    for node in sorted(document.get("nodes", []), key=lambda n: n["id"]):
        clean = {k: node[k] for k in _NODE_FIELDS_HASHED if k in node}
        clean["version"] = str(clean.get("version", ""))
        clean.setdefault("params", {})
        clean.setdefault("reuse", True)
        clean.setdefault("target", "local")
        nodes.append(clean)
    edges = sorted(
        ({k: e[k] for k in ("source", "source_port", "target", "target_port")} for e in document.get("edges", [])),
        key=lambda e: (e["target"], e["target_port"], e["source"], e["source_port"]),
    )
    params = sorted(document.get("parameters", []), key=lambda p: p["name"])
    return {"schema_version": SCHEMA_VERSION, "nodes": nodes, "edges": edges, "parameters": params}


def canonical_json(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), default=str)


def document_digest(document: dict[str, Any]) -> str:
    return hashlib.sha256(canonical_json(canonical_document(document)).encode()).hexdigest()
