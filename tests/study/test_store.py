"""The study store on SQLite and on a real PostgreSQL server: migrations, sign-in, queues, idempotent judgements."""

import sqlite3

import pytest

from medqa.core.db import Database, DatabaseError, Migration, migrate, schema_version
from medqa.study import codes
from medqa.study.schema import MIGRATIONS
from medqa.study.store import AnswerJudgement, StudyStore, StudyStoreError, Submission
from tests.helpers.threads import run_in_threads


def setup_pairwise(store: StudyStore, n_cases: int = 3) -> None:
    """Two arms, `n_cases` cases, two raters who each get every case (A/B order alternating)."""
    arms = [{"arm_id": a, "number": i + 1, "spec": {"model": a}} for i, a in enumerate(("base", "tuned"))]
    cases = [{"case_id": f"c{k}", "number": k, "patient": f"p{k}", "image": f"/img/{k}.png",
              "question": f"问题{k}"} for k in range(1, n_cases + 1)]
    answers = [{"case_id": c["case_id"], "arm_id": a["arm_id"], "text": f"{a['arm_id']}答{c['number']}"}
               for c in cases for a in arms]
    raters = [{"rater_id": r, "number": i + 1} for i, r in enumerate(("wang", "li"))]
    queue = [{"rater_id": r["rater_id"], "position": k, "case_id": f"c{k}",
              "arm_a": "base" if k % 2 else "tuned", "arm_b": "tuned" if k % 2 else "base"}
             for r in raters for k in range(1, n_cases + 1)]
    study = {"title": "t", "design": "pairwise", "language": "zh", "definition": {"x": 1}}
    store.save_setup(study, arms, cases, answers, raters, queue)


def judged(acc=4, comp=3, safe=5, errors=()):
    return AnswerJudgement(acc, comp, safe, errors)


def test_queue_sign_in_and_idempotent_submission(db_target):
    store = StudyStore(db_target, "s1")
    setup_pairwise(store)
    setup_pairwise(store)  # prepare again: nothing duplicated
    assert len(store.assignments()) == 6
    code = codes.new_code()
    store.set_code("wang", code)
    assert store.sign_in("WRONG-CODE") is None and store.sign_in(codes.new_code()) is None
    rater, token = store.sign_in(code.lower().replace("-", " "))  # typed loosely
    assert rater == "wang" and store.rater_for(token) == "wang" and store.rater_for("forged") is None

    state = store.queue_state("wang")
    assert (state["done"], state["total"]) == (0, 3)
    first = state["next"]
    assert first["position"] == 1 and first["answers"] == {"A": "base答1", "B": "tuned答1"}
    sub = Submission(first["assignment_id"], {"A": judged(), "B": judged(2, 2, 2, ["wrong_side"])}, "A", "好")
    assert store.submit("wang", sub) == (1, 1)
    assert store.submit("wang", sub) == (2, 1)  # the same case again updates, never duplicates
    rows = store.judgement_rows()
    assert len(rows) == 2 and {r["revision"] for r in rows} == {2}
    by_arm = {r["arm_id"]: r for r in rows}
    assert by_arm["base"]["preference"] == "base" and by_arm["tuned"]["err_wrong_side"] == 1
    assert by_arm["tuned"]["shown_as"] == "B" and by_arm["base"]["position"] == 1

    state = store.queue_state("wang")
    assert (state["done"], state["next"]["position"]) == (1, 2)
    assert state["next"]["answers"] == {"A": "tuned答2", "B": "base答2"}
    progress = store.progress()
    assert [(r["rater_id"], r["done"], r["total"]) for r in progress["raters"]] == [("wang", 1, 3), ("li", 0, 3)]
    assert [(c["case_id"], c["done"], c["total"]) for c in progress["cases"]] == [
        ("c1", 1, 2), ("c2", 0, 2), ("c3", 0, 2)]
    store.set_code("wang", codes.new_code())  # a new invitation ends old sessions and codes
    assert store.rater_for(token) is None and store.sign_in(code) is None
    store.close()


def test_bad_submissions_are_refused_with_reasons(db_target):
    store = StudyStore(db_target, "s1")
    setup_pairwise(store, 1)
    aid = store.queue_state("li")["next"]["assignment_id"]
    cases = [
        (Submission(aid, {"A": judged()}, "A"), r"answer\(s\) A, B"),
        (Submission(aid, {"A": judged(), "B": judged()}, None), "preference"),
        (Submission(aid, {"A": judged(6), "B": judged()}, "tie"), "answer A: accuracy must be 1-5"),
        (Submission(aid, {"A": judged(None), "B": judged()}, "tie"), "answer A: accuracy is missing"),
        (Submission(aid, {"A": judged(), "B": judged(errors=["typo"])}, "tie"), "unknown error type"),
    ]
    for sub, reason in cases:
        with pytest.raises(StudyStoreError, match=reason):
            store.submit("li", sub)
    with pytest.raises(StudyStoreError, match="not in rater wang's queue"):
        store.submit("wang", Submission(aid + 1000, {"A": judged(), "B": judged()}, "A"))
    assert store.judgement_rows() == []


def test_concurrent_submissions_store_each_once(db_target):
    store = StudyStore(db_target, "s1")
    setup_pairwise(store, 8)
    ids = [a["assignment_id"] for a in store.assignments()]
    owner = {a["assignment_id"]: a["rater_id"] for a in store.assignments()}

    def worker(aid):
        for _ in range(3):  # resubmitted: updated in place
            store.submit(owner[aid], Submission(aid, {"A": judged(), "B": judged()}, "tie"))

    assert run_in_threads(worker, ids) == []
    rows = store.judgement_rows()
    assert len(rows) == 2 * len(ids) and {r["revision"] for r in rows} == {3}


def test_migrations_are_versioned_and_refuse_a_newer_schema(db_target):
    db = Database(db_target)
    assert migrate(db, MIGRATIONS) == [1] and migrate(db, MIGRATIONS) == []
    extra = Migration(2, "add a column", ("ALTER TABLE studies ADD COLUMN notes TEXT",))
    assert migrate(db, (*MIGRATIONS, extra)) == [2] and schema_version(db) == 2
    with pytest.raises(DatabaseError, match="schema version 2, newer than this medqa knows"):
        migrate(db, MIGRATIONS)
    with pytest.raises(DatabaseError, match="without gaps"):
        migrate(db, (MIGRATIONS[0], Migration(3, "x", ())))
    db.close()


def test_a_failed_migration_leaves_the_schema_as_it_was(tmp_path):
    db = Database(tmp_path / "s.db")
    broken = Migration(2, "broken", ("CREATE TABLE fine (x INTEGER)", "CREATE TABLE studies (x INTEGER)"))
    with pytest.raises(sqlite3.OperationalError):
        migrate(db, (*MIGRATIONS, broken))
    assert schema_version(db) == 1 and not db.query("SELECT name FROM sqlite_master WHERE name = 'fine'")


def test_access_codes_are_stored_hashed(tmp_path):
    store = StudyStore(tmp_path / "s.db", "s1")
    setup_pairwise(store, 1)
    code = codes.new_code()
    store.set_code("li", code)
    raw = b"".join(path.read_bytes() for path in tmp_path.glob("s.db*"))
    assert code.encode() not in raw and code.replace("-", "").encode() not in raw
    stored = store.db.query("SELECT code_hash FROM raters WHERE rater_id = 'li'")[0]["code_hash"]
    assert stored.startswith("scrypt$") and codes.verify_code(code, stored)
    assert not codes.verify_code(codes.new_code(), stored) and not codes.verify_code(code, "md5$x")


def test_control_characters_and_long_comments_are_handled_alike_on_both_stores(db_target):
    store = StudyStore(db_target, "s1")
    setup_pairwise(store, 1)
    # A model's answer with NUL (PostgreSQL cannot store it) is stored without it, as on SQLite.
    store.save_setup({"title": "t", "design": "pairwise", "language": "zh", "definition": {}}, [],
                     [{"case_id": "c9", "number": 9, "patient": "p9", "image": "/i.png", "question": "问\x00题"}],
                     [{"case_id": "c9", "arm_id": "base", "text": "答\x00案\x07。\n第二行"}], [], [])
    assert store.db.query("SELECT text FROM answers WHERE case_id = 'c9'")[0]["text"] == "答案。\n第二行"
    entry = store.queue_state("wang")["next"]
    sub = Submission(entry["assignment_id"], {"A": judged(), "B": judged()}, "A", "有\x00空\x1b字符\t与制表")
    store.submit("wang", sub)
    assert {r["comment"] for r in store.judgement_rows()} == {"有空字符\t与制表"}
    with pytest.raises(StudyStoreError, match="the comment has 4001 characters; the limit is 4000") as refused:
        store.submit("wang", Submission(entry["assignment_id"], {"A": judged(), "B": judged()}, "A", "x" * 4001))
    assert (refused.value.key, refused.value.values) == ("comment_too_long", {"chars": 4001, "limit": 4000})
    assert {r["comment"] for r in store.judgement_rows()} == {"有空字符\t与制表"}  # the saved one, not cut
    store.close()
