"""Query vectors shared by every worker through Redis (KB_REDIS_URL)."""

from __future__ import annotations

import uuid

import numpy as np
import pytest
import redis

from kb.index import shared_vectors
from kb.index.shared_vectors import RedisVectors
from kb.state import state_of
from tests.fixtures.app import make_app, make_config


def test_vectors_put_by_one_worker_are_found_by_another(redis_url):
    model = f"test-model-{uuid.uuid4()}"  # keys of their own: nothing another test or server holds
    vector = np.linspace(-1, 1, 384, dtype=np.float32)
    RedisVectors(redis_url).put_many(model, {"reset my password": vector})
    found = RedisVectors(redis_url).get_many(model, ["reset my password", "never asked"])
    assert list(found) == ["reset my password"]
    np.testing.assert_array_equal(found["reset my password"], vector)
    ttl = redis.Redis.from_url(redis_url).ttl(shared_vectors.key(model, "reset my password"))
    assert 0 < ttl <= shared_vectors.TTL


def test_an_unreachable_redis_is_skipped_for_a_while(monkeypatch):
    store = RedisVectors("redis://127.0.0.1:1/0")  # nothing listens there
    with pytest.raises(redis.RedisError):
        store.get_many("m", ["reset my password"])
    assert store.get_many("m", ["reset my password"]) == {}  # at once: no second wait for the timeout
    store.put_many("m", {"reset my password": np.zeros(384, dtype=np.float32)})


def query_encoder(data_dir, tmp_path, **settings):
    app = make_app(make_config(data_dir, DATABASE_URL=f"sqlite:///{tmp_path}/x.db", **settings))
    with app.app_context():
        return state_of(app).encoder.get()


def test_queries_use_the_shared_store_when_redis_is_configured(built_data_dir, redis_url, tmp_path):
    assert isinstance(query_encoder(built_data_dir, tmp_path, REDIS_URL=redis_url).shared, RedisVectors)
    assert query_encoder(built_data_dir, tmp_path).shared is None


def test_without_the_redis_package_each_worker_keeps_its_own(monkeypatch):
    real_find_spec = shared_vectors.importlib.util.find_spec
    monkeypatch.setattr(
        shared_vectors.importlib.util, "find_spec", lambda n: None if n == "redis" else real_find_spec(n)
    )
    assert shared_vectors.shared_vectors({"REDIS_URL": "redis://127.0.0.1:6379/15"}) is None
