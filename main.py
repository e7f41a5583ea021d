"""Start Session Rater: ``python main.py [--db PATH] [COMMAND …]`` (see ``--help``)."""

import sys

from rater.cli import main

if __name__ == "__main__":
    sys.exit(main())
