"""`python -m bot`: see bot/cli.py."""

import sys

from bot import gc_pause

gc_pause.hold()  # before the imports: see bot/gc_pause.py

from bot.cli import main  # noqa: E402

sys.exit(main())
