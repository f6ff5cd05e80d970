"""Chunked, resumable dataset uploads over REST: sessions, ordered chunks, resume, completion checked
by size and SHA-256, expiry, access, and a full disk."""
from __future__ import annotations

import errno
import fcntl
import hashlib
import os
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from designer.models import Dataset, Membership, Upload
from designer.uploads import part_path, upload_expire
from tests.designer.test_datasets_api import upload as one_shot_upload

pytestmark = pytest.mark.django_db

CSV = ("id,city,score\n" + "".join(f"{i},{['Oslo', 'Lima', 'Pune'][i % 3]},{i * 0.5}\n" for i in range(2000))).encode()


@pytest.fixture(autouse=True)
def parts_dir(settings, tmp_path):
    settings.UPLOAD_PARTS_DIR = str(tmp_path / "parts")
    return tmp_path / "parts"


def start(api, data: bytes, *, sha256: str | None = None, **fields):
    body = {"name": "big", "filename": "big.csv", "size": len(data),
            "sha256": sha256 or hashlib.sha256(data).hexdigest(), **fields}
    return api.post("/api/v1/uploads/", body, format="json")


def put(api, upload_id: str, chunk: bytes, offset: int, total: int | str | None = None, **headers):
    if total is not None:
        headers.setdefault("HTTP_CONTENT_RANGE", f"bytes {offset}-{offset + len(chunk) - 1}/{total}")
        path = f"/api/v1/uploads/{upload_id}/"
    else:
        path = f"/api/v1/uploads/{upload_id}/?offset={offset}"
    return api.put(path, data=chunk, content_type="application/octet-stream", **headers)


def send(api, upload_id: str, data: bytes, chunk: int, start_at: int = 0, end: int | None = None) -> None:
    """Bytes start_at..end of the file `data`, in chunks."""
    end = len(data) if end is None else end
    for offset in range(start_at, end, chunk):
        response = put(api, upload_id, data[offset:min(offset + chunk, end)], offset, len(data))
        assert response.status_code == 200, response.json()
        assert response.json()["received"] == min(offset + chunk, end)


def complete(api, upload_id: str, **body):
    return api.post(f"/api/v1/uploads/{upload_id}/complete/", body, format="json")


def test_a_file_sent_in_chunks_becomes_the_same_dataset_as_a_one_shot_upload(api, workspace, parts_dir):
    session = start(api, CSV, description="in pieces")
    assert session.status_code == 201, session.json()
    upload = session.json()
    assert upload["received"] == 0 and upload["status"] == "open" and upload["workspace"] == workspace.slug
    send(api, upload["id"], CSV, 4096)
    done = complete(api, upload["id"])
    assert done.status_code == 201, done.json()
    dataset = done.json()
    assert (dataset["rows"], dataset["description"], dataset["original_filename"]) == (2000, "in pieces", "big.csv")
    direct = one_shot_upload(api, "direct", "big.csv", CSV).json()
    assert dataset["digest"] == direct["digest"]  # the same stored table, byte for byte
    assert not part_path(upload["id"]).exists() and os.listdir(parts_dir) == []
    again = complete(api, upload["id"])  # a retried completion (its answer was lost) gets the same dataset
    assert again.status_code == 200 and again.json()["id"] == dataset["id"]
    assert Dataset.objects.filter(name="big").count() == 1


def test_an_interrupted_upload_resumes_from_the_bytes_received(api, workspace):
    upload_id = start(api, CSV).json()["id"]
    send(api, upload_id, CSV, 5000, end=10_000)
    assert api.get(f"/api/v1/uploads/{upload_id}/").json()["received"] == 10_000
    listed = api.get("/api/v1/uploads/").json()
    assert [(u["id"], u["received"]) for u in listed["results"]] == [(upload_id, 10_000)]
    response = put(api, upload_id, CSV[10_000:], 10_000)  # ?offset= instead of Content-Range
    assert response.status_code == 200 and response.json()["received"] == len(CSV)
    assert complete(api, upload_id).status_code == 201
    assert api.get("/api/v1/uploads/").json()["count"] == 0  # completed sessions are not listed


def test_chunks_out_of_order_overlapping_or_past_the_end_are_refused(api, workspace):
    upload_id = start(api, CSV).json()["id"]
    send(api, upload_id, CSV, 1000, end=1000)
    cases = [
        (put(api, upload_id, CSV[2000:3000], 2000, len(CSV)), 409, "offset_mismatch"),  # a gap
        (put(api, upload_id, CSV[500:1500], 500, len(CSV)), 409, "offset_mismatch"),  # an overlap
        (put(api, upload_id, CSV[1000:] + b"extra", 1000, len(CSV)), 400, "past_declared_size"),
        (put(api, upload_id, CSV[1000:] + b"extra", 1000), 400, "past_declared_size"),  # no length known up front
        (put(api, upload_id, CSV[1000:2000], 1000, len(CSV) + 1), 400, "size_mismatch"),
        (put(api, upload_id, b"abc", 1000, HTTP_CONTENT_RANGE="bytes 1000-999/*"), 400, "invalid"),
        (put(api, upload_id, b"abc", 1000, HTTP_CONTENT_RANGE="bytes 1000-1009/*"), 400, "invalid"),
        (put(api, upload_id, b"abc", 1000, HTTP_CONTENT_RANGE="lines 1-3/9"), 400, "invalid"),
        (put(api, upload_id, b"", 1000), 400, "invalid_chunk"),
        (api.put(f"/api/v1/uploads/{upload_id}/?offset=1e3", data=b"abc", content_type="application/octet-stream"),
         400, "invalid"),
        (api.put(f"/api/v1/uploads/{upload_id}/", data=b"abc", content_type="application/octet-stream"),
         400, "invalid"),
    ]
    for response, status, code in cases:
        assert response.status_code == status, response.json()
        error = response.json()["errors"][0]
        assert error["code"] == code and error["message"]
    assert "starts at offset 1000" in cases[0][0].json()["errors"][0]["message"]
    assert Upload.objects.get(pk=upload_id).received == 1000
    assert os.path.getsize(part_path(upload_id)) == 1000  # nothing of the refused chunks was kept


def test_completion_checks_the_size_and_the_sha256_of_the_whole_file(api, workspace):
    upload_id = start(api, CSV).json()["id"]
    send(api, upload_id, CSV, 1000, end=1000)
    incomplete = complete(api, upload_id)
    assert incomplete.status_code == 400 and incomplete.json()["errors"][0]["code"] == "incomplete"
    assert "from offset 1000" in incomplete.json()["errors"][0]["message"]

    wrong = start(api, CSV, sha256=hashlib.sha256(b"something else").hexdigest()).json()["id"]
    send(api, wrong, CSV, 50_000)
    mismatch = complete(api, wrong)
    assert mismatch.status_code == 400
    error = mismatch.json()["errors"][0]
    assert error["code"] == "checksum_mismatch" and error["field"] == "sha256"
    assert hashlib.sha256(CSV).hexdigest() in error["message"]
    assert api.get(f"/api/v1/uploads/{wrong}/").status_code == 404 and not part_path(wrong).exists()
    assert not Dataset.objects.exists()


def test_a_file_the_parser_refuses_keeps_its_session_to_retry_with_an_encoding(api, workspace):
    data = "name,city\nJosé,Zürich\nSeñor,España\n".encode("latin-1")
    upload_id = start(api, data, encoding="utf-8").json()["id"]
    send(api, upload_id, data, 10)
    refused = complete(api, upload_id)
    assert refused.status_code == 400 and refused.json()["errors"][0]["code"] == "undecodable"
    retried = complete(api, upload_id, encoding="latin-1")
    assert retried.status_code == 201 and retried.json()["preview"]["rows"][1] == ["Señor", "España"]


def test_a_header_only_csv_uploaded_in_chunks_has_its_columns_and_no_rows(api, workspace):
    upload_id = start(api, b"a,b\n").json()["id"]
    send(api, upload_id, b"a,b\n", 2)
    dataset = complete(api, upload_id).json()
    assert dataset["rows"] == 0 and [c["name"] for c in dataset["columns"]] == ["a", "b"]


@pytest.mark.parametrize("fields, status, field", [
    ({"size": 10**12}, 413, "size"),
    ({"size": 0}, 400, "size"),
    ({"sha256": "abc"}, 400, "sha256"),
    ({"filename": "table.xlsx"}, 400, "filename"),
    ({"name": "../etc"}, 400, "name"),
    ({"encoding": "rot13"}, 400, "encoding"),
    ({"workspace": "mallory-lab"}, 400, "workspace"),
])
def test_a_session_that_cannot_succeed_is_refused_before_any_byte_is_sent(api, workspace, outsider, fields, status,
                                                                            field, parts_dir):
    response = start(api, CSV, **fields)
    assert response.status_code == status, response.json()
    assert response.json()["errors"][0].get("field") == field
    assert not Upload.objects.exists() and (not parts_dir.exists() or os.listdir(parts_dir) == [])


def test_a_chunk_over_the_request_body_limit_is_refused_with_413(api, workspace, settings):
    settings.REQUEST_BODY_MAX_BYTES = 1000
    upload = start(api, CSV).json()
    assert upload["chunk_max"] == 1000
    response = put(api, upload["id"], CSV[:1001], 0, len(CSV))
    assert response.status_code == 413 and response.json()["errors"][0]["code"] == "too_large"
    assert Upload.objects.get(pk=upload["id"]).received == 0


def test_the_session_id_is_random_and_names_the_part_file(api, workspace, parts_dir):
    ids = [start(api, CSV).json()["id"] for _ in range(3)]
    assert len(set(ids)) == 3 and all(len(i) == 32 and set(i) <= set("0123456789abcdef") for i in ids)
    assert sorted(os.listdir(parts_dir)) == sorted(f"{i}.part" for i in ids)
    for bad in ("ABC", "../" + ids[0], ids[0].upper(), ids[0] + "0"):
        assert api.get(f"/api/v1/uploads/{bad}/").status_code == 404


def test_only_the_creator_sees_a_session_and_viewers_cannot_upload(api, workspace, outsider_api, client_for,
                                                                     make_user):
    upload_id = start(api, CSV).json()["id"]
    for response in (outsider_api.get(f"/api/v1/uploads/{upload_id}/"), put(outsider_api, upload_id, CSV, 0),
                     complete(outsider_api, upload_id), outsider_api.delete(f"/api/v1/uploads/{upload_id}/")):
        assert response.status_code == 404
    assert outsider_api.get("/api/v1/uploads/").json()["count"] == 0
    viewer = make_user("vic")
    Membership.objects.create(workspace=workspace, user=viewer, role=Membership.Role.VIEWER)
    refused = start(client_for(viewer), CSV, workspace=workspace.slug)
    assert refused.status_code == 403 and refused.json()["errors"][0]["code"] == "permission_denied"
    Membership.objects.filter(user__username="ada").update(role=Membership.Role.VIEWER)  # demoted mid-upload
    assert put(api, upload_id, CSV[:10], 0).status_code == 403


def test_a_deleted_session_drops_its_bytes(api, workspace):
    upload_id = start(api, CSV).json()["id"]
    send(api, upload_id, CSV, 100, end=100)
    assert api.delete(f"/api/v1/uploads/{upload_id}/").status_code == 204
    assert not part_path(upload_id).exists() and api.get(f"/api/v1/uploads/{upload_id}/").status_code == 404


def test_a_chunk_arriving_while_another_is_written_is_told_to_retry(api, workspace):
    upload_id = start(api, CSV).json()["id"]
    with open(part_path(upload_id), "rb") as held:
        fcntl.flock(held, fcntl.LOCK_EX)
        response = put(api, upload_id, CSV[:10], 0)
    assert response.status_code == 409 and response.json()["errors"][0]["code"] == "upload_busy"
    assert put(api, upload_id, CSV[:10], 0).status_code == 200


def test_abandoned_sessions_expire_with_their_part_files(api, workspace, settings, parts_dir):
    old, fresh = start(api, CSV).json()["id"], start(api, CSV).json()["id"]
    long_ago = timezone.now() - timedelta(seconds=settings.UPLOAD_SESSION_TTL_SECONDS + 1)
    Upload.objects.filter(pk=old).update(updated_at=long_ago)
    assert api.get(f"/api/v1/uploads/{old}/").status_code == 404  # expired at once, swept later
    orphan = parts_dir / ("f" * 32 + ".part")  # a part file whose session row never got written
    orphan.write_bytes(b"x")
    os.utime(orphan, (0, 0))
    call_command("expire_uploads", stdout=open(os.devnull, "w"))
    assert not Upload.objects.filter(pk=old).exists() and not part_path(old).exists() and not orphan.exists()
    assert Upload.objects.filter(pk=fresh).exists() and part_path(fresh).exists()
    assert upload_expire() == 0


def test_a_full_disk_during_a_chunk_answers_507_and_keeps_only_whole_chunks(api, workspace, monkeypatch):
    upload_id = start(api, CSV).json()["id"]
    send(api, upload_id, CSV, 1000, end=1000)
    real_write = os.write

    def write_half_then_fail(fd, data):
        real_write(fd, bytes(data[: len(data) // 2]))
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr("designer.uploads.os.write", write_half_then_fail)
    response = put(api, upload_id, CSV[1000:2000], 1000, len(CSV))
    assert response.status_code == 507
    error = response.json()["errors"][0]
    assert error["code"] == "no_space" and "no space left on device" in error["message"]
    assert os.path.getsize(part_path(upload_id)) == 1000 and Upload.objects.get(pk=upload_id).received == 1000
    monkeypatch.undo()
    send(api, upload_id, CSV, 100_000, start_at=1000)  # once there is room again, the upload goes on
    assert complete(api, upload_id).status_code == 201


def test_a_really_full_disk_answers_507_and_leaves_no_half_written_chunk(api, workspace, settings, tiny_disk):
    disk = tiny_disk("1m")
    settings.UPLOAD_PARTS_DIR = str(disk)
    too_big = start(api, b"x" * (2 * 1024 * 1024))  # more than the disk holds: refused up front
    assert too_big.status_code == 507 and too_big.json()["errors"][0]["code"] == "no_space"
    data = b"a\n" + b"1\n" * 450_000  # 900 KB: fits the empty disk
    upload_id = start(api, data).json()["id"]
    filler = disk / "filler"
    filler.write_bytes(b"\0" * 600_000)  # someone else takes most of the room
    response = put(api, upload_id, data[:700_000], 0, len(data))
    assert response.status_code == 507 and "no space left on device" in response.json()["errors"][0]["message"]
    assert os.path.getsize(part_path(upload_id)) == 0 and Upload.objects.get(pk=upload_id).received == 0
    filler.unlink()
    send(api, upload_id, data, 300_000)
    assert complete(api, upload_id).json()["rows"] == 450_000
