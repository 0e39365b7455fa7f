"""The local dev stack (`ordino dev`): stack.py starts PostgreSQL, Temporal, the worker, the
API and the sandboxes; supervisor.py restarts what dies; binaries.py finds the Temporal
binaries the wheels installed; pace.py sets how fast the demo orders move."""
