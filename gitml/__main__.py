import sys

from gitml.entry import main

sys.exit(main())
