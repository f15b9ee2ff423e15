"""`python -m ganforge ...` is the same as the `ganforge` command."""

import sys

from .cli.main import main

sys.exit(main())
