"""The study store and the rater's handlers across a PostgreSQL restart, on a server of their own: the pool replaces
dead connections, a broken transaction is retried once, and a rater is told "not saved" rather than an HTTP 500."""

import threading
from types import SimpleNamespace

import pytest

from medqa.core.db import Database
from medqa.study import codes
from medqa.study.handlers import OUTPUTS, StudyHandlers
from medqa.study.labels import tr
from medqa.study.store import StudyStore
from tests.helpers.postgres import postgres_instance
from tests.study.test_store import setup_pairwise

AT = {name: k for k, name in enumerate(OUTPUTS)}
FORM = ("4", "3", "5", [], "2", "2", "2", [], "A", "")


@pytest.fixture(scope="module")
def server():
    with postgres_instance() as instance:
        yield instance


@pytest.fixture
def rater(server):
    store = StudyStore(Database(server.url, wait_s=2), "restart")
    setup_pairwise(store, 3)
    code = codes.new_code()
    store.set_code("wang", code)
    view = StudyHandlers(store, "pairwise", "zh")
    page = view.sign_in(code)
    yield view, page[AT["token"]], page[AT["assignment"]]
    store.db.execute("DELETE FROM judgements")
    store.close()


def test_an_idle_app_answers_its_first_requests_after_a_restart(server, rater):
    view, token, aid = rater
    threads = [threading.Thread(target=view.show, args=(token, None)) for _ in range(6)]
    for thread in threads:  # several pooled connections, all killed by the restart
        thread.start()
    for thread in threads:
        thread.join()
    server.stop("fast")
    server.start()
    for _ in range(6):
        assert view.show(token, None)[AT["status"]] == ""
    page = view.submit(token, aid, *FORM)
    assert page[AT["status"]] == tr("saved", "zh", n=1) and len(view.store.judgement_rows()) == 2


def test_while_the_server_is_down_the_rater_is_told_and_nothing_is_half_saved(server, rater):
    view, token, aid = rater
    server.stop("fast")
    try:
        down = view.submit(token, aid, *FORM)
        assert down[AT["status"]] == tr("not_saved", "zh", detail=tr("store_unavailable", "zh"))
        assert view.show(token, 1)[AT["status"]] == tr("store_unavailable", "zh")
        assert view.sign_in(codes.new_code())[AT["status"]] == tr("store_unavailable", "zh")
    finally:
        server.start()
    assert view.submit(token, aid, *FORM)[AT["status"]] == tr("saved", "zh", n=1)
    assert len(view.store.judgement_rows()) == 2  # one judgement, its two answers


def test_a_transaction_whose_connection_dies_under_it_runs_once_more(server):
    db = Database(server.url, wait_s=2)
    db.execute("CREATE TABLE IF NOT EXISTS once (k INTEGER PRIMARY KEY)")
    db.execute("DELETE FROM once")
    attempts = []

    def work(cur):
        attempts.append(1)
        if len(attempts) == 1:  # the server drops this connection mid-transaction, as a restart does
            cur.execute("INSERT INTO once (k) VALUES (1)")
            cur.execute("SELECT pg_terminate_backend(pg_backend_pid())")
        cur.execute("INSERT INTO once (k) VALUES (2)")
        return "done"

    assert db.run(work) == "done" and len(attempts) == 2
    assert [r["k"] for r in db.query("SELECT k FROM once")] == [2]  # the first attempt left nothing
    db.close()


def test_the_chats_rating_rides_out_a_restart_and_says_a_lost_server_in_the_ui_language(server, tmp_path):
    from PIL import Image

    from medqa.app.context import demo_context
    from medqa.app.handlers import DemoHandlers
    from medqa.app.i18n import t
    from medqa.app.session import ChatSession, add_answer, set_image, user_turn
    from medqa.app.settings import AppSettings
    from medqa.feedback.postgres import PostgresFeedbackStore
    from medqa.serve.unavailable import UnavailableBackend

    store, settings = PostgresFeedbackStore(server.url, wait_s=2), AppSettings(model="x")
    backend = UnavailableBackend("x")
    handlers = DemoHandlers(backend, store, settings, demo_context(backend, settings))
    session = ChatSession("s-1", clinician_id="rad-01")
    set_image(session, Image.new("RGB", (64, 64), (90, 90, 90)), "f.png")
    session.turns.append(user_turn(session, "这张胸片正常吗？"))
    add_answer(session, "未见异常。", {}, 0.1, False)
    rate = ("rad-01", 1, "up", None, None, None, "", None, session, None)
    assert handlers.rate(*rate)[0].startswith("✅")
    server.stop("fast")
    server.start()
    assert handlers.rate(*rate)[0].startswith("✅")  # the pool's dead connection is replaced, no error
    server.stop("fast")
    try:
        said = handlers.rate(*rate)[0]
    finally:
        server.start()
    assert said == t("rating_failed", detail=t("store_unavailable"))  # no English exception text in the Chinese UI
    assert store.count() == 2
    store.close()


def test_over_http_a_stopped_server_is_the_apps_own_message_never_a_500(server, rater, tmp_path):
    import httpx
    from PIL import Image

    from medqa.study.app import build_study_demo
    from tests.helpers.net import free_port
    from tests.study.test_access import frozen_gate

    view, token, aid = rater
    Image.new("L", (32, 32), 90).save(tmp_path / "film.png")  # a real file for the next case's page
    view.store.db.execute("UPDATE cases SET image = ?", [str(tmp_path / "film.png")])
    meta = SimpleNamespace(title="t", language="zh", design="pairwise", output=tmp_path)
    demo = build_study_demo(meta, view.store, None, frozen_gate())
    _, url, _ = demo.launch(server_name="127.0.0.1", server_port=free_port(), prevent_thread_lock=True, quiet=True)
    try:
        server.stop("fast")
        try:
            reply = httpx.post(f"{url}gradio_api/run/study_submit", json={"data": [token, aid, *FORM]}, timeout=60)
        finally:
            server.start()
        assert reply.status_code == 200
        assert reply.json()["data"][AT["status"]] == tr("not_saved", "zh", detail=tr("store_unavailable", "zh"))
        reply = httpx.post(f"{url}gradio_api/run/study_submit", json={"data": [token, aid, *FORM]}, timeout=60)
        assert reply.status_code == 200 and reply.json()["data"][AT["status"]] == tr("saved", "zh", n=1)
    finally:
        demo.close()


def test_the_coordinator_is_told_when_the_database_is_down(server, rater, tmp_path):
    from gradio_client import Client

    from medqa.study.app import build_study_demo
    from tests.helpers.net import free_port
    from tests.study.test_access import frozen_gate

    view, _, _ = rater
    meta = SimpleNamespace(title="t", language="zh", design="pairwise", output=tmp_path)
    demo = build_study_demo(meta, view.store, "s3cret", frozen_gate())
    _, url, _ = demo.launch(server_name="127.0.0.1", server_port=free_port(), prevent_thread_lock=True, quiet=True)
    try:
        server.stop("fast")
        try:
            said = Client(url, verbose=False).predict("s3cret", api_name="/study_progress")[0]
        finally:
            server.start()
        assert said == tr("database_down", "zh")
    finally:
        demo.close()


def test_the_chats_coordinator_is_told_when_the_database_is_down(server, tmp_path):
    from types import SimpleNamespace as NS

    from medqa.app.admin import AdminHandlers
    from medqa.app.i18n import t
    from medqa.feedback.postgres import PostgresFeedbackStore

    store = PostgresFeedbackStore(server.url, wait_s=2)
    admin = AdminHandlers(store, "s3cret", "zh")
    me = NS(client=NS(host="10.0.0.3"))
    server.stop("fast")
    try:
        viewed = admin.view("s3cret", "", "", "", "", None, me)
        exported = admin.export_csv("s3cret", "", "", "", "", None, me)
    finally:
        server.start()
    assert viewed == (t("store_unreadable"), None, "") and exported == (t("store_unreadable"), "")
    store.close()
