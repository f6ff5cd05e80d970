"""The live server under oversized bodies: a 2 GB Content-Length, a whole 200 MB body or an endless
chunked one, sent with and without a token, to /healthz and to the API, is answered 413 at once and
the server's resident memory stays flat while hundreds of megabytes keep coming."""
from __future__ import annotations

import json
import select
import socket
import threading
import urllib.request
from urllib.parse import urlsplit

import psutil
import pytest

MB = 1024 * 1024
LIMIT = 16 * MB  # REQUEST_BODY_MAX_BYTES by default
STREAM = 200 * MB  # what a client keeps sending after the headers
GROWTH = 50 * MB  # "flat": a 200 MB body used to add gigabytes

pytestmark = pytest.mark.slow


class PeakRss:
    """Samples a process's resident memory in the background; `peak` is the highest seen."""

    def __init__(self, pid: int) -> None:
        self.process = psutil.Process(pid)
        self.peak = self.process.memory_info().rss
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.wait(0.02):
            self.peak = max(self.peak, self.process.memory_info().rss)

    def __enter__(self) -> PeakRss:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()


def read_available(sock: socket.socket, wait: float) -> bytes:
    """What the server has sent within `wait` seconds (until it closes or goes quiet)."""
    data = b""
    while select.select([sock], [], [], wait)[0]:
        try:
            piece = sock.recv(65536)
        except ConnectionResetError:
            break
        if not piece:
            break
        data += piece
        wait = 0.2
    return data


def send_oversized(server, path: str, *, length: int | None, token: str | None) -> tuple[bytes, bytes, int]:
    """Headers announcing a body of `length` bytes (None: chunked, no length), then up to STREAM
    bytes of it; returns (what came back right after the headers, the whole answer, bytes sent)."""
    chunked = length is None
    url = urlsplit(server.url)
    sock = socket.create_connection((url.hostname, url.port), timeout=5)
    head = [f"POST {path} HTTP/1.1", f"Host: {url.netloc}", "Content-Type: application/octet-stream"]
    head += [f"Authorization: Token {token}"] if token else []
    head += ["Transfer-Encoding: chunked"] if chunked else [f"Content-Length: {length}"]
    sock.sendall(("\r\n".join(head) + "\r\n\r\n").encode())
    early = b"" if chunked else read_available(sock, 5.0)  # refused before a single body byte
    piece = b"x" * MB
    frame = b"%x\r\n%s\r\n" % (len(piece), piece) if chunked else piece
    answer, sent, closed = early, 0, False
    try:
        while sent < STREAM:  # an attacker goes on sending whatever the server answers
            if not closed and select.select([sock], [], [], 0)[0]:
                piece_back = sock.recv(65536)
                answer += piece_back
                closed = not piece_back
            sock.sendall(frame)
            sent += len(piece)
    except (BrokenPipeError, ConnectionResetError, socket.timeout):
        pass  # the server ended the connection some time after its answer
    if not closed:
        answer += read_available(sock, 5.0)
    sock.close()
    return early, answer, sent


def test_an_oversized_body_is_refused_at_once_and_the_server_memory_stays_flat(designer_server):
    token = designer_server.admin_token()
    for path in ("/healthz", "/api/v1/datasets/"):  # warm up both routes before measuring
        urllib.request.urlopen(urllib.request.Request(f"{designer_server.url}{path}",
                                                      headers={"Authorization": f"Token {token}"}), timeout=10).read()
    baseline = psutil.Process(designer_server.pid).memory_info().rss
    results = []
    with PeakRss(designer_server.pid) as rss:
        for path in ("/healthz", "/api/v1/datasets/"):
            for auth in (None, token):
                # a huge announced body, a whole one (the old way to make daphne load it all), none
                for length in (2 * 1024 ** 3, STREAM, None):
                    early, answer, sent = send_oversized(designer_server, path, length=length, token=auth)
                    results.append((path, bool(auth), length is None, early, answer, sent))
    for path, signed_in, chunked, early, answer, sent in results:
        case = f"{path} signed_in={signed_in} chunked={chunked} sent={sent}"
        if not chunked:
            assert early.startswith(b"HTTP/1.1 413"), case  # answered right after the headers
        head, _, body = answer.partition(b"\r\n\r\n")
        assert head.startswith(b"HTTP/1.1 413"), (case, answer[:300])
        assert b"connection: close" in head.lower(), case
        if path.startswith("/api/"):
            assert json.loads(body)["errors"][0]["code"] == "too_large", case
        else:
            assert b"text/html" in head and b"REQUEST_BODY_MAX_BYTES" in body, case
        if chunked:
            assert sent >= LIMIT, case  # the limit was really crossed before the answer
    streamed = sum(sent for *_, sent in results)
    assert streamed > 4 * LIMIT  # many times the limit crossed the wire, none of it kept
    assert rss.peak - baseline < GROWTH, f"daphne grew by {(rss.peak - baseline) / MB:.0f} MB"
    with urllib.request.urlopen(f"{designer_server.url}/healthz", timeout=10) as response:
        assert response.status == 200  # and it still serves
