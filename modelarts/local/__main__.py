"""``python -m modelarts.local`` — the same as the ``modelarts-local`` command."""

import sys

from modelarts.local.cli import main

if __name__ == "__main__":
    sys.exit(main())
