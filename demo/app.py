"""Run the clinician demo (also a Hugging Face Space's app_file).

    python demo/app.py [--model ID_OR_PATH|tiny] [--adapter PATH] [--backend local|openai --base-url URL]
                       [--db ratings.db] [--host 127.0.0.1] [--port 7860] [--study STUDY.yaml]

Every option also comes from an environment variable (MEDQA_MODEL, MEDQA_ADAPTER, ...; see
medqa/app/settings.py). If the model cannot be loaded the app still starts and says why. With
--study it serves the study's rater and coordinator tabs only: no model, no free chat (blinding).
"""

from __future__ import annotations

import contextlib

with contextlib.suppress(ImportError):  # ZeroGPU: `spaces` patches torch, so it comes before torch (and CUDA)
    import spaces  # noqa: F401

import logging
import sys
from pathlib import Path

# A Space runs this file by path from the repository root; make `medqa` importable there.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from medqa.app.startup import serving, step  # noqa: E402 (first: its clock starts here)


def create_app(argv: list[str] | None = None):
    """(demo, settings): the backend loaded (or its load error), warmed up, and the rating store opened; with
    --study, the study's app alone (no model, no free chat)."""
    from medqa.app import backends
    from medqa.app.settings import from_args, settings_summary
    from medqa.app.ui import build_demo

    settings = from_args(argv)
    logging.getLogger("medqa.app").info("settings: %s", settings_summary(settings))
    if settings.study:  # the study alone, no model and no free chat: a chat would let raters unblind the arms
        logging.getLogger("medqa.app").info("--study: serving the study's tabs only (no free chat while a study "
                                            "runs; its answers were made by prepare)")
        with step("opening the study"):
            return _study_app(settings, _open_study(settings)), settings
    with step("opening the ratings database"):
        store = _chat_store(settings)  # a wrong --db stops us before any model loads
    with step(f"loading the model ({settings.backend} backend)"):
        backend = backends.build_backend(settings)
    if settings.warmup and not isinstance(backend, backends.UnavailableBackend):
        # Warm up before the first clinician arrives: kernels, allocator and caches are ready then.
        with step("warm-up generation"):
            problem = backends.warm_up(backend)
        if problem and settings.backend == "local":
            backend = backends.UnavailableBackend(f"the warm-up generation failed: {problem}")
        elif problem:  # a server that is still starting may answer later
            logging.getLogger("medqa.app").warning("warm-up against %s failed: %s", settings.base_url, problem)
    with step("building the page"):
        return build_demo(backend, store, settings), settings


def _chat_store(settings):
    """The free chat's rating store: --db (a SQLite file, or a postgresql:// URL shared by several replicas, beside a
    study's tables), else the default SQLite file. DatabaseError (a ValueError) when PostgreSQL cannot be reached."""
    from medqa.feedback.store import open_store

    store = open_store(settings.db, store_images=settings.store_images)
    logging.getLogger("medqa.app").info("the free chat's ratings go to %s", store.path)
    return store


def _open_study(settings):
    """(study, store) of --study, prepared in its database (StudyError / DatabaseError when it is not usable)."""
    from medqa.study.app import open_study

    return open_study(settings.study, settings.db)


def _study_app(settings, opened):
    """The study's rater and coordinator tabs."""
    from medqa.app.throttle import LoginGate
    from medqa.study.app import build_study_demo

    study, store = opened
    demo = build_study_demo(study, store, settings.admin_password, LoginGate(settings.trusted_proxies))
    demo.study = study  # for launch(): the case images' folder and the keyboard shortcuts
    return demo


def main(argv: list[str] | None = None) -> int:
    """Build and serve the demo until interrupted."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("httpx").setLevel(logging.WARNING)  # one line per request drowns what matters
    with step("importing torch, transformers and gradio"):
        from medqa.app import backends  # noqa: F401 (create_app's imports, timed here)
        from medqa.app.ui import launch_options
    try:
        demo, settings = create_app(argv)
    except ValueError as exc:  # a study file or database that cannot be used (StudyError, DatabaseError)
        print(f"error: {exc}", file=sys.stderr)
        return 2
    options = launch_options(settings)
    if settings.study:
        from medqa.study.app import study_launch_options

        options = study_launch_options(demo.study, options)
    return launch(demo, server_name=settings.host, server_port=settings.port, **options)


def launch(demo, **options) -> int:
    """Serve `demo` until interrupted, never through a proxy to itself; exit status 2 with the cause when Gradio
    cannot reach its own server (medqa.app.launching). The log's last start-up line says where and when."""
    from medqa.app.launching import explain_launch_error, prepare_launch

    prepare_launch()
    try:
        demo.launch(prevent_thread_lock=True, **options)
    except ValueError as exc:
        cause = explain_launch_error(exc)
        if cause is None:
            raise
        print(f"error: {cause}", file=sys.stderr)
        return 2
    serving(demo.local_url)
    demo.block_thread()
    return 0


if __name__ == "__main__":
    sys.exit(main())
