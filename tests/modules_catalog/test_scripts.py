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


def test_the_script_module_runs_user_code_and_has_three_optional_inputs(catalog):
    spec = catalog.get("execute_python_script")
    assert spec.user_code
    assert [(p.name, p.type.value, p.optional) for p in spec.inputs] == [
        ("dataset1", "DataFrame", True), ("dataset2", "DataFrame", True), ("bundle", "AnyFile", True)]
    assert [p.name for p in spec.outputs] == ["result1", "result2"]


# -- script bundles ----------------------------------------------------------------------------------
import io  # noqa: E402
import os  # noqa: E402
import pickle  # noqa: E402
import stat  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import zipfile  # noqa: E402

import numpy as np  # noqa: E402

from modules_catalog.builtins import scripts  # noqa: E402
from modules_catalog.context import SimpleContext  # noqa: E402

STATS = "import pandas as pd\n\n\ndef class_means(df, label):\n    return df.groupby(label).mean().reset_index()\n"
BUNDLE_SCRIPT = (
    "from mylib.stats import class_means\n"
    "import top\n\n"
    "def azureml_main(dataframe1=None, dataframe2=None):\n"
    "    return class_means(dataframe1, top.LABEL),\n"
)


def zip_bytes(entries):
    """A zip of (name, text[, mode]) entries, deflated."""
    import warnings

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as zf, warnings.catch_warnings():
        warnings.simplefilter("ignore")  # a name used twice is one of the cases
        for entry in entries:
            info = zipfile.ZipInfo(entry[0])
            info.compress_type = zipfile.ZIP_DEFLATED
            if len(entry) > 2:
                info.external_attr = entry[2] << 16
            zf.writestr(info, entry[1])
    return buffer.getvalue()


def write(tmp_path, data, name="bundle.zip"):
    path = tmp_path / name
    path.write_bytes(data)
    return str(path)


@pytest.fixture
def work(tmp_path):
    return SimpleContext(seed=0, workdir=str(tmp_path / "step"))


def test_a_bundle_is_importable_by_the_script_and_forgotten_afterwards(catalog, tmp_path, work, iris):
    bundle = write(tmp_path, zip_bytes([("mylib/__init__.py", ""), ("mylib/stats.py", STATS),
                                        ("top.py", "LABEL = 'target'\n")]))
    out = catalog.get("execute_python_script").fn(work, dataset1=iris, bundle=bundle, script=BUNDLE_SCRIPT)
    pd.testing.assert_frame_equal(out["result1"], iris.groupby("target").mean().reset_index())
    unpacked = [p for p in os.listdir(work.workdir) if p.startswith("bundle-")]
    assert len(unpacked) == 1 and os.path.isfile(os.path.join(work.workdir, unpacked[0], "mylib", "stats.py"))
    assert not any("bundle-" in p for p in sys.path)
    assert "mylib" not in sys.modules and "top" not in sys.modules
    assert any("script bundle unpacked: mylib, top.py" in line for line in work.logs)


@pytest.mark.parametrize(("entries", "problem"), [
    ([("../evil.py", "x = 1")], "climbs out of the bundle"),
    ([("ok/../../evil.py", "x = 1")], "climbs out of the bundle"),
    ([("/etc/evil.py", "x = 1")], "is an absolute path"),
    ([("C:/evil.py", "x = 1")], "is an absolute path"),
    ([("dir\\evil.py", "x = 1")], "uses backslashes"),
    ([("link.py", "/etc/passwd", stat.S_IFLNK | 0o777)], "is a symbolic link"),
    ([("a.py", "x = 1"), ("a.py", "x = 2")], "is in the zip twice"),
])
def test_a_bundle_that_would_write_outside_its_folder_is_refused_before_unpacking(catalog, tmp_path, work,
                                                                                   entries, problem):
    bundle = write(tmp_path, zip_bytes([("fine.py", "y = 2"), *entries]))
    with pytest.raises(ValueError, match=problem):
        catalog.get("execute_python_script").fn(work, bundle=bundle, script=DEFAULT)
    assert not os.path.exists(work.workdir) or os.listdir(work.workdir) == []
    assert not (tmp_path / "evil.py").exists()


DEFAULT = "def azureml_main(a=None, b=None):\n    return a,\n"


def test_a_bundle_is_bounded_in_files_and_bytes_as_unpacked(catalog, tmp_path, work, monkeypatch):
    monkeypatch.setattr(scripts, "MAX_BUNDLE_FILES", 3)
    bundle = write(tmp_path, zip_bytes([(f"m{i}.py", "") for i in range(4)]))
    with pytest.raises(ValueError, match="holds 4 files, more than the limit of 3"):
        catalog.get("execute_python_script").fn(work, bundle=bundle, script=DEFAULT)
    monkeypatch.setattr(scripts, "MAX_BUNDLE_BYTES", 1000)
    bomb = write(tmp_path, zip_bytes([("big.py", "#" * 5000)]), "bomb.zip")
    with pytest.raises(ValueError, match="unpacks to more than"):
        catalog.get("execute_python_script").fn(work, bundle=bomb, script=DEFAULT)


def test_something_that_is_not_a_zip_is_named(catalog, tmp_path, work, iris):
    with pytest.raises(ValueError, match="the script bundle is not a zip file"):
        catalog.get("execute_python_script").fn(work, bundle=write(tmp_path, b"print(1)\n", "a.py"), script=DEFAULT)
    with pytest.raises(TypeError, match="the bundle input holds a DataFrame, not a zip file"):
        catalog.get("execute_python_script").fn(work, bundle=iris, script=DEFAULT)


def test_import_script_bundle_zips_typed_code_and_a_dataset_of_files_reproducibly(catalog, tmp_path, iris):
    files = pd.DataFrame({"path": ["mylib/__init__.py", "mylib/stats.py"], "content": ["", STATS]})
    ctx = SimpleContext(workdir=str(tmp_path / "a"), datasets={"lib": files})
    spec = catalog.get("import_script_bundle")
    path = spec.fn(ctx, dataset={"name": "lib", "version": 1}, module_name="top", code="LABEL = 'target'\n")
    with zipfile.ZipFile(path) as zf:
        assert zf.namelist() == ["mylib/__init__.py", "mylib/stats.py", "top.py"]
        assert zf.read("mylib/stats.py").decode() == STATS
    again = spec.fn(SimpleContext(workdir=str(tmp_path / "b"), datasets={"lib": files}),
                    dataset={"name": "lib", "version": 1}, module_name="top", code="LABEL = 'target'\n")
    assert open(path, "rb").read() == open(again, "rb").read()  # same files, same bytes: a re-run is reused
    work = SimpleContext(workdir=str(tmp_path / "step"))
    out = catalog.get("execute_python_script").fn(work, dataset1=iris, bundle=path, script=BUNDLE_SCRIPT)
    pd.testing.assert_frame_equal(out["result1"], iris.groupby("target").mean().reset_index())


def test_import_script_bundle_refuses_unsafe_paths_and_bad_names(catalog, tmp_path):
    spec = catalog.get("import_script_bundle")
    ctx = SimpleContext(workdir=str(tmp_path), datasets={"bad": pd.DataFrame({"path": ["../x.py"], "content": ["1"]}),
                                                         "cols": pd.DataFrame({"file": ["a.py"]})})
    with pytest.raises(ValueError, match="path '../x.py' of dataset 'bad' climbs out"):
        spec.fn(ctx, dataset={"name": "bad"})
    with pytest.raises(ValueError, match="must have columns 'path' and 'content'"):
        spec.fn(ctx, dataset={"name": "cols"})
    with pytest.raises(ValueError, match="'my-lib' is not a Python module name"):
        spec.fn(ctx, module_name="my-lib", code="x = 1\n")
    with pytest.raises(ValueError, match="no files"):
        spec.fn(ctx, code="  ")
    from modules_catalog.spec import Design

    assert [v.param for v in spec.check(Design(inputs={}, params={}))] == ["code"]
    assert [v.param for v in spec.check(Design(inputs={}, params={"code": "x=1", "module_name": "1x"}))] == [
        "module_name"]
    assert list(spec.check(Design(inputs={}, params={"code": "x=1", "module_name": "ok"}))) == []


# -- Create Python Model -----------------------------------------------------------------------------
NUMPY_LEAST_SQUARES = '''\
import numpy as np


class LeastSquares:
    """Ordinary least squares with an intercept, by numpy's lstsq."""

    def fit(self, X, y):
        A = np.column_stack([np.ones(len(X)), np.asarray(X, dtype=float)])
        self.coef_, *_ = np.linalg.lstsq(A, np.asarray(y, dtype=float), rcond=None)
        return self

    def predict(self, X):
        return self.coef_[0] + np.asarray(X, dtype=float) @ self.coef_[1:]
'''


def train_and_score(catalog, learner, data, label, seed=0):
    model = catalog.get("train_model").fn(SimpleContext(seed=seed), learner=learner, data=data, label_column=label)
    scored = catalog.get("score_model").fn(SimpleContext(seed=seed), model=model, data=data)
    return model, scored


def test_a_python_model_classifies_iris_as_the_sklearn_model_it_wraps(catalog, iris):
    from sklearn.linear_model import LogisticRegression

    spec = catalog.get("create_python_model")
    assert spec.user_code and spec.category == "Python Language"
    learner = spec.fn(SimpleContext(), task="multiclass")
    assert learner.task == "multiclass" and learner.name == "Create Python Model"
    learner = pickle.loads(pickle.dumps(learner))  # as it travels between steps
    model, scored = train_and_score(catalog, learner, iris, "target", seed=3)
    X = iris.drop(columns="target")
    direct = LogisticRegression(max_iter=1000, random_state=3).fit(X, iris["target"])
    np.testing.assert_array_equal(scored["scored_label"], direct.predict(X))
    np.testing.assert_allclose(scored[["scored_probability_0", "scored_probability_1", "scored_probability_2"]],
                               direct.predict_proba(X))
    assert model.estimator.random_state == 3  # Train Model's seed reached the user's class


def test_a_python_regressor_predicts_diabetes_as_linear_regression(catalog):
    from sklearn.datasets import load_diabetes
    from sklearn.linear_model import LinearRegression

    diabetes = load_diabetes(as_frame=True).frame
    learner = catalog.get("create_python_model").fn(SimpleContext(), script=NUMPY_LEAST_SQUARES, task="regression")
    model, scored = train_and_score(catalog, learner, diabetes, "target")
    X = diabetes.drop(columns="target")
    np.testing.assert_allclose(scored["scored_label"], LinearRegression().fit(X, diabetes["target"]).predict(X))
    assert "scored_probability" not in scored.columns


def test_a_trained_python_model_is_rebuilt_from_its_source_in_another_process(catalog, iris, tmp_path):
    learner = catalog.get("create_python_model").fn(SimpleContext(), task="multiclass")
    model, scored = train_and_score(catalog, learner, iris, "target")
    path = tmp_path / "model.pkl"
    path.write_bytes(pickle.dumps(model))
    iris.to_parquet(tmp_path / "iris.parquet")
    code = ("import pickle, sys, pandas as pd\n"
            "model = pickle.load(open(sys.argv[1], 'rb'))\n"
            "scored = model.score(pd.read_parquet(sys.argv[2]))\n"
            "scored.to_parquet(sys.argv[3])\n")
    subprocess.run([sys.executable, "-c", code, str(path), str(tmp_path / "iris.parquet"),
                    str(tmp_path / "out.parquet")],
                   check=True, cwd=os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))),
                   timeout=120)
    pd.testing.assert_frame_equal(pd.read_parquet(tmp_path / "out.parquet"), scored)


def test_a_python_model_without_predict_proba_scores_labels_only(catalog, iris):
    script = ("from sklearn.neighbors import NearestCentroid\n\n"
              "class Centroids:\n"
              "    def fit(self, X, y):\n        self.m = NearestCentroid().fit(X, y)\n"
              "    def predict(self, X):\n        return self.m.predict(X)\n")
    from sklearn.neighbors import NearestCentroid

    learner = catalog.get("create_python_model").fn(SimpleContext(), script=script, task="multiclass")
    _, scored = train_and_score(catalog, learner, iris, "target")
    X = iris.drop(columns="target")
    np.testing.assert_array_equal(scored["scored_label"], NearestCentroid().fit(X, iris["target"]).predict(X))
    assert "scored_probability" not in scored.columns


@pytest.mark.parametrize(("script", "params", "message"), [
    ("x = 1\n", {}, "defines no class with methods fit"),
    ("class A:\n    def fit(s, X, y): pass\n    def predict(s, X): pass\n\nclass B(A):\n    pass\n", {},
     r"several model classes \(A, B\); name the one"),
    (NUMPY_LEAST_SQUARES, {"class_name": "Nope"}, "defines no class named 'Nope'"),
    ("class A:\n    def __init__(self, k):\n        pass\n    def fit(s, X, y): pass\n    def predict(s, X): pass\n",
     {}, "must be created without arguments"),
])
def test_a_python_model_script_mistake_is_named(catalog, script, params, message):
    with pytest.raises((ValueError, TypeError), match=message):
        catalog.get("create_python_model").fn(SimpleContext(), script=script, **params)


def test_a_prediction_of_the_wrong_length_is_named(catalog, iris):
    script = ("class Short:\n    def fit(self, X, y):\n        return self\n"
              "    def predict(self, X):\n        return [0] * (len(X) - 1)\n")
    learner = catalog.get("create_python_model").fn(SimpleContext(), script=script, task="multiclass")
    with pytest.raises(ValueError, match=r"predict\(X\) returned \(149,\) values for 150 rows"):
        train_and_score(catalog, learner, iris, "target")


def test_a_bundle_travels_through_the_datastore_from_import_script_bundle_to_the_script(tmp_path, iris):
    """The engine's path: the bundle step's zip is stored as an AnyFile; the script step gets its path."""
    from engine.datastore import Datastore
    from engine.runner import run_step
    from engine.stepspec import StepSpec

    store = Datastore(str(tmp_path / "ds"))

    def step(module, workdir, *, inputs=None, params=None, user_code=False):
        os.makedirs(tmp_path / workdir)
        spec = StepSpec(attempt_id=1, run_id=1, node_id=workdir, module=module, version="1", params=params or {},
                        inputs=inputs or {}, datastore=store.root, workdir=str(tmp_path / workdir),
                        user_code=user_code)
        result = run_step(spec, lambda event: None)
        assert result.status == "succeeded", result.traceback
        return result.outputs

    bundled = step("import_script_bundle", "bundle", params={"module_name": "top", "code": "LABEL = 'target'\n"})
    assert bundled["bundle"]["kind"] == "AnyFile"
    frame = store.put(iris, "DataFrame")
    script = ("import top\n\ndef azureml_main(a=None, b=None):\n"
              "    return a.groupby(top.LABEL).size().reset_index(name='n'),\n")
    out = step("execute_python_script", "script", user_code=True, params={"script": script},
               inputs={"dataset1": {"digest": frame.digest, "kind": "DataFrame"},
                       "bundle": {"digest": bundled["bundle"]["digest"], "kind": "AnyFile"}})
    pd.testing.assert_frame_equal(store.load(out["result1"]["digest"], "DataFrame"),
                                  iris.groupby("target").size().reset_index(name="n"))
