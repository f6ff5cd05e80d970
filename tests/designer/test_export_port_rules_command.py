"""`manage.py export_port_rules`: the canvas's port-rule table, every pair of port types from
`can_connect`, and the committed copy the TypeScript rule is tested against is up to date."""
from __future__ import annotations

import io
import json
from itertools import product

from django.core.management import call_command

from designer.management.commands.export_port_rules import PORT_RULES_FILE, port_rules_json
from modules_catalog.ports import can_connect
from modules_catalog.spec import PortType


def test_the_committed_port_rules_file_is_what_python_computes_now():
    committed = PORT_RULES_FILE.read_text() if PORT_RULES_FILE.exists() else "(missing)"
    assert committed == port_rules_json(), (
        f"{PORT_RULES_FILE} differs from modules_catalog.ports.can_connect: "
        "run `.venv/bin/python manage.py export_port_rules` and commit the file")


def test_the_command_writes_every_pair_of_port_types_once_with_can_connects_answer(tmp_path):
    out = io.StringIO()
    target = tmp_path / "rules" / "port-rules.json"
    call_command("export_port_rules", "--output", str(target), stdout=out)
    table = json.loads(target.read_text())
    assert table["types"] == [t.value for t in PortType]
    assert [(p["source"], p["target"]) for p in table["pairs"]] == list(product(table["types"], repeat=2))
    assert all(p["ok"] is can_connect(p["source"], p["target"]) for p in table["pairs"])
    assert {p["ok"] for p in table["pairs"]} == {True, False}
    assert f"{len(PortType) ** 2} pairs" in out.getvalue() and str(target) in out.getvalue()
