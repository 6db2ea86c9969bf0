"""The chat's rating store on a real PostgreSQL server behaves as the SQLite one: same rows, keys, filters, exports."""

import itertools
from dataclasses import replace
from datetime import datetime

import pytest

from medqa.core.db import Database, schema_version
from medqa.feedback.postgres import PostgresFeedbackStore
from medqa.feedback.store import FeedbackStore, open_store
from medqa.study.store import StudyStore
from tests.feedback.test_feedback import PNG, Clock, make_rating
from tests.helpers.postgres import fresh_database
from tests.helpers.threads import run_in_threads

_names = itertools.count(1)
TIMES = ("2024-05-01T09:00:00+00:00", "2024-05-02T23:59:59+00:00", "2024-05-03T00:00:00+00:00")


@pytest.fixture
def pg_target(postgres_url) -> str:
    """A new, empty database on the session's PostgreSQL server."""
    return fresh_database(postgres_url, f"feedback{next(_names)}")


@pytest.fixture(params=["sqlite", "postgresql"])
def make_store(request, tmp_path):
    """A factory of one empty store on either backend, with a clock handing out TIMES."""
    def make(**options):
        clock = Clock(*TIMES * 20)  # a refused rating and every resubmission read the clock too
        if request.param == "sqlite":
            return FeedbackStore(tmp_path / "r.db", clock=clock, **options)
        url = fresh_database(request.getfixturevalue("postgres_url"), f"feedback{next(_names)}")
        return PostgresFeedbackStore(url, clock=clock, **options)
    return make


def test_rows_filters_summary_and_exports_are_the_same_on_both_backends(make_store):
    store = make_store(store_images=True)
    first = make_rating()
    ids = [store.add(first), store.add(make_rating(clinician_id="dr-b", model_id="m2", thumbs="down")),
           store.add(make_rating(accuracy=2, completeness=None))]
    assert ids == [1, 2, 3]
    assert store.get(1) == first  # every field back, the pixels included
    assert [r["id"] for r in store.ratings(since="2024-05-02")] == [2, 3]
    assert [r["id"] for r in store.ratings(until="2024-05-02", model="m2")] == [2]
    assert store.count(clinician="dr-a") == 2 and store.count() == 3
    assert "image_png" not in store.ratings()[0] and store.ratings(include_images=True)[0]["image_png"] == PNG
    (m1, m2) = store.summary()
    assert (m1["n"], m1["mean_accuracy"], m1["mean_completeness"], m2["thumbs_up_share"]) == (2, 3.0, 3.0, 0.0)
    row = store.export_rows(clinician="dr-b")[0]
    rated = (row["id"], row["answer_number"], row["question"], row["answer"])
    assert rated == (2, 2, "需要随访吗？", "建议三个月后复查。")
    assert row["created_at"] == "2024-05-02T23:59:59.000000+00:00" and row["conversation"] == first.conversation


def test_a_resubmitted_key_updates_its_row_and_another_session_cannot_take_it(make_store):
    store = make_store()
    assert store.save(make_rating(rating_key="form-0001", accuracy=3)) == (1, True)
    assert store.save(make_rating(rating_key="form-0001", accuracy=5)) == (1, False)
    (row,) = store.ratings()
    assert (row["accuracy"], row["created_at"][:10], row["updated_at"][:10]) == (5, "2024-05-01", "2024-05-02")
    with pytest.raises(ValueError, match="belongs to another session"):
        store.save(make_rating(rating_key="form-0001", session_id="sess-2"))
    with pytest.raises(ValueError, match="accuracy must be an integer 1-5"):
        store.add(make_rating(accuracy=9))
    assert store.count() == 1


def test_concurrent_writers_store_each_rating_once(pg_target):
    store = PostgresFeedbackStore(pg_target)

    def rate(n: int) -> None:
        for k in range(5):  # every rating twice under one key, as a lost reply would resend it
            rating = make_rating(session_id=f"s{n}", rating_key=f"key-{n:03d}-{k:03d}", accuracy=1 + k)
            store.save(rating)
            store.save(replace(rating, comment="再次提交"))

    assert run_in_threads(rate, range(20)) == []
    rows = store.ratings()
    assert len(rows) == 100 and len({r["rating_key"] for r in rows}) == 100
    assert {r["comment"] for r in rows} == {"再次提交"}
    store.close()


def test_the_chat_and_a_study_share_one_database_with_their_own_ledgers(pg_target):
    study = StudyStore(pg_target, "s1")
    chat = open_store(pg_target)
    assert isinstance(chat, PostgresFeedbackStore) and chat.add(make_rating()) == 1
    db = Database(pg_target)
    assert schema_version(db, ledger="feedback_migrations") == 1 and schema_version(db) >= 1
    reopened = open_store(pg_target)  # a second replica starting: nothing applied twice, nothing lost
    assert reopened.count() == 1
    for opened in (db, chat.db, reopened.db):
        opened.close()
    study.close()


def test_created_at_is_utc_text_in_time_order(make_store):
    store = make_store()
    for _ in TIMES:
        store.add(make_rating())
    stamps = [r["created_at"] for r in store.ratings()]
    assert stamps == sorted(stamps) and all(datetime.fromisoformat(s).utcoffset().total_seconds() == 0
                                            for s in stamps)


def test_one_form_sent_from_many_threads_at_once_is_one_row(make_store):
    store = make_store()
    assert run_in_threads(lambda _: store.count(), range(10)) == []  # every thread has its connection ready
    for n in range(5):
        rating = make_rating(rating_key=f"form-{n:04d}", accuracy=4)
        outcomes = []
        assert run_in_threads(lambda _, r=rating, out=outcomes: out.append(store.save(r)), range(10)) == []
        assert sorted(outcomes) == [(n + 1, False)] * 9 + [(n + 1, True)]
    assert store.count() == 5
