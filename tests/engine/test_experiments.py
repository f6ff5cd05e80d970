"""experiment_name: the rule an experiment name follows, the default, trimming."""
from __future__ import annotations

import pytest

from engine.experiments import DEFAULT_EXPERIMENT, EXPERIMENT_MAX, experiment_name


@pytest.mark.parametrize("given", [None, "", "   ", "\t\n"])
def test_a_missing_or_blank_name_is_the_default_experiment(given):
    assert experiment_name(given) == DEFAULT_EXPERIMENT


@pytest.mark.parametrize("name", ["Baseline", "baseline v2", "lr-0.01", "_scratch", "2026 Q4 tuning", "a",
                                  "x" * EXPERIMENT_MAX, "ends.with.dot.", "a-"])
def test_letters_digits_spaces_and_the_three_marks_make_a_name(name):
    assert experiment_name(name) == name


def test_surrounding_spaces_are_trimmed():
    assert experiment_name("  Baseline A \n") == "Baseline A"


@pytest.mark.parametrize("name", ["x" * (EXPERIMENT_MAX + 1), "-leading dash", ".hidden", "a/b", "../up", "naïve",
                                  "tab\there", "two\nlines", "semi;colon", "emoji 🙂", "nul\0byte"])
def test_anything_else_is_refused_with_the_rule(name):
    with pytest.raises(ValueError) as exc:
        experiment_name(name)
    assert "letters" in str(exc.value) and "64" in str(exc.value)


def test_a_name_that_is_not_text_is_refused():
    with pytest.raises(ValueError, match="int"):
        experiment_name(42)
