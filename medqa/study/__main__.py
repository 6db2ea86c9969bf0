"""`python -m medqa.study prepare|invite|report STUDY.yaml`: set up a reader study and turn its judgements into results.

    python -m medqa.study prepare study.yaml          # every arm's answer to every case, queues (resumable)
    python -m medqa.study invite study.yaml           # access codes -> OUTPUT/invitations.csv (owner-only)
    python demo/app.py --study study.yaml             # raters sign in and rate (no free chat: blinding)
    python -m medqa.study serve study.yaml            # or the study views alone: no model, no GPU
    python -m medqa.study report study.yaml           # CSV, JSONL, figures, report.html in OUTPUT/report
"""

from __future__ import annotations

import dataclasses
import json
import logging
import sys
from pathlib import Path

from medqa.core.config import parse_config
from medqa.study.config import StudyArguments

PROG = "python -m medqa.study"


def main(argv: list[str] | None = None) -> int:
    """Run one command; exit status 1 with a one-line reason for a bad study file or database."""
    from medqa.core.db import DatabaseError
    from medqa.study import codes
    from medqa.study.definition import StudyError, load_study

    (args,) = parse_config([StudyArguments], argv, prog=PROG, description=__doc__, positional=("command", "study"))
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    if args.command == "hash-code":
        code = codes.normalise_code(args.study)
        if not code:
            print("not an access code (4 groups of 4 letters and digits)", file=sys.stderr)
            return 1
        print(codes.hash_code(code))
        return 0
    try:
        study = load_study(args.study)
        if args.db:
            study = dataclasses.replace(study, db=args.db)
        return _run(args, study)
    except (StudyError, DatabaseError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1


def _run(args: StudyArguments, study) -> int:
    from medqa.study.prepare import invite, prepare_study
    from medqa.study.report import write_report
    from medqa.study.store import StudyStore

    if args.command == "prepare":
        print(json.dumps(prepare_study(study, show_progress=args.progress), ensure_ascii=False))
    elif args.command == "serve":
        from medqa.app.throttle import LoginGate
        from medqa.study.app import build_study_demo, open_study, study_launch_options

        study, store = open_study(str(study.path), study.db)
        demo = build_study_demo(study, store, args.admin_password, LoginGate(args.trusted_proxies))
        from medqa.app.launching import explain_launch_error, prepare_launch

        prepare_launch()  # Gradio checks its own URL after starting: never through a proxy
        try:
            demo.launch(server_name=args.host, server_port=args.port, **study_launch_options(study))
        except ValueError as exc:
            if (cause := explain_launch_error(exc)) is None:
                raise
            print(f"error: {cause}", file=sys.stderr)
            return 1
    elif args.command == "invite":
        path = invite(study, args.raters, Path(args.out) if args.out else None)
        print(f"access codes written to {path} (only this user can read it); send each rater their own code")
    else:
        store = StudyStore(study.db, study.study_id)
        try:
            files = write_report(store, Path(args.out) if args.out else study.output / "report", args.language)
        finally:
            store.close()
        print(json.dumps({k: str(v) for k, v in files.items()}, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
