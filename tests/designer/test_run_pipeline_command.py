"""`manage.py run_pipeline`: a headless run that prints statuses and one JSON summary line."""
from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from django.core.management import call_command

SAMPLES = Path(__file__).resolve().parents[2] / "samples"
pytestmark = pytest.mark.django_db(transaction=True)


def run_command(*args) -> tuple[int, dict, str]:
    out, err = io.StringIO(), io.StringIO()
    code = 0
    try:
        call_command("run_pipeline", *args, stdout=out, stderr=err)
    except SystemExit as exc:
        code = exc.code
    return code, json.loads(out.getvalue().strip().splitlines()[-1]), err.getvalue()


def test_a_sample_pipeline_runs_headless_and_a_rerun_reuses_every_step():
    code, summary, progress = run_command(str(SAMPLES / "diabetes_regression.json"))
    assert code == 0 and summary["status"] == "succeeded"
    assert set(summary["steps"]) == {"data", "split", "learner", "train", "score", "evaluate"}
    assert not any(s["reused"] for s in summary["steps"].values())
    assert "evaluate" in progress and "succeeded" in progress
    code, again, _ = run_command(str(SAMPLES / "diabetes_regression.json"))
    assert code == 0 and all(s["reused"] for s in again["steps"].values()) and again["launched"] == 0


def test_a_parameter_changes_what_runs_and_force_reruns_everything():
    run_command(str(SAMPLES / "diabetes_regression.json"))
    _, summary, _ = run_command(str(SAMPLES / "diabetes_regression.json"), "--param", "train_fraction=0.5")
    assert summary["steps"]["data"]["reused"] and not summary["steps"]["split"]["reused"]
    _, forced, _ = run_command(str(SAMPLES / "diabetes_regression.json"), "--force")
    assert not any(s["reused"] for s in forced["steps"].values())


def test_an_invalid_document_ends_with_its_errors(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"schema_version": 1, "nodes": [{"id": "x", "module": "nope", "version": "1"}], "edges": []}))
    code, summary, _ = run_command(str(bad))
    assert code == 2 and summary["status"] == "invalid" and summary["errors"][0]["node"] == "x"
