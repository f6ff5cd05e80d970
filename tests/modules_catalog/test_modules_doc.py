"""docs/modules.md is what the declarations give (regenerate it with the command the failure names),
and the generator writes what a reader needs: categories in Azure's order, groups, typed ports,
parameters with kind, default, range, accepted column types and help."""
from __future__ import annotations

from pathlib import Path

from modules_catalog.docs import COMMAND, DOC_PATH, builtins_markdown, modules_markdown
from modules_catalog.spec import NUMERIC_DTYPES, ModuleSpec, Param, ParamKind, Port, PortType

ROOT = Path(__file__).resolve().parents[2]


def test_docs_modules_md_is_generated_from_the_declarations():
    committed = (ROOT / DOC_PATH).read_text() if (ROOT / DOC_PATH).exists() else ""
    assert committed == builtins_markdown(), (
        f"{DOC_PATH} is stale: a module's declaration changed since it was generated. Regenerate it with "
        f"`{COMMAND}` (or `make docs-modules`) and commit it")


def _spec(key: str, label: str, category: str, **kw) -> ModuleSpec:
    return ModuleSpec(key=key, version="2", label=label, category=category, fn=lambda ctx: None, **kw)


def test_the_reference_lists_modules_by_category_in_azure_s_order_then_group_with_their_declarations():
    scale = _spec("scale", "Scale | Shift", "Data Transformation", description="Scales.\nTwice.",
                  inputs=(Port("data", PortType.DATAFRAME, "Dataset", help="the table"),),
                  outputs=(Port("data", PortType.DATAFRAME),),
                  params=(Param("columns", ParamKind.COLUMNS, "Columns", port="data", dtypes=NUMERIC_DTYPES,
                                hint="encode it first", help="which ones"),
                          Param("factor", ParamKind.FLOAT, default=2.5, min=0, max=1e9),
                          Param("how", ParamKind.CHOICE, default="up", choices=("up", "down"), required=False)))
    tree = _spec("tree", "Tree", "Machine Learning Algorithms", group="Regression", task="regression",
                 outputs=(Port("learner", PortType.UNTRAINED_MODEL),))
    first = _spec("load", "Load", "Data Input and Output", outputs=(Port("data", PortType.DATAFRAME),))
    text = modules_markdown([tree, scale, first])
    order = [text.index(h) for h in ("## Data Input and Output", "## Data Transformation",
                                     "## Machine Learning Algorithms", "### Regression", "#### Tree")]
    assert order == sorted(order)
    assert "`scale@2`" in text and "Scales. Twice." not in text and "Scales.\nTwice." in text
    assert "#### Scale | Shift" in text
    assert "| `data` (Dataset) | DataFrame | the table |" in text
    assert ("| `columns` (Columns) | columns of `data` | — |   | numeric (int, float, bool) | which ones Another type: "
            "encode it first |") in text
    assert "| `factor` | float | `2.5` | 0 to 1000000000 |   |   |" in text
    assert "| `how`, optional | choice | `\"up\"` | `up`, `down` |   |   |" in text
    assert "`tree@2` · task: regression" in text and "*No parameters.*" in text
    assert "its output columns are known once it has run" in text
