"""A test run removes its Redis keys at the end, those without a TTL too, and only its own."""

from __future__ import annotations

import uuid

from redis import Redis

from service_kit_testing import TestInfra, delete_redis_keys


def test_the_run_prefix_and_the_prefixes_derived_from_it_are_emptied(infra: TestInfra) -> None:
    # Run ids of their own (as long as a real one), so as not to empty the run this test is in.
    run, other_run = uuid.uuid4().hex[:10], uuid.uuid4().hex[:10]
    ours = [f"cp-test-{run}:fault:k1", f"cp-test-{run}:idem-1234:key", f"cp-test-{run}-vault:k"]
    theirs = f"cp-test-{other_run}:fault:k1"
    with Redis.from_url(infra.redis_url) as client:
        for key in [*ours, theirs]:
            client.set(key, "v", ex=60 if key == theirs else None)  # a fault flag has no TTL
        try:
            delete_redis_keys(infra.redis_url, f"cp-test-{run}*")
            assert [client.exists(key) for key in ours] == [0, 0, 0]
            assert client.exists(theirs) == 1
        finally:
            client.delete(theirs)
