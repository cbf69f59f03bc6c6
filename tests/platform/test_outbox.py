"""The outbox and the dispatcher: same-transaction events, ordered at-least-once delivery."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import event, select

from sightgate.platform.db import Database
from sightgate.platform.dispatch import Dispatcher, cursor_states
from sightgate.platform.events import Actor, DomainEvent, StoredEvent, read_events
from sightgate.platform.uow import UnitOfWork

ACTOR = Actor("test", "outbox")


def emit(db: Database, *aggregate_ids: str) -> None:
    with UnitOfWork(db, ACTOR) as uow:
        for aggregate_id in aggregate_ids:
            uow.emit(
                DomainEvent("test.Happened", "Thing", aggregate_id, "scope", {"id": aggregate_id})
            )


class Recorder:
    """A subscriber that remembers what it was given."""

    def __init__(self, name: str = "recorder", fail_on: str | None = None) -> None:
        self.name = name
        self.fail_on = fail_on
        self.seen: list[str] = []
        self.lock = threading.Lock()

    def handle(self, event: StoredEvent, uow: UnitOfWork) -> None:
        if event.aggregate_id == self.fail_on:
            raise RuntimeError("handler broke")
        with self.lock:
            self.seen.append(event.aggregate_id)


def test_events_commit_with_the_transaction(db: Database) -> None:
    emit(db, "a", "b")
    with db.read() as conn:
        stored = read_events(conn)
    assert [e.aggregate_id for e in stored] == ["a", "b"]
    assert stored[0].position < stored[1].position
    assert stored[0].actor == "test:outbox"


def test_rolled_back_work_leaves_no_event(db: Database) -> None:
    with pytest.raises(RuntimeError), UnitOfWork(db, ACTOR) as uow:
        uow.emit(DomainEvent("test.Happened", "Thing", "x", "scope"))
        raise RuntimeError("abort")
    with db.read() as conn:
        assert read_events(conn) == []


def test_dispatcher_delivers_each_event_once_in_order_and_keeps_its_cursor(db: Database) -> None:
    emit(db, "1", "2")
    emit(db, "3")
    recorder = Recorder()
    assert Dispatcher(db, [recorder], batch_size=2).run_once() == 3
    assert recorder.seen == ["1", "2", "3"]
    # a new dispatcher (a restarted worker) starts from the persisted cursor
    emit(db, "4")
    again = Recorder()
    Dispatcher(db, [again]).run_once()
    assert again.seen == ["4"]
    assert [(c.subscriber, c.position) for c in cursor_states(db)] == [("recorder", 4)]


def test_each_subscriber_has_its_own_cursor(db: Database) -> None:
    emit(db, "1", "2")
    first, second = Recorder("first"), Recorder("second")
    Dispatcher(db, [first]).run_once()
    Dispatcher(db, [first, second]).run_once()
    assert first.seen == ["1", "2"]
    assert second.seen == ["1", "2"]


def test_a_failing_handler_stops_at_the_event_and_retries_it(db: Database) -> None:
    emit(db, "1", "2", "3")
    broken = Recorder(fail_on="2")
    with pytest.raises(RuntimeError):
        Dispatcher(db, [broken]).run_once()
    # "1" shared a delivery with "2", which rolled back, so the handler saw it twice
    # (at least once, as the contract says); the cursor committed it once.
    assert "2" not in broken.seen and set(broken.seen) == {"1"}
    state = cursor_states(db)[0]
    assert state.position == 1
    assert state.last_error is not None and "handler broke" in state.last_error
    broken.fail_on = None
    broken.seen.clear()
    Dispatcher(db, [broken]).run_once()
    assert broken.seen == ["2", "3"]
    assert cursor_states(db)[0].last_error is None


class EmitsThenFails:
    """Emits ``test.Handled`` for each event (a database effect) and fails on one."""

    name = "emitter"

    def __init__(self, fail_on: str) -> None:
        self.fail_on = fail_on
        self.calls = 0

    def handle(self, event: StoredEvent, uow: UnitOfWork) -> None:
        if event.type != "test.Happened":
            return
        self.calls += 1
        if event.aggregate_id == self.fail_on:
            raise RuntimeError("handler broke")
        uow.emit(DomainEvent("test.Handled", "Thing", event.aggregate_id, "scope"))


def test_events_before_a_failure_take_effect_exactly_once(db: Database) -> None:
    """A run of events shares a transaction; a failure in it still commits those before."""
    emit(db, "1", "2", "3", "4")
    emitter = EmitsThenFails(fail_on="3")
    with pytest.raises(RuntimeError):
        Dispatcher(db, [emitter]).run_once()
    with db.read() as conn:
        handled = [e.aggregate_id for e in read_events(conn) if e.type == "test.Handled"]
    assert handled == ["1", "2"]
    assert cursor_states(db)[0].position == 2


def test_a_run_of_events_is_delivered_in_one_transaction(db: Database) -> None:
    emit(db, *[str(i) for i in range(50)])
    recorder = Recorder()
    commits = 0

    def count(_: object) -> None:
        nonlocal commits
        commits += 1

    event.listen(db.engine, "commit", count)
    try:
        assert Dispatcher(db, [recorder]).run_once() == 50
    finally:
        event.remove(db.engine, "commit", count)
    assert recorder.seen == [str(i) for i in range(50)]
    # the cursor's creation, the reads and one delivery, not fifty
    assert commits < 10


def test_handler_writes_roll_back_with_a_failed_delivery(db: Database) -> None:
    """What a handler writes commits together with the cursor, or not at all."""
    from sightgate.platform.events import event_cursors_table

    emit(db, "1")

    class WritesThenFails:
        name = "writer"

        def handle(self, event: StoredEvent, uow: UnitOfWork) -> None:
            uow.emit(DomainEvent("test.Reaction", "Thing", "r", "scope"))
            raise RuntimeError("after writing")

    with pytest.raises(RuntimeError):
        Dispatcher(db, [WritesThenFails()]).run_once()
    with db.read() as conn:
        assert [e.type for e in read_events(conn)] == ["test.Happened"]
        position = conn.execute(select(event_cursors_table.c.position)).scalar_one()
    assert position == 0


@pytest.mark.parametrize("workers", [3])
def test_concurrent_dispatchers_never_handle_an_event_twice(db: Database, workers: int) -> None:
    for start in range(0, 60, 10):
        emit(db, *(str(i) for i in range(start, start + 10)))
    recorder = Recorder("shared")
    threads = [
        threading.Thread(target=Dispatcher(db, [recorder], batch_size=7).run_once)
        for _ in range(workers)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert recorder.seen == [str(i) for i in range(60)]
