"""Port compatibility: exact types, and anything may feed an AnyFile input."""
from __future__ import annotations

import pytest

from modules_catalog.ports import can_connect
from modules_catalog.spec import PortType


def test_an_untrained_learner_never_reaches_a_model_port():
    assert not can_connect(PortType.UNTRAINED_MODEL, PortType.MODEL)
    assert not can_connect(PortType.MODEL, PortType.UNTRAINED_MODEL)


def test_a_model_never_reaches_a_dataframe_port():
    assert not can_connect(PortType.MODEL, PortType.DATAFRAME)
    assert not can_connect("Transform", "DataFrame")


@pytest.mark.parametrize("source", list(PortType))
def test_anything_feeds_an_any_file_port_and_each_type_feeds_itself(source):
    assert can_connect(source, PortType.ANY_FILE)
    assert can_connect(source.value, source.value)


def test_an_unknown_type_name_is_refused_loudly():
    with pytest.raises(ValueError):
        can_connect("Spreadsheet", PortType.DATAFRAME)
