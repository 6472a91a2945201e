import sys

from mockai.cli import main

sys.exit(main())
