"""A no-op Celery task for bench/load.py: the raw round trip through the same broker and the same
workers as the engine's steps. The workers load it with `celery ... worker --include
bench.celery_ping`; the reply goes back on Redis (the app has no result backend): LPUSH onto the
list the sender named, which it BLPOPs."""
from __future__ import annotations

import threading

from engine.celery_app import app

REPLY_PREFIX = "graphwright:bench-ping:"
_client = None
_lock = threading.Lock()


def _redis():
    global _client
    with _lock:
        if _client is None:
            import redis

            _client = redis.Redis.from_url(app.conf.broker_url)
        return _client


@app.task(name="graphwright.bench_ping", ignore_result=True)
def ping(reply: str) -> None:
    if not reply.startswith(REPLY_PREFIX) or len(reply) > 100:
        return
    client = _redis()
    pipe = client.pipeline()
    pipe.lpush(reply, "1")
    pipe.expire(reply, 60)
    pipe.execute()
