"""modules_catalog.custom: a custom module's declaration is read in an isolated child that cannot
touch the server, its files are unpacked safely, and its step loads it apart from the registry."""
from __future__ import annotations

import hashlib
import io
import os
import signal
import stat
import zipfile

import pytest

from modules_catalog import custom
from modules_catalog.registry import load_builtins, registry
from modules_catalog.spec import ParamKind, PortType, _source_hash

HEADER = "from modules_catalog.spec import module, Port, Param, PortType, ParamKind\n"
DECLARE = ("@module('probe', '1', 'Probe', 'Utility', description=DESC,\n"
           "        inputs=[Port('data', PortType.DATAFRAME)], outputs=[Port('data', PortType.DATAFRAME)],\n"
           "        params=[Param('n', ParamKind.INT, default=3, min=1, max=10),\n"
           "                Param('how', ParamKind.CHOICE, default='a', choices=('a', 'b'))])\n"
           "def probe(ctx, data, n, how):\n    return data.head(n)\n")


def source(before: str = "DESC = 'a probe'\n") -> bytes:
    return (HEADER + before + "\n" + DECLARE).encode()


def refused(content: bytes, name: str = "probe.py", **kw) -> custom.DeclarationError:
    with pytest.raises(custom.DeclarationError) as info:
        custom.inspect_upload(content, name, **kw)
    return info.value


def test_a_declaration_is_read_as_json_and_rebuilt_as_the_same_spec():
    declared = custom.inspect_upload(source(), "probe.py")
    assert declared.entry == "probe.py" and declared.kind == "py" and declared.missing == {}
    assert declared.sha256 == hashlib.sha256(source()).hexdigest()
    spec = custom.spec_from_declaration(declared.modules[0], code=declared.sha256)
    assert spec.ref == "probe@1" and spec.user_code and spec.source_hash == declared.sha256
    assert spec.inputs[0].type is PortType.DATAFRAME and spec.params[0].kind is ParamKind.INT
    assert (spec.params[0].default, spec.params[0].min, spec.params[0].max) == (3, 1, 10)
    assert spec.params[1].choices == ("a", "b") and spec.description == "a probe"
    assert not registry.versions("probe")  # read in the child only


def test_what_a_file_does_at_import_stays_in_its_child(monkeypatch):
    monkeypatch.setenv("GW_SERVER_SECRET", "s3cret-value")
    before = len(load_builtins())
    spy = ("import os, json\nfrom modules_catalog import registry as r\n"
           "r.registry._specs.clear()\nos.environ['PATH'] = '/nowhere'\n"
           "DESC = json.dumps(sorted(os.environ.items())) + open('/etc/hostname').read()\n")
    declared = custom.inspect_upload(source(spy), "probe.py")
    description = declared.modules[0]["description"]
    # the child's environment is scrubbed: none of the server's variables reached it
    assert "s3cret-value" not in description and "GW_SERVER_SECRET" not in description
    assert os.environ["GW_SERVER_SECRET"] == "s3cret-value" and os.environ["PATH"] != "/nowhere"
    assert len(load_builtins()) == before and load_builtins().versions("select_columns")


@pytest.mark.parametrize("code, what", [
    ("import os\nos.system('touch {marker}')\n", "start a process (os.system)"),
    ("import subprocess\nsubprocess.run(['touch', '{marker}'])\n", "start a process (subprocess.Popen)"),
    ("import os, signal\nos.kill(os.getppid(), signal.SIGTERM)\n", "send a signal (os.kill)"),
    ("open('{marker}', 'w').write('x')\n", "write a file outside its folder"),
    ("import socket\nsocket.create_connection(('127.0.0.1', 8000), timeout=1)\n", "network"),
])
def test_processes_signals_network_and_writes_outside_its_folder_are_refused_at_import(tmp_path, code, what):
    marker = tmp_path / "marker"
    err = refused(source("DESC = ''\n" + code.format(marker=marker)))
    assert err.code == "forbidden" and what in err.message and err.line == 2 + code.count("\n"), err.message
    assert not marker.exists()


def test_a_refusal_caught_by_the_file_is_still_reported():
    err = refused(source("DESC = ''\nimport os\ntry:\n    os.system('true')\nexcept Exception:\n    pass\n"))
    assert err.code == "forbidden" and "os.system" in err.message


def test_a_file_that_loops_forever_times_out_and_its_processes_end(monkeypatch):
    monkeypatch.setattr(custom, "READ_TIMEOUT_SECONDS", 3.0)
    err = refused(source("DESC = ''\nwhile True:\n    pass\n"))
    assert err.code == "timeout" and "longer than 3 s" in err.message


def test_a_file_that_takes_too_much_memory_fails_in_its_child(monkeypatch):
    monkeypatch.setattr(custom, "READ_MEMORY_MB", 600)
    err = refused(source("DESC = ''\nhog = bytearray(2 << 30)\n"))
    assert err.code == "import_error" and "MemoryError" in err.message and err.line == 3


def test_a_declaration_error_names_the_line_and_the_rule():
    err = refused(source("DESC = ''\n").replace(b"choices=('a', 'b')", b"choices=()"))
    assert err.code == "invalid_declaration" and "declares no choices" in err.message and err.line == 4


def test_a_declared_requirement_is_checked_against_this_environment():
    text = source().replace(b"choices=('a', 'b'))])", b"choices=('a', 'b'))],\n        requires=['pandas>=1', 'scikit-learn>=999'])")
    declared = custom.inspect_upload(text, "probe.py")
    assert declared.modules[0]["requires"] == ["pandas>=1", "scikit-learn>=999"]
    (missing,) = declared.missing["probe@1"]
    assert missing.startswith("scikit-learn>=999 (") and "is installed" in missing
    assert custom.missing_requirements(["pandas>=1", "no-such-dist-xyz"]) == ["no-such-dist-xyz (not installed)"]
    with pytest.raises(custom.DeclarationError, match="is not valid"):
        custom.missing_requirements(["pandas >= = 1"])


def zipped(members: dict[str, bytes], modes: dict[str, int] | None = None) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            info = zipfile.ZipInfo(name)
            info.compress_type = zipfile.ZIP_DEFLATED
            if modes and name in modes:
                info.external_attr = modes[name] << 16
            zf.writestr(info, data)
    return buf.getvalue()


@pytest.mark.parametrize("members, modes, words", [
    ({"../up.py": b"x = 1"}, None, "never '..'"),
    ({"/abs.py": b"x = 1"}, None, "plain relative path"),
    ({"a\\b.py": b"x = 1"}, None, "plain relative path"),
    ({"link.py": b"/etc/passwd"}, {"link.py": stat.S_IFLNK | 0o777}, "not a regular file"),
    ({"main.py": b"x = 1", "MAIN.py": b"x = 2"}, None, "twice"),
])
def test_a_zip_cannot_write_outside_its_folder(tmp_path, members, modes, words):
    with pytest.raises(custom.DeclarationError, match=words.replace("(", r"\(")):
        custom.unpack(zipped(members, modes), "zip", str(tmp_path / "out"), entry="main.py")
    assert not (tmp_path / "up.py").exists()


def test_a_zip_bomb_stops_at_the_unpacked_limit(tmp_path, monkeypatch):
    monkeypatch.setattr(custom, "MAX_UNZIPPED_BYTES", 1 << 20)
    data = zipped({"main.py": b"x = 1\n", "pad.txt": b"\0" * (2 << 20)})
    assert len(data) < 100_000
    with pytest.raises(custom.DeclarationError) as info:
        custom.unpack(data, "zip", str(tmp_path / "out"))
    assert info.value.code == "too_large"


def test_a_step_loads_the_stored_module_apart_from_the_registry(tmp_path):
    declared = custom.inspect_upload(source(), "probe.py")
    custom.store(str(tmp_path), source(), declared)
    spec = custom.load_for_step(str(tmp_path), declared.sha256, "probe", "1", str(tmp_path / "work"))
    import pandas as pd

    frame = pd.DataFrame({"a": range(10)})
    assert spec.fn(None, frame, n=4, how="a").equals(frame.head(4))
    assert spec.user_code and spec.source_hash == declared.sha256 and not registry.versions("probe")
    with pytest.raises(LookupError, match="no longer declares it"):
        custom.load_for_step(str(tmp_path), declared.sha256, "probe", "2", str(tmp_path / "work2"))
    with pytest.raises(ValueError, match="not a SHA-256"):
        custom.load_for_step(str(tmp_path), "../../etc", "probe", "1", str(tmp_path / "work3"))


def test_a_builtin_hashes_its_whole_file_and_code_without_a_file_is_refused():
    spec = load_builtins().get("select_columns", "1")
    path = spec.fn.__code__.co_filename
    with open(path, "rb") as fh:
        expected = hashlib.sha256(fh.read() + b"\0" + spec.fn.__qualname__.encode()).hexdigest()[:16]
    assert spec.source_hash == expected
    namespace: dict = {}
    exec(compile("def nowhere(ctx):\n    return None\n", "<no file>", "exec"), namespace)
    with pytest.raises(ValueError, match="source cannot be read"):
        _source_hash(namespace["nowhere"])
    assert signal.SIGTERM  # the signal test above left this process alive


def test_every_parameter_kind_round_trips_through_its_declaration():
    text = (HEADER + "@module('ranged', '1', 'Ranged', 'Utility', params=[\n"
            "    Param('depth', ParamKind.RANGE, item=ParamKind.INT, default={'values': [1, 2]}),\n"
            "    Param('cols', ParamKind.COLUMNS, port='data', multiple=False, dtypes=('int', 'float'), hint='encode it'),\n"
            "    Param('ds', ParamKind.DATASET, required=False)],\n"
            "    inputs=[Port('data', PortType.DATAFRAME, optional=True)])\n"
            "def ranged(ctx, data, depth, cols, ds):\n    return None\n").encode()
    declared = custom.inspect_upload(text, "ranged.py")
    depth, cols, ds = custom.spec_from_declaration(declared.modules[0], code="0" * 64).params
    assert depth.kind is ParamKind.RANGE and depth.item is ParamKind.INT and depth.default == {"values": [1, 2]}
    assert cols.dtypes == ("int", "float") and cols.hint == "encode it" and cols.multiple is False and cols.port == "data"
    assert ds.kind is ParamKind.DATASET and ds.required is False
