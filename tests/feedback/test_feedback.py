"""The rating store: round trips, filters, summaries, exports, validation, threads and SIGKILL durability."""

import csv
import json
import os
import signal
import sqlite3
import subprocess
import sys
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from PIL import Image

from medqa.feedback.ratings import Rating, default_db_path, image_sha256, rated_turn
from medqa.feedback.store import FeedbackStore
from tests.helpers.paths import REPO
from tests.helpers.threads import run_in_threads

SHA = image_sha256(b"x-ray pixels")
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00fake-png-body"
CONVERSATION = [
    {"role": "user", "content": [{"type": "image", "image": f"sha256:{SHA}"},
                                 {"type": "text", "text": "这张胸片正常吗？"}]},
    {"role": "assistant", "content": [{"type": "text", "text": "右肺下叶可见结节。"}]},
    {"role": "user", "content": [{"type": "text", "text": "需要随访吗？"}]},
    {"role": "assistant", "content": [{"type": "text", "text": "建议三个月后复查。"}]},
]


def make_rating(**changes) -> Rating:
    base = Rating(
        session_id="sess-1", clinician_id="dr-a", model_id="Qwen/Qwen2.5-VL-3B-Instruct", adapter_id="lora-v1",
        adapter_hash="abc123", conversation=CONVERSATION, answer_index=1, thumbs="up", accuracy=4, completeness=3,
        safety=5, comment="回答准确，但缺少鉴别诊断。", decoding={"mode": "greedy", "max_new_tokens": 256},
        latency_s=1.25, image_sha256=SHA, image_png=PNG, language="zh",
    )
    return replace(base, **changes)


class Clock:
    """Hands out the given times in order, so created_at is known to the test."""

    def __init__(self, *times: str):
        self.times = [datetime.fromisoformat(t) for t in times]

    def __call__(self) -> datetime:
        return self.times.pop(0)


def test_image_sha256_is_hex_digest():
    assert image_sha256(b"abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"


def test_round_trip_of_every_field(tmp_path):
    store = FeedbackStore(tmp_path / "r.db", store_images=True, clock=Clock("2025-03-01T10:00:00+00:00"))
    rating = make_rating()
    row_id = store.add(rating)
    assert row_id == 1
    assert store.get(row_id) == rating
    [row] = store.ratings(include_images=True)
    assert row["created_at"] == "2025-03-01T10:00:00.000000+00:00"
    assert row["conversation"] == CONVERSATION and row["decoding"] == {"mode": "greedy", "max_new_tokens": 256}
    assert row["image_png"] == PNG


def test_optional_fields_round_trip_as_none(tmp_path):
    store = FeedbackStore(tmp_path / "r.db")
    rating = make_rating(adapter_id=None, adapter_hash=None, thumbs=None, accuracy=None, completeness=None,
                         safety=2, comment="", decoding={}, latency_s=None, image_sha256=None, image_png=None,
                         language="en")
    assert store.get(store.add(rating)) == rating


def test_wal_and_full_synchronous(tmp_path):
    store = FeedbackStore(tmp_path / "r.db")
    with sqlite3.connect(tmp_path / "r.db") as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone() == ("wal",)
    with store._connect() as db:
        assert db.execute("PRAGMA synchronous").fetchone() == (2,)  # 2 = FULL


def test_images_stored_only_when_allowed(tmp_path):
    plain = FeedbackStore(tmp_path / "plain.db")
    row_id = plain.add(make_rating())
    assert plain.get(row_id).image_png is None
    with sqlite3.connect(tmp_path / "plain.db") as conn:
        assert conn.execute("SELECT image_png, image_sha256 FROM ratings").fetchall() == [(None, SHA)]
    assert "image_png" not in plain.ratings()[0]

    allowed = FeedbackStore(tmp_path / "allowed.db", store_images=True)
    allowed.add(make_rating())
    with sqlite3.connect(tmp_path / "allowed.db") as conn:
        assert conn.execute("SELECT image_png FROM ratings").fetchall() == [(PNG,)]
    assert "image_png" not in allowed.ratings()[0]  # pixels only on request
    assert allowed.ratings(include_images=True)[0]["image_png"] == PNG


def _filter_store(tmp_path) -> FeedbackStore:
    # id: day (UTC), clinician, model
    clock = Clock(
        "2025-03-01T08:00:00+00:00",  # 1: 03-01 dr-a m1
        "2025-03-02T01:00:00+08:00",  # 2: 03-01 17:00 UTC, dr-b m1
        "2025-03-02T12:00:00+00:00",  # 3: 03-02 dr-a m2
        "2025-03-02T23:59:59+00:00",  # 4: 03-02 dr-b m2
        "2025-03-03T00:00:00+00:00",  # 5: 03-03 dr-a m1
    )
    store = FeedbackStore(tmp_path / "r.db", clock=clock)
    for clinician, model in [("dr-a", "m1"), ("dr-b", "m1"), ("dr-a", "m2"), ("dr-b", "m2"), ("dr-a", "m1")]:
        store.add(make_rating(clinician_id=clinician, model_id=model))
    return store


@pytest.mark.parametrize(
    ("filters", "ids"),
    [
        ({}, [1, 2, 3, 4, 5]),
        ({"since": "2025-03-02"}, [3, 4, 5]),
        ({"until": "2025-03-01"}, [1, 2]),  # 2 was written 03-02 in UTC+8, which is 03-01 in UTC
        ({"since": "2025-03-02", "until": "2025-03-02"}, [3, 4]),  # until includes the whole day
        ({"clinician": "dr-b"}, [2, 4]),
        ({"model": "m1"}, [1, 2, 5]),
        ({"clinician": "dr-a", "model": "m1", "since": "2025-03-02"}, [5]),
        ({"clinician": "nobody"}, []),
    ],
)
def test_filters_combine(tmp_path, filters, ids):
    store = _filter_store(tmp_path)
    assert [r["id"] for r in store.ratings(**filters)] == ids
    assert store.count(**filters) == len(ids)


def test_bad_date_filter_is_a_clear_error(tmp_path):
    store = FeedbackStore(tmp_path / "r.db")
    with pytest.raises(ValueError, match="since must be an ISO date YYYY-MM-DD"):
        store.ratings(since="03/01/2025")


def _summary_store(tmp_path) -> FeedbackStore:
    store = FeedbackStore(tmp_path / "r.db")
    for thumbs, acc, comp, safe in [("up", 5, 4, None), ("down", 3, None, None), (None, 4, 2, None)]:
        store.add(make_rating(model_id="m1", adapter_id=None, thumbs=thumbs, accuracy=acc, completeness=comp,
                              safety=safe))
    for thumbs, acc in [("up", 2), ("up", 3)]:
        store.add(make_rating(model_id="m1", adapter_id="lora", thumbs=thumbs, accuracy=acc, completeness=None,
                              safety=1))
    store.add(make_rating(model_id="m2", adapter_id=None, thumbs=None, accuracy=None, completeness=None,
                          safety=None, comment="只有评论"))
    return store


def test_summary_means_are_hand_computed(tmp_path):
    store = _summary_store(tmp_path)
    assert store.summary() == [
        # m1: thumbs up, down -> 1/2; accuracy (5+3+4)/3; completeness (4+2)/2; no safety scores.
        {"model_id": "m1", "adapter_id": None, "label": "m1", "n": 3, "n_thumbs": 2, "thumbs_up_share": 0.5,
         "mean_accuracy": 4.0, "mean_completeness": 3.0, "mean_safety": None},
        {"model_id": "m1", "adapter_id": "lora", "label": "m1 + lora", "n": 2, "n_thumbs": 2,
         "thumbs_up_share": 1.0, "mean_accuracy": 2.5, "mean_completeness": None, "mean_safety": 1.0},
        {"model_id": "m2", "adapter_id": None, "label": "m2", "n": 1, "n_thumbs": 0, "thumbs_up_share": None,
         "mean_accuracy": None, "mean_completeness": None, "mean_safety": None},
    ]
    assert [s["label"] for s in store.summary(model="m2")] == ["m2"]


def test_csv_is_utf8_sig_with_chinese_and_json(tmp_path):
    store = FeedbackStore(tmp_path / "r.db")
    store.add(make_rating())
    store.add(make_rating(clinician_id="dr-b", comment="=HYPERLINK(\"http://x\")"))
    out = store.export_csv(tmp_path / "r.csv", clinician="dr-a")
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    assert "回答准确，但缺少鉴别诊断。".encode() in raw
    rows = list(csv.DictReader(raw.decode("utf-8-sig").splitlines()))
    assert len(rows) == 1 and rows[0]["clinician_id"] == "dr-a"
    assert json.loads(rows[0]["conversation"]) == CONVERSATION
    assert rows[0]["accuracy"] == "4" and rows[0]["adapter_id"] == "lora-v1"
    assert "image_png" not in rows[0] and "answer_index" not in rows[0]
    # The rated turn is answer_index 1: the screen's "answer 2", with its own question and answer as columns.
    rated = (rows[0]["answer_number"], rows[0]["question"], rows[0]["answer"])
    assert rated == ("2", "需要随访吗？", "建议三个月后复查。")
    # A comment starting with '=' must not run as a spreadsheet formula.
    all_rows = list(csv.DictReader(store.export_csv(tmp_path / "all.csv").read_text("utf-8-sig").splitlines()))
    assert all_rows[1]["comment"] == "'=HYPERLINK(\"http://x\")"


def test_jsonl_round_trip(tmp_path):
    store = FeedbackStore(tmp_path / "r.db", store_images=True)
    store.add(make_rating())
    store.add(make_rating(model_id="m2", thumbs="down", comment="不安全"))
    out = store.export_jsonl(tmp_path / "r.jsonl")
    lines = out.read_text("utf-8").splitlines()
    assert "不安全" in lines[1]  # Chinese unescaped
    assert [json.loads(line) for line in lines] == store.export_rows()
    first = json.loads(lines[0])
    assert (first["answer_number"], first["question"], first["answer"]) == (2, "需要随访吗？", "建议三个月后复查。")
    assert first["conversation"] == CONVERSATION and "answer_index" not in first
    assert all("image_png" not in json.loads(line) for line in lines)
    assert [json.loads(line)["id"] for line in store.export_jsonl(tmp_path / "m2.jsonl", model="m2").open()] == [2]


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"accuracy": 0}, "accuracy must be an integer 1-5"),
        ({"completeness": 6}, "completeness must be an integer 1-5"),
        ({"safety": 3.5}, "safety must be an integer 1-5"),
        ({"accuracy": True}, "accuracy must be an integer 1-5"),
        ({"thumbs": "maybe"}, "thumbs must be 'up', 'down' or None"),
        ({"clinician_id": ""}, "clinician_id must be a non-empty string"),
        ({"clinician_id": "   "}, "clinician_id must be a non-empty string"),
        ({"model_id": None}, "model_id must be a non-empty string"),
        ({"thumbs": None, "accuracy": None, "completeness": None, "safety": None, "comment": " "}, "empty rating"),
        ({"answer_index": 2}, "answer_index 2 does not name an assistant turn; the conversation has 2"),
        ({"answer_index": -1}, "answer_index -1 does not name an assistant turn"),
        ({"conversation": []}, "conversation must be a non-empty list"),
        ({"latency_s": -1.0}, "latency_s must be a finite number >= 0"),
        ({"image_sha256": "xyz"}, "image_sha256 must be 64 lower-case hex digits"),
        ({"image_png": b"GIF89a"}, "image_png must be PNG-encoded bytes"),
        ({"decoding": {"stop": {1, 2}}}, "decoding is not JSON-serialisable"),
    ],
)
def test_validation_errors_store_nothing(tmp_path, changes, message):
    store = FeedbackStore(tmp_path / "r.db")
    with pytest.raises(ValueError, match=message):
        store.add(make_rating(**changes))
    assert store.count() == 0


def test_image_paths_and_pixels_in_conversation_are_refused(tmp_path):
    store = FeedbackStore(tmp_path / "r.db")
    with_path = [{"role": "user", "content": [{"type": "image", "image": "ZHANG_SAN_0001.dcm"}]}, CONVERSATION[1]]
    with pytest.raises(ValueError, match="sha256:<64 hex>") as info:
        store.add(make_rating(conversation=with_path, answer_index=0))
    assert "ZHANG_SAN" not in str(info.value)  # a patient's file name never reaches a log
    with_pixels = [{"role": "user", "content": [{"type": "image", "image": Image.new("L", (2, 2))}]}, CONVERSATION[1]]
    with pytest.raises(ValueError, match="got a Image"):
        store.add(make_rating(conversation=with_pixels, answer_index=0))
    assert store.count() == 0


def test_twenty_threads_write_concurrently(tmp_path):
    store = FeedbackStore(tmp_path / "r.db")
    per_thread, ids = 5, []

    def work(n: int) -> None:
        for i in range(per_thread):
            ids.append(store.add(make_rating(clinician_id=f"dr-{n}", comment=f"{n}-{i}")))

    assert run_in_threads(work, range(20)) == []
    assert sorted(ids) == list(range(1, 101))
    assert store.count() == 100
    assert all(store.count(clinician=f"dr-{n}") == per_thread for n in range(20))
    assert sorted(r["comment"] for r in store.ratings()) == sorted(f"{n}-{i}" for n in range(20) for i in range(5))


CHILD = """
import sys
from tests.feedback.test_feedback import make_rating
from medqa.feedback.store import FeedbackStore
store = FeedbackStore(sys.argv[1])
i = 0
while True:
    row_id = store.add(make_rating(comment=f"第{i}条"))
    print(row_id, i, flush=True)
    i += 1
"""


def _write_then_kill(db: Path, acknowledged: int) -> dict[int, int]:
    """Run a writer process, read `acknowledged` row ids from it, SIGKILL it; return {row id: loop index}."""
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    child = subprocess.Popen([sys.executable, "-c", CHILD, str(db)], stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True, cwd=REPO, env=env)
    seen = {}
    try:
        while len(seen) < acknowledged:
            line = child.stdout.readline()
            assert line, f"writer exited early: {child.stderr.read()}"
            row_id, index = map(int, line.split())
            seen[row_id] = index
    finally:
        os.kill(child.pid, signal.SIGKILL)
        child.wait()
        child.stdout.close()
        child.stderr.close()
    assert child.returncode == -signal.SIGKILL
    return seen


def test_acknowledged_ratings_survive_sigkill(tmp_path):
    db = tmp_path / "r.db"
    acknowledged = {}
    for _ in range(3):  # three writers in turn, each killed mid-loop, all appending to one file
        acknowledged.update(_write_then_kill(db, acknowledged=25))
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    store = FeedbackStore(db)
    assert store.integrity_ok()
    stored = {r["id"]: r["comment"] for r in store.ratings()}
    assert len(acknowledged) == 75
    for row_id, index in acknowledged.items():
        assert stored[row_id] == f"第{index}条"

    copy = store.backup(tmp_path / "backup.db")
    assert os.path.getsize(f"{db}-wal") == 0  # the WAL was checkpointed (TRUNCATE) before the copy
    with sqlite3.connect(copy) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        copied = dict(conn.execute("SELECT id, comment FROM ratings").fetchall())
    assert copied == stored


def test_backup_refuses_the_live_file(tmp_path):
    store = FeedbackStore(tmp_path / "r.db")
    with pytest.raises(ValueError, match="is the live database itself"):
        store.backup(tmp_path / "r.db")


def test_integrity_ok_detects_corruption(tmp_path):
    db = tmp_path / "r.db"
    store = FeedbackStore(db)
    for i in range(40):
        store.add(make_rating(comment="填充" * 50 + str(i)))
    store.backup(tmp_path / "unused.db")  # checkpoint so the rows live in the main file
    assert store.integrity_ok()
    with sqlite3.connect(db) as conn:
        root = conn.execute("SELECT rootpage FROM sqlite_master WHERE name = 'ratings'").fetchone()[0]
        page_size = conn.execute("PRAGMA page_size").fetchone()[0]
    with db.open("r+b") as handle:
        handle.seek((root - 1) * page_size)  # the ratings table's root b-tree page, header included
        handle.write(b"\xff" * page_size)
    assert not store.integrity_ok()


def test_default_db_path(tmp_path):
    missing = tmp_path / "no-such-dir"
    assert default_db_path("x.db", data_dir=tmp_path) == Path("x.db")
    assert default_db_path(None, data_dir=tmp_path) == tmp_path / "medqa_ratings.db"
    assert default_db_path(None, data_dir=missing) == Path("medqa_ratings.db")
    assert default_db_path("explicit.db", data_dir=tmp_path) == Path("explicit.db")


def test_created_at_is_utc(tmp_path):
    store = FeedbackStore(tmp_path / "r.db", clock=Clock("2025-03-02T01:30:00+08:00"))
    store.add(make_rating())
    assert store.ratings()[0]["created_at"] == "2025-03-01T17:30:00.000000+00:00"
    # The real clock gives an aware UTC time between the moments before and after the write.
    live = FeedbackStore(tmp_path / "live.db")
    before = datetime.now(timezone.utc)
    live.add(make_rating())
    after = datetime.now(timezone.utc)
    created = datetime.fromisoformat(live.ratings()[0]["created_at"])
    assert created.utcoffset() == timedelta(0)
    assert before <= created <= after


def test_a_resubmitted_rating_updates_its_row_instead_of_adding_one(tmp_path):
    store = FeedbackStore(tmp_path / "r.db", clock=Clock("2025-01-02T03:04:05+00:00", "2025-01-02T03:09:00+00:00",
                                                          "2025-01-02T03:10:00+00:00", "2025-01-02T03:11:00+00:00"))
    first = make_rating(rating_key="form-0001", thumbs="up", comment="first try")
    assert store.save(first) == (1, True)
    assert store.save(replace(first, thumbs="down", comment="the reply was lost; sent again")) == (1, False)
    (row,) = store.ratings()
    assert (row["thumbs"], row["comment"], row["rating_key"]) == ("down", "the reply was lost; sent again", "form-0001")
    assert row["created_at"].startswith("2025-01-02T03:04:05") and row["updated_at"].startswith("2025-01-02T03:09")
    with pytest.raises(ValueError, match="belongs to another session"):
        store.save(replace(first, session_id="sess-2"))
    assert store.count() == 1 and store.add(make_rating()) == 2  # no key: every submission is its own row


def test_twenty_sessions_resubmitting_at_once_store_each_rating_once(tmp_path):
    store = FeedbackStore(tmp_path / "r.db")

    def session(n: int) -> None:
        for attempt in range(3):  # the same form sent three times, as after lost replies
            store.save(make_rating(session_id=f"s{n}", rating_key=f"key-{n:04d}", comment=f"{n}:{attempt}"))

    assert run_in_threads(session, range(20)) == []
    assert sorted(r["comment"] for r in store.ratings()) == sorted(f"{n}:2" for n in range(20))


def test_a_database_from_before_rating_keys_gains_the_column(tmp_path):
    db = tmp_path / "old.db"
    with sqlite3.connect(db) as conn:
        conn.execute("CREATE TABLE ratings (id INTEGER PRIMARY KEY, created_at TEXT NOT NULL, session_id TEXT NOT "
                     "NULL, clinician_id TEXT NOT NULL, model_id TEXT NOT NULL, adapter_id TEXT, adapter_hash TEXT, "
                     "conversation TEXT NOT NULL, answer_index INTEGER NOT NULL, thumbs TEXT, accuracy INTEGER, "
                     "completeness INTEGER, safety INTEGER, comment TEXT, decoding TEXT, latency_s FLOAT, "
                     "image_sha256 TEXT, image_png BLOB, language TEXT)")
    store = FeedbackStore(db)
    assert store.save(make_rating(rating_key="form-0002")) == (1, True)
    assert store.save(make_rating(rating_key="form-0002", comment="again")) == (1, False)


def test_rated_turn_names_the_question_and_answer_of_one_assistant_turn():
    assert rated_turn(CONVERSATION, 0) == ("这张胸片正常吗？", "右肺下叶可见结节。")  # the image part is not text
    assert rated_turn(CONVERSATION, 1) == ("需要随访吗？", "建议三个月后复查。")
    plain = [{"role": "user", "content": "心影大吗？"}, {"role": "assistant", "content": "心影不大。"}]
    assert rated_turn(plain, 0) == ("心影大吗？", "心影不大。")
    with pytest.raises(ValueError, match="answer_index 2 does not name an assistant turn"):
        rated_turn(CONVERSATION, 2)
