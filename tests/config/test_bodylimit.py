"""The ASGI body limit: an announced or streamed body over REQUEST_BODY_MAX_BYTES gets a 413 (JSON
under /api/) before the application reads past the limit; smaller bodies pass untouched."""
from __future__ import annotations

import json

import asyncio
from concurrent.futures import ThreadPoolExecutor

import pytest

from config.bodylimit import BodyLimitMiddleware

LIMIT = 1000


class Recorder:
    """An ASGI app that reads the whole body, then answers 200 with its length."""

    def __init__(self) -> None:
        self.called = False
        self.read = 0
        self.disconnected = False

    async def __call__(self, scope, receive, send) -> None:
        self.called = True
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                self.disconnected = True
                return
            self.read += len(message.get("body", b""))
            if not message.get("more_body"):
                break
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": str(self.read).encode()})


async def _serve(path: str, chunks: list[bytes], *, content_length: int | None = None):
    app = Recorder()
    headers = [(b"content-length", str(content_length).encode())] if content_length is not None else []
    scope = {"type": "http", "path": path, "headers": headers}
    pending = [{"type": "http.request", "body": c, "more_body": i < len(chunks) - 1} for i, c in enumerate(chunks)]
    fed = 0
    sent: list[dict] = []

    async def receive():
        nonlocal fed
        fed += 1
        return pending.pop(0) if pending else {"type": "http.disconnect"}

    async def send(message):
        sent.append(message)

    await BodyLimitMiddleware(app, limit=LIMIT)(scope, receive, send)
    return app, sent, fed


def run(coroutine):
    """Run on a loop of its own in another thread: the browser tests' Playwright keeps a loop
    running in the main thread for the whole session."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


def serve(path: str, chunks: list[bytes], *, content_length: int | None = None):
    return run(_serve(path, chunks, content_length=content_length))


def answer(sent: list[dict]) -> tuple[int, dict[bytes, bytes], bytes]:
    start, body = sent
    return start["status"], dict(start["headers"]), body["body"]


def test_an_announced_body_over_the_limit_gets_a_json_413_without_calling_the_application():
    app, sent, fed = serve("/api/v1/datasets/", [b"x" * 10], content_length=2 * 1024**3)
    status, headers, body = answer(sent)
    assert status == 413 and headers[b"content-type"] == b"application/json" and headers[b"connection"] == b"close"
    error = json.loads(body)["errors"][0]
    assert error["code"] == "too_large" and "1000 bytes" in error["message"] and "/api/v1/uploads/" in error["message"]
    assert not app.called and fed == 0


def test_a_streamed_body_is_cut_off_once_it_passes_the_limit():
    chunks = [b"y" * 400] * 10  # 4,000 bytes without a Content-Length
    app, sent, fed = serve("/healthz", chunks)
    status, headers, body = answer(sent)
    assert status == 413 and headers[b"content-type"].startswith(b"text/html") and b"Content Too Large" in body
    assert app.disconnected and app.read == 800  # the application saw what fitted, then a disconnect
    assert fed == 3  # and nothing was read past the chunk that crossed the limit


def test_a_body_within_the_limit_reaches_the_application_whole():
    app, sent, _ = serve("/api/v1/drafts/", [b"z" * 600, b"z" * 400], content_length=LIMIT)
    assert answer(sent) == (200, {}, b"1000")


def test_other_connection_types_pass_through():
    seen = []

    async def app(scope, receive, send):
        seen.append(scope["type"])

    run(BodyLimitMiddleware(app, limit=LIMIT)({"type": "websocket", "path": "/ws/"}, None, None))
    assert seen == ["websocket"]


@pytest.mark.parametrize("value", [b"abc", b"-5", b""])
def test_a_content_length_that_is_not_a_number_is_left_to_the_counting(value):
    app = Recorder()
    sent = []

    async def receive():
        return {"type": "http.request", "body": b"q" * 5000}

    async def send(message):
        sent.append(message)

    run(BodyLimitMiddleware(app, limit=LIMIT)({"type": "http", "path": "/", "headers": [(b"content-length", value)]},
                                              receive, send))
    assert sent[0]["status"] == 413 and app.read == 0
