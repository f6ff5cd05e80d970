"""Python Language: run the user's own `azureml_main` over up to two DataFrames."""
from __future__ import annotations

import inspect
import linecache
from typing import Any

import pandas as pd

from ..spec import Param, ParamKind, Port, PortType, module

SCRIPT_FILENAME = "<script>"
ENTRY_POINT = "azureml_main"

DEFAULT_SCRIPT = '''\
import pandas as pd


# Called with the DataFrames connected to Dataset1 and Dataset2 (None when not connected).
# Return up to two DataFrames: they become Result Dataset 1 and 2. print() goes to the step's log.
def azureml_main(dataframe1=None, dataframe2=None):
    return dataframe1,
'''


@module(
    "execute_python_script", "1", "Execute Python Script", "Python Language",
    inputs=[Port("dataset1", PortType.DATAFRAME, "Dataset1", optional=True),
            Port("dataset2", PortType.DATAFRAME, "Dataset2", optional=True)],
    outputs=[Port("result1", PortType.DATAFRAME, "Result Dataset 1"),
             Port("result2", PortType.DATAFRAME, "Result Dataset 2")],
    params=[Param("script", ParamKind.CODE, "Python script", default=DEFAULT_SCRIPT,
                  help=f"Must define {ENTRY_POINT}(dataframe1, dataframe2).")],
    user_code=True,
)
def execute_python_script(ctx: Any, *, dataset1: pd.DataFrame | None = None, dataset2: pd.DataFrame | None = None,
                          script: str = DEFAULT_SCRIPT) -> dict[str, pd.DataFrame]:
    """Run the script, call its `azureml_main` with copies of the inputs, and return what it returns."""
    main = load_entry_point(script)
    args = tuple(None if df is None else df.copy() for df in (dataset1, dataset2))
    try:
        inspect.signature(main).bind(*args)
    except TypeError:
        raise TypeError(f"{ENTRY_POINT} must accept two arguments (dataframe1, dataframe2)") from None
    except ValueError:  # a callable without a readable signature: let the call itself decide
        pass
    result1, result2 = script_results(main(*args))
    ctx.log(f"{ENTRY_POINT} returned {len(result1)} and {len(result2)} rows")
    return {"result1": result1, "result2": result2}


def load_entry_point(script: str) -> Any:
    """Execute the script in a fresh namespace and return its `azureml_main`.

    The source is registered with linecache under "<script>" so a traceback through the user's
    code shows their line numbers and lines. Errors in the script propagate unchanged.
    """
    if not script or not script.strip():
        raise ValueError("param 'script' is empty")
    linecache.cache[SCRIPT_FILENAME] = (len(script), None, script.splitlines(keepends=True), SCRIPT_FILENAME)
    code = compile(script, SCRIPT_FILENAME, "exec")
    namespace: dict[str, Any] = {"__name__": "__script__", "__file__": SCRIPT_FILENAME}
    exec(code, namespace)  # noqa: S102 - running the user's code is this module's purpose
    main = namespace.get(ENTRY_POINT)
    if not callable(main):
        raise ValueError(f"the script must define a function {ENTRY_POINT}(dataframe1, dataframe2)")
    return main


def script_results(value: Any) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A DataFrame, a tuple/list of up to two, or None, as exactly two DataFrames (empty when absent)."""
    if value is None:
        items: list[Any] = []
    elif isinstance(value, pd.DataFrame):
        items = [value]
    elif isinstance(value, (tuple, list)):
        items = list(value)
        if len(items) > 2:
            raise TypeError(f"{ENTRY_POINT} returned {len(items)} values; it may return at most two DataFrames")
    else:
        raise TypeError(f"{ENTRY_POINT} must return a pandas DataFrame, a tuple of up to two DataFrames, "
                        f"or None; it returned a {type(value).__name__}")
    items += [None] * (2 - len(items))
    for i, item in enumerate(items, start=1):
        if item is not None and not isinstance(item, pd.DataFrame):
            raise TypeError(f"{ENTRY_POINT} returned a {type(item).__name__} as result {i}; "
                            "expected a pandas DataFrame")
    first, second = (pd.DataFrame() if item is None else item for item in items)
    return first, second
