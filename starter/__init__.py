"""Ordino's entry points, by kind: http/ (the API: routes, webhooks, probes), cli/ (the
`ordino` command), operations/ (what both of them do, written once) and dev/ (the local
stack). The worker is worker.py; what it shares with these lives in runtime/."""
