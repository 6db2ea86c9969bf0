"""`python -m medqa.data build / audit / export / download ...`: the Open-i data and the Chinese VQA dataset."""

import sys

if __name__ == "__main__":
    try:
        from medqa.data.cli import main  # a Ctrl-C while the libraries load is still a clean stop

        code = main()
    except KeyboardInterrupt:
        print("interrupted before the command started: nothing was written", file=sys.stderr)
        code = 130
    raise SystemExit(code)
