from receipt_lint.cli import main

raise SystemExit(main())
