"""Query vectors shared by every worker: through Redis (KB_REDIS_URL), or a SQLite file for one kb serve's."""

from __future__ import annotations

import multiprocessing
import uuid

import numpy as np
import pytest
import redis

from kb.index import shared_vectors
from kb.index.shared_vectors import RedisVectors, SqliteVectors
from kb.serve import share_query_vectors
from kb.state import state_of
from tests.fixtures.app import make_app, make_config
from tests.fixtures.model import FakeEncoder


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


def vector(seed: float) -> np.ndarray:
    return np.full(384, seed, dtype=np.float32)


def test_vectors_one_process_stores_in_the_file_are_found_by_another(tmp_path):
    path = tmp_path / shared_vectors.FILE
    SqliteVectors(path).put_many("model-a", {"reset my password": vector(0.5), "close account": vector(0.25)})
    found = SqliteVectors(path).get_many("model-a", ["close account", "never asked", "reset my password"])
    assert list(found) == ["close account", "reset my password"]
    np.testing.assert_array_equal(found["reset my password"], vector(0.5))
    assert SqliteVectors(path).get_many("model-b", ["reset my password"]) == {}  # each model's own


def _in_a_forked_worker(store: SqliteVectors, queue) -> None:
    found = store.get_many("m", ["asked in the master's time"])
    store.put_many("m", {"asked in the worker": vector(2.0)})
    queue.put(float(found["asked in the master's time"][0]))


def test_a_forked_worker_uses_a_connection_of_its_own(tmp_path):
    store = SqliteVectors(tmp_path / shared_vectors.FILE)  # made before the fork, as kb serve does
    store.put_many("m", {"asked in the master's time": vector(1.0)})
    context = multiprocessing.get_context("fork")
    queue = context.Queue()
    worker = context.Process(target=_in_a_forked_worker, args=(store, queue))
    worker.start()
    assert queue.get(timeout=30) == 1.0
    worker.join(30)
    assert worker.exitcode == 0
    assert list(store.get_many("m", ["asked in the worker"])) == ["asked in the worker"]


def test_the_file_keeps_the_most_recently_stored(tmp_path):
    store = SqliteVectors(tmp_path / shared_vectors.FILE, most_kept=3)
    for n in range(5):
        store.put_many("m", {f"question {n}": vector(n)})
    store.put_many("m", {"question 1": vector(1)})  # stored again: as new
    store.trim()
    assert sorted(store.get_many("m", [f"question {n}" for n in range(5)])) == [
        "question 1",
        "question 3",
        "question 4",
    ]


def test_a_file_that_cannot_be_made_means_each_worker_keeps_its_own(tmp_path):
    (tmp_path / "not-a-folder").write_text("")
    assert shared_vectors.shared_vectors({"QUERY_VECTORS_FILE": str(tmp_path / "not-a-folder" / "v.sqlite3")}) is None


def test_kb_serve_workers_embed_a_question_once_between_them(tmp_path):
    asked: list[str] = []

    class Counting(FakeEncoder):
        def encode_queries(self, texts):
            asked.extend(texts)
            return super().encode_queries(texts)

    def worker(workers: int, **settings):
        config = make_config(tmp_path / "data", DATABASE_URL=f"sqlite:///{tmp_path}/kb.db", **settings)
        app = make_app(config, encoder_factory=Counting)
        share_query_vectors(app, workers)  # what kb serve does before it forks them
        with app.app_context():
            return state_of(app).encoder.get()

    (tmp_path / "data").mkdir()
    first, second = worker(2), worker(2)
    first.encode_queries(["my invoice is wrong"])
    np.testing.assert_array_equal(
        second.encode_queries(["my invoice is wrong"]), first.encode_queries(["my invoice is wrong"])
    )
    assert asked.count("my invoice is wrong") == 1
    assert worker(1).shared is None  # one worker: its own cache is enough


def test_kb_serve_without_semantic_search_makes_no_vectors_file(tmp_path):
    config = make_config(tmp_path, DATABASE_URL=f"sqlite:///{tmp_path}/kb.db", SEMANTIC_ENABLED=False)
    share_query_vectors(make_app(config), 2)
    assert not (tmp_path / shared_vectors.FILE).exists()
