"""`python -m medqa.data build ...`: build the Chinese VQA dataset from Open-i reports."""

from medqa.data.cli import main

if __name__ == "__main__":
    raise SystemExit(main())
