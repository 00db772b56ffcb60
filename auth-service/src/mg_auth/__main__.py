from __future__ import annotations

import sys

from mg_auth.cli import main

sys.exit(main())
