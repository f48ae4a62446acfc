"""
``python -m convroute``: the command line.
"""

import sys

from convroute.cli import main


sys.exit(main())
