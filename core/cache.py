"""Django's Redis cache, reusing one client object per connection pool.

Django's `RedisCacheClient.get_client` builds a new `redis.Redis` object for every
cache operation; with redis-py 5+ that costs about 0.25 ms each (its response-callback
table is rebuilt), which on exam day was a tenth of a whole save request. A
`redis.Redis` object is safe to share between threads (each command borrows a
connection from the pool), so one per pool is enough.
"""

from django.core.cache.backends.redis import RedisCache, RedisCacheClient


class ReusingRedisCacheClient(RedisCacheClient):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients[id(pool)] = self._client(connection_pool=pool)
        return client


class ReusingRedisCache(RedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = ReusingRedisCacheClient
