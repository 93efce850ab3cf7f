from mlops_graph.cli import main

raise SystemExit(main())
