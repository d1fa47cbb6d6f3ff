"""The Redis cache backend used in production (and by the exam-day benchmark), against
the Redis server on this machine (127.0.0.1:6379, database 15)."""

import threading

import pytest

from core.cache import ReusingRedisCache

REDIS_URL = "redis://127.0.0.1:6379/15"


@pytest.fixture
def redis_cache():
    cache = ReusingRedisCache(REDIS_URL, {"KEY_PREFIX": "test-reuse"})
    cache.clear()
    yield cache
    cache.clear()


def test_values_round_trip_and_expire_like_any_django_cache(redis_cache):
    redis_cache.set("roles:1", (("coordinator",), True), 60)
    assert redis_cache.get("roles:1") == (("coordinator",), True)
    assert redis_cache.add("roles:1", "other") is False
    redis_cache.set("n", 1)
    assert redis_cache.incr("n") == 2
    redis_cache.delete("roles:1")
    assert redis_cache.get("roles:1") is None
    redis_cache.set("gone", 1, 0)
    assert redis_cache.get("gone") is None


def test_one_client_object_serves_every_operation_and_thread(redis_cache):
    first = redis_cache._cache.get_client()
    redis_cache.set("a", 1)
    redis_cache.get("a")
    seen = []

    def work():
        redis_cache.set("b", 2)
        seen.append(redis_cache._cache.get_client(write=True))

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert all(client is first for client in seen)
    assert redis_cache.get("b") == 2
