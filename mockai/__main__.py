import sys

from mockai.cli.main import main

sys.exit(main())
