"""Execute Python Script: the user's azureml_main over the inputs, with their own errors and line numbers."""
from __future__ import annotations

import traceback

import pandas as pd
import pytest
from sklearn.datasets import load_iris


@pytest.fixture
def iris():
    return load_iris(as_frame=True).frame


@pytest.fixture
def run(catalog, ctx):
    spec = catalog.get("execute_python_script", "1")

    def run(script, dataset1=None, dataset2=None):
        return spec.fn(ctx, dataset1=dataset1, dataset2=dataset2, script=script)

    return run


def test_the_default_script_returns_the_first_input(catalog, run, iris):
    default = catalog.get("execute_python_script").param("script").default
    out = run(default, dataset1=iris)
    pd.testing.assert_frame_equal(out["result1"], iris)
    assert out["result2"].empty


def test_a_script_computes_what_pandas_computes(run, iris):
    script = (
        "def azureml_main(dataframe1=None, dataframe2=None):\n"
        "    means = dataframe1.groupby('target').mean().reset_index()\n"
        "    return means, dataframe2.head(3)\n"
    )
    out = run(script, dataset1=iris, dataset2=iris)
    pd.testing.assert_frame_equal(out["result1"], iris.groupby("target").mean().reset_index())
    pd.testing.assert_frame_equal(out["result2"], iris.head(3))


def test_a_script_gets_copies_and_cannot_change_the_inputs(run, iris):
    before = iris.copy()
    run("def azureml_main(a, b):\n    a['target'] = -1\n    return a\n", dataset1=iris)
    pd.testing.assert_frame_equal(iris, before)


def test_a_script_returning_none_gives_two_empty_frames(run):
    out = run("def azureml_main(dataframe1, dataframe2):\n    return None\n")
    assert out["result1"].empty and out["result2"].empty


def test_an_error_in_the_script_propagates_with_the_users_line(run, iris):
    script = "import math\n\ndef azureml_main(dataframe1, dataframe2):\n    return dataframe1['nope']\n"
    with pytest.raises(KeyError) as info:
        run(script, dataset1=iris)
    text = "".join(traceback.format_exception(info.value))
    assert 'File "<script>", line 4, in azureml_main' in text
    assert "return dataframe1['nope']" in text


def test_a_syntax_error_points_at_the_script(run):
    with pytest.raises(SyntaxError) as info:
        run("def azureml_main(a, b)\n    return a\n")
    assert (info.value.filename, info.value.lineno) == ("<script>", 1)


@pytest.mark.parametrize(("returned", "message"), [
    ("42", "must return a pandas DataFrame, a tuple of up to two DataFrames, or None; it returned a int"),
    ("(a, 'x')", "returned a str as result 2"),
    ("(a, a, a)", "returned 3 values"),
])
def test_a_return_that_is_not_dataframes_is_a_type_error(run, iris, returned, message):
    with pytest.raises(TypeError, match=message.replace("(", r"\(").replace(")", r"\)")):
        run(f"def azureml_main(a, b):\n    return {returned}\n", dataset1=iris)


def test_a_script_without_azureml_main_says_so(run):
    with pytest.raises(ValueError, match="must define a function azureml_main"):
        run("x = 1\n")
    with pytest.raises(TypeError, match="must accept two arguments"):
        run("def azureml_main():\n    return None\n")


def test_print_goes_to_stdout(run, capsys):
    run("def azureml_main(a, b):\n    print('hello from the script')\n")
    assert "hello from the script" in capsys.readouterr().out


def test_the_script_module_runs_user_code_and_has_two_optional_inputs(catalog):
    spec = catalog.get("execute_python_script")
    assert spec.user_code
    assert [(p.name, p.optional) for p in spec.inputs] == [("dataset1", True), ("dataset2", True)]
    assert [p.name for p in spec.outputs] == ["result1", "result2"]
