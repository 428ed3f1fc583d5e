"""``python -m qlara``: the ``qlara`` command."""

import sys

from qlara._cli import main

sys.exit(main())
