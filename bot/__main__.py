"""`python -m bot` is the same as `hsl-bot`."""

import sys

from bot.cli import main

sys.exit(main())
