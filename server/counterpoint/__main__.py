import sys

from counterpoint.cli import main

sys.exit(main())
