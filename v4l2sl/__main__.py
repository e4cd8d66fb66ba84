from v4l2sl.cli import main

raise SystemExit(main())
