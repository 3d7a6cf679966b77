"""Load shedding: past its ranking slots and waiting line, a process answers customers 503 at once."""

from __future__ import annotations

import threading
import time

import pytest

from kb.query.capacity import Busy, Gate
from kb.serve import SPARE_THREADS, worker_threads
from tests.fixtures.app import make_app, make_config
from tests.fixtures.capacity import AtCapacity, HeldSlot


def test_requests_beyond_the_slots_wait_and_beyond_the_queue_are_refused_at_once():
    gate = Gate(concurrency=1, queue=1)
    waiter_got_in = threading.Event()

    def wait_for_slot():
        with gate.slot():
            waiter_got_in.set()

    with HeldSlot(gate) as first:
        waiter = threading.Thread(target=wait_for_slot)
        waiter.start()
        deadline = time.monotonic() + 2
        while gate.waiting < 1 and time.monotonic() < deadline:
            time.sleep(0.005)
        started = time.monotonic()
        with pytest.raises(Busy) as refused:
            with gate.slot():
                pass
        assert time.monotonic() - started < 0.05  # refused at once, not after waiting
        assert refused.value.code == 503 and refused.value.retry_after == 1
        assert not waiter_got_in.is_set()
        first.release()
        waiter.join(2)
    assert waiter_got_in.is_set()
    assert (gate.waiting, gate.refused) == (0, 1)


def test_agents_wait_for_a_slot_even_when_the_queue_is_full():
    gate = Gate(concurrency=1, queue=0)
    with HeldSlot(gate) as first:
        threading.Timer(0.2, first.release).start()
        started = time.monotonic()
        with gate.slot(shed=False):
            waited = time.monotonic() - started
    assert 0.1 < waited < 2
    assert gate.refused == 0


def test_a_slot_is_given_back_when_the_work_fails():
    gate = Gate(concurrency=1, queue=0)
    with pytest.raises(ValueError), gate.slot():
        raise ValueError("ranking failed")
    with gate.slot():
        pass


@pytest.fixture
def busy_app(built_data_dir, tmp_path):
    """An app whose only ranking slot is taken and whose waiting line has no place."""
    app = make_app(make_config(built_data_dir, DATABASE_URL=f"sqlite:///{tmp_path / 'kb.sqlite3'}"))
    with AtCapacity(app):
        yield app


@pytest.mark.parametrize(
    "method, path, body",
    [
        ("GET", "/api/v1/search?q=invoice", None),
        ("GET", "/api/v1/suggest?q=invoice", None),
        ("POST", "/api/v1/suggest", {"text": "I was charged twice for my invoice"}),
    ],
)
def test_api_at_capacity_answers_503_json_with_retry_after(busy_app, method, path, body):
    response = busy_app.test_client().open(path, method=method, json=body)
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "1"
    assert response.get_json()["error"]["code"] == "service_unavailable"
    assert "try again" in response.get_json()["error"]["message"]


def test_search_page_at_capacity_answers_503_html(busy_app):
    response = busy_app.test_client().get("/search?q=invoice")
    assert response.status_code == 503
    assert response.mimetype == "text/html"
    assert response.headers["Retry-After"] == "1"
    assert "try again" in response.get_data(as_text=True)


def test_contact_form_at_capacity_still_works_without_suggestions(busy_app):
    client = busy_app.test_client()
    response = client.get("/contact?subject=invoice+charged+twice")
    assert response.status_code == 200
    assert 'name="subject"' in response.get_data(as_text=True)


def test_pages_and_tickets_are_not_held_back_by_a_full_ranking_queue(busy_app):
    client = busy_app.test_client()
    assert client.get("/").status_code == 200
    assert client.get("/healthz").status_code == 200
    ticket = {"name": "Ann", "email": "ann@example.com", "message": "My invoice is wrong"}
    assert client.post("/api/v1/tickets", json=ticket).status_code == 201


def test_agent_suggestions_wait_for_a_slot_instead_of_being_refused(built_data_dir, tmp_path):
    token = "agent-token-0123456789"
    app = make_app(make_config(built_data_dir, DATABASE_URL=f"sqlite:///{tmp_path / 'kb.sqlite3'}", AGENT_TOKENS=token))
    with AtCapacity(app) as busy:
        threading.Timer(0.2, busy.release).start()
        response = app.test_client().post(
            "/api/v1/agent/suggest",
            json={"subject": "Charged twice", "body": "My invoice shows two payments"},
            headers={"Authorization": f"Bearer {token}"},
        )
    assert response.status_code == 200
    assert response.get_json()["suggestions"]


def test_capacity_settings_are_checked(built_data_dir):
    from kb.errors import ConfigError

    with pytest.raises(ConfigError) as error:
        make_app(make_config(built_data_dir, SEARCH_CONCURRENCY=0, SEARCH_QUEUE=-1))
    assert "KB_SEARCH_CONCURRENCY" in str(error.value) and "KB_SEARCH_QUEUE" in str(error.value)


def test_gunicorn_threads_leave_room_to_queue_inside_kb_and_serve_pages():
    config = {"SEARCH_CONCURRENCY": 2, "SEARCH_QUEUE": 8}
    assert worker_threads(config) == 2 + 8 + SPARE_THREADS
