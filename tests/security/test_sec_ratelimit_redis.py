"""With REDIS_URL the limits are shared by every API process (two limiters, one budget)."""

from __future__ import annotations

import uuid

from tests.conftest import make_settings
from uanl.core.ratelimit import RateLimiter

REDIS = "redis://127.0.0.1:6379/15"

# Redis is one of the services the suite runs against (.ci/run starts it): no skip.


def test_two_processes_share_one_budget_through_redis(tmp_path):
    settings = make_settings(
        None, tmp_path, REDIS_URL=REDIS, RATE_LIMIT_ENABLED="true", RATE_LIMIT_API="3/minute"
    )
    a, b = RateLimiter(settings), RateLimiter(settings)
    assert a.remote and b.remote
    key = ("api-sub", uuid.uuid4().hex)
    verdicts = [a.hit(a.api, *key), b.hit(b.api, *key), a.hit(a.api, *key)]
    assert [v.allowed for v in verdicts] == [True, True, True]
    assert [v.remaining for v in verdicts] == [2, 1, 0]
    refused = b.hit(b.api, *key)
    assert not refused.allowed
    assert refused.headers()["Retry-After"] == str(max(1, refused.reset_s))


def test_memory_limiter_is_local(tmp_path):
    settings = make_settings(None, tmp_path, RATE_LIMIT_API="1/minute")
    a = RateLimiter(settings)
    assert not a.remote
    assert a.hit(a.api, "api-ip", "1.2.3.4").allowed
    assert not a.hit(a.api, "api-ip", "1.2.3.4").allowed
    assert a.hit(a.api, "api-ip", "5.6.7.8").allowed
