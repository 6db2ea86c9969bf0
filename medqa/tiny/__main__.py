import sys

from medqa.tiny.cli import main

sys.exit(main())
