"""Datasets over REST: CSV and Parquet uploads, versions, previews and statistics, bad files."""
from __future__ import annotations

import io
import os

import numpy as np
import pandas as pd
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

pytestmark = pytest.mark.django_db


@pytest.fixture
def frame() -> pd.DataFrame:
    rng = np.random.default_rng(7)
    return pd.DataFrame({
        "age": rng.integers(18, 90, 120),
        "income": np.round(rng.normal(50_000, 12_000, 120), 2),
        "city": rng.choice(["Oslo", "Lima", "Pune"], 120),
        "member": rng.choice([True, False], 120),
    })


def upload(api, name: str, filename: str, data: bytes, **extra):
    return api.post("/api/v1/datasets/", {"name": name, "file": SimpleUploadedFile(filename, data), **extra},
                    format="multipart")


def parquet_bytes(df: pd.DataFrame) -> bytes:
    buffer = io.BytesIO()
    df.to_parquet(buffer, index=False)
    return buffer.getvalue()


def assert_matches(body: dict, df: pd.DataFrame) -> None:
    assert body["rows"] == len(df)
    columns = {c["name"]: c for c in body["columns"]}
    assert list(columns) == list(df.columns)
    assert [columns[c]["dtype"] for c in df.columns] == ["int", "float", "string", "bool"]
    for name in ("age", "income"):
        stats = columns[name]["stats"]
        assert stats["mean"] == pytest.approx(df[name].mean())
        assert stats["std"] == pytest.approx(df[name].std())
        assert stats["min"] == pytest.approx(df[name].min()) and stats["max"] == pytest.approx(df[name].max())
        assert stats["median"] == pytest.approx(df[name].median())
    assert columns["city"]["stats"]["unique"] == df["city"].nunique()
    assert columns["city"]["stats"]["top"] == df["city"].value_counts().index[0]
    assert columns["member"]["stats"]["true"] == int(df["member"].sum())
    assert body["preview"]["columns"] == list(df.columns)
    expected = df.head(len(body["preview"]["rows"]))
    assert pd.DataFrame(body["preview"]["rows"], columns=list(df.columns)).equals(expected)


def test_a_csv_upload_is_stored_with_a_preview_and_statistics_equal_to_pandas(api, workspace, frame):
    response = upload(api, "customers", "customers.csv", frame.to_csv(index=False).encode())
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["version"] == 1 and body["source_format"] == "csv" and body["original_filename"] == "customers.csv"
    assert body["workspace"] == workspace.slug and len(body["digest"]) == 64
    assert_matches(body, frame)
    assert_matches(api.get(f"/api/v1/datasets/{body['id']}/").json(), frame)


def test_a_parquet_upload_round_trips_byte_for_value(api, workspace, frame):
    body = upload(api, "customers", "customers.parquet", parquet_bytes(frame)).json()
    assert body["source_format"] == "parquet"
    assert_matches(body, frame)
    download = api.get(f"/api/v1/datasets/{body['id']}/download/")
    assert download.status_code == 200
    assert download["Content-Disposition"] == 'attachment; filename="customers_v1.parquet"'
    pd.testing.assert_frame_equal(pd.read_parquet(io.BytesIO(b"".join(download.streaming_content))), frame)


def test_a_dataset_downloads_as_csv_on_request(api, workspace, frame):
    body = upload(api, "customers", "customers.parquet", parquet_bytes(frame)).json()
    download = api.get(f"/api/v1/datasets/{body['id']}/download/", {"format": "csv"})
    assert download.status_code == 200 and download["Content-Type"].startswith("text/csv")
    assert 'filename="customers_v1.csv"' in download["Content-Disposition"]
    back = pd.read_csv(io.BytesIO(b"".join(download.streaming_content)))
    pd.testing.assert_frame_equal(back, frame)


def test_a_parquet_file_is_recognised_by_its_content_without_an_extension(api, workspace, frame):
    assert upload(api, "sniffed", "export", parquet_bytes(frame)).json()["source_format"] == "parquet"


def test_uploading_the_same_name_again_makes_the_next_version(api, workspace, frame):
    first = upload(api, "customers", "a.csv", frame.to_csv(index=False).encode()).json()
    second = upload(api, "customers", "b.csv", frame.head(10).to_csv(index=False).encode()).json()
    other = upload(api, "other", "c.csv", b"x\n1\n").json()
    assert (first["version"], second["version"], other["version"]) == (1, 2, 1)
    assert second["rows"] == 10
    listed = api.get("/api/v1/datasets/", {"name": "customers"}).json()
    assert [d["version"] for d in listed["results"]] == [2, 1]


def test_a_malformed_csv_is_refused_with_the_line_at_fault(api, workspace):
    response = upload(api, "broken", "broken.csv", b"a,b\n1,2\n3,4\n5,6,7,8\n")
    assert response.status_code == 400
    error = response.json()["errors"][0]
    assert error["code"] == "malformed_csv" and error["field"] == "file"
    assert "line 4" in error["message"] and "broken.csv" in error["message"]


def test_a_first_line_with_more_fields_than_the_header_is_refused_not_made_an_index(api, workspace):
    response = upload(api, "broken", "shifted.csv", b"a,b\n1,2,3\n4,5,6\n")
    assert response.status_code == 400
    error = response.json()["errors"][0]
    assert error["code"] == "malformed_csv" and "more fields than the header" in error["message"]
    short = upload(api, "short", "short.csv", b"a,b\n1,2\n4\n")  # missing trailing fields: empty cells
    assert short.status_code == 201 and short.json()["rows"] == 2


@pytest.mark.parametrize("filename, data, code, words", [
    ("empty.csv", b"", "empty", "empty"),
    ("table.xlsx", b"PK\x03\x04whatever", "unsupported_format", "'.xlsx' are not supported"),
    ("table.parquet", b"this is not parquet", "unreadable_parquet", "not a readable Parquet"),
    ("cut.parquet", b"PAR1" + b"\x00" * 40, "unreadable_parquet", "not a readable Parquet"),
    ("header-less.csv", b"\n\n", "empty_file", "no header"),
])
def test_bad_files_are_refused_with_a_clear_message(api, workspace, filename, data, code, words):
    response = upload(api, "bad", filename, data)
    assert response.status_code == 400
    error = response.json()["errors"][0]
    assert error["code"] == code and words in error["message"]


def test_an_upload_without_a_file_or_with_a_bad_name_is_refused(api, workspace):
    response = api.post("/api/v1/datasets/", {"name": "nofile"}, format="multipart")
    assert response.status_code == 400 and "multipart field named 'file'" in response.json()["errors"][0]["message"]
    response = upload(api, "../etc/passwd", "x.csv", b"a\n1\n")
    assert response.status_code == 400 and response.json()["errors"][0]["code"] == "invalid_name"


def test_an_upload_over_the_size_limit_is_refused_with_413(api, workspace, settings):
    settings.UPLOAD_MAX_BYTES = 100
    response = upload(api, "big", "big.csv", b"a,b\n" + b"1,2\n" * 100)
    assert response.status_code == 413
    assert "limit of 100 bytes" in response.json()["errors"][0]["message"]
    from designer.models import Dataset

    assert not Dataset.objects.exists()


def test_an_upload_announcing_a_huge_body_is_refused_before_reading_it(api, workspace, settings):
    settings.UPLOAD_MAX_BYTES = 1000
    response = upload(api, "big", "big.csv", b"a\n" + b"1\n" * 700_000)
    assert response.status_code == 413 and response.json()["errors"][0]["code"] == "too_large"


def test_another_workspace_cannot_see_or_download_a_dataset(api, outsider_api, workspace, frame):
    body = upload(api, "customers", "c.csv", frame.to_csv(index=False).encode()).json()
    assert outsider_api.get(f"/api/v1/datasets/{body['id']}/").status_code == 404
    assert outsider_api.get(f"/api/v1/datasets/{body['id']}/download/").status_code == 404
    assert outsider_api.get("/api/v1/datasets/").json()["count"] == 0
    assert outsider_api.get(f"/api/v1/artifacts/{body['digest']}/").status_code == 404


def test_the_uploaded_data_is_readable_as_an_artifact_of_the_workspace(api, workspace, frame):
    body = upload(api, "customers", "c.csv", frame.to_csv(index=False).encode()).json()
    artifact = api.get(f"/api/v1/artifacts/{body['digest']}/").json()
    assert artifact["kind"] == "DataFrame" and artifact["meta"]["rows"] == len(frame)
    download = api.get(f"/api/v1/artifacts/{body['digest']}/download/")
    assert download["Content-Type"] == "application/vnd.apache.parquet"


def test_a_header_only_csv_is_a_dataset_with_its_columns_and_no_rows(api, workspace):
    response = upload(api, "empty", "empty.csv", b"a,b\n")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["rows"] == 0 and [c["name"] for c in body["columns"]] == ["a", "b"]
    assert body["preview"] == {"columns": ["a", "b"], "rows": []}
    download = api.get(f"/api/v1/datasets/{body['id']}/download/", {"format": "csv"})
    assert b"".join(download.streaming_content).decode().strip() == "a,b"


def test_a_zero_row_parquet_file_keeps_its_typed_columns(api, workspace, frame):
    body = upload(api, "none", "none.parquet", parquet_bytes(frame.head(0))).json()
    assert body["rows"] == 0 and [c["dtype"] for c in body["columns"]] == ["int", "float", "string", "bool"]


LATIN = "name,city\nJosé,Zürich\nFrançois,Malmö\nSeñor,España\n"


def test_a_latin_1_csv_is_detected_and_read_correctly(api, workspace):
    body = upload(api, "latin", "latin.csv", LATIN.encode("latin-1")).json()
    assert body["preview"]["rows"] == [["José", "Zürich"], ["François", "Malmö"], ["Señor", "España"]]


def test_a_latin_1_byte_far_into_a_utf_8_looking_file_is_still_detected(api, workspace):
    data = ("name,city\n" + "Ann,Oslo\n" * 200_000 + "Núñez,León\n").encode("latin-1")
    response = upload(api, "late", "late.csv", data)
    assert response.status_code == 201, response.json()
    download = api.get(f"/api/v1/datasets/{response.json()['id']}/download/", {"format": "csv"})
    assert b"".join(download.streaming_content).decode().strip().endswith("Núñez,León")


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le"])  # with and without a byte order mark
def test_a_utf_16_csv_is_detected(api, workspace, encoding):
    body = upload(api, "wide", "wide.csv", LATIN.encode(encoding)).json()
    assert body["preview"]["rows"][2] == ["Señor", "España"]


def test_an_encoding_given_by_the_user_is_used(api, workspace):
    data = "name\nΑθήνα\nΣπάρτη\n".encode("cp1253")  # Greek: a guess could go wrong, the user knows
    body = upload(api, "greek", "greek.csv", data, encoding="cp1253").json()
    assert body["preview"]["rows"] == [["Αθήνα"], ["Σπάρτη"]]


@pytest.mark.parametrize("encoding, code", [("klingon", "unknown_encoding"), ("base64", "unknown_encoding"),
                                            ("../../etc", "unknown_encoding"), ("utf-8", "undecodable")])
def test_an_unknown_or_wrong_encoding_is_refused_with_a_clear_message(api, workspace, encoding, code):
    response = upload(api, "latin", "latin.csv", LATIN.encode("latin-1"), encoding=encoding)
    assert response.status_code == 400
    error = response.json()["errors"][0]
    assert error["code"] == code and "encoding" in error["message"]


def test_a_binary_file_that_cannot_be_decoded_is_refused_with_a_clear_message(api, workspace):
    data = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes([0, 0, 1, 0, 0, 0, 1, 0, 8, 6, 0, 0, 0]) * 50
    response = upload(api, "image", "image.csv", data)
    assert response.status_code == 400
    error = response.json()["errors"][0]
    assert error["code"] == "undecodable" and "could not be decoded as text" in error["message"]


@pytest.mark.parametrize("error", [OSError(28, "No space left on device"),  # errno.ENOSPC
                                   OSError("IOError: No space left on device. Detail: [errno 28]")])  # Arrow's
def test_a_full_disk_while_storing_answers_507_and_leaves_nothing_half_written(api, workspace, frame, monkeypatch,
                                                                                  error):
    from engine import datastore as datastore_module

    def write_then_fail(df, path):
        with open(path, "wb") as fh:
            fh.write(b"PAR1 half a file")
        raise error

    monkeypatch.setattr(datastore_module, "write_parquet", write_then_fail)
    response = upload(api, "full", "full.csv", frame.to_csv(index=False).encode())
    assert response.status_code == 507
    error = response.json()["errors"][0]
    assert error["code"] == "no_space" and "no space left on device" in error["message"]
    from django.conf import settings

    from designer.models import Dataset

    assert not Dataset.objects.exists()
    tmp = os.path.join(settings.DATASTORE_ROOT, "tmp")
    assert not os.path.exists(tmp) or os.listdir(tmp) == []


def test_a_full_disk_while_receiving_the_file_answers_507(api, workspace, monkeypatch, settings):
    import errno

    from django.core.files.uploadhandler import TemporaryFileUploadHandler

    def fail(self, raw_data, start):
        raise OSError(errno.ENOSPC, "No space left on device")

    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 0  # every file goes to a temporary file on disk
    monkeypatch.setattr(TemporaryFileUploadHandler, "receive_data_chunk", fail)
    response = upload(api, "full", "full.csv", b"a,b\n1,2\n")
    assert response.status_code == 507 and response.json()["errors"][0]["code"] == "no_space"


def test_a_body_over_the_request_limit_is_refused_with_a_pointer_to_chunked_uploads(api, workspace, settings):
    settings.REQUEST_BODY_MAX_BYTES = 1000
    response = upload(api, "big", "big.csv", b"a\n" + b"1\n" * 1000)
    assert response.status_code == 413 and "/api/v1/uploads/" in response.json()["errors"][0]["message"]


def test_form_fields_over_djangos_limit_are_a_json_413_not_an_html_400(api, workspace, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000  # = REQUEST_BODY_MAX_BYTES in the settings
    response = upload(api, "x", "x.csv", b"a\n1\n", description="d" * 2000)
    assert response.status_code == 413 and response.json()["errors"][0]["code"] == "too_large"
