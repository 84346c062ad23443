import sys

from stackerynb.cli import main

sys.exit(main())
