"""`python -m daemon`: the sync and background-job process."""

from daemon.runner import main

raise SystemExit(main())
