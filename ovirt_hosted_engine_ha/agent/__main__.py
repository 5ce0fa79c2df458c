"""`python -m ovirt_hosted_engine_ha.agent`: the agent in the foreground."""

import sys

from .daemon import main

sys.exit(main())
