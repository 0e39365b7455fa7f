"""Drivers the tests share: a TCP proxy to cut connections, Ordino's commands as processes."""
