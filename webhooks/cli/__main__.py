"""``python -m webhooks.cli``: the same as the ``orderbot`` command."""

import sys

from webhooks.cli import main

sys.exit(main())
