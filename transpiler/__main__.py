from transpiler.cli import main

raise SystemExit(main())
