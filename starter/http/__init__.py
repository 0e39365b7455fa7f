"""The HTTP API: app.py builds it; dependencies.py hands routes their services; routes/ has
one router per resource; around every request sit the request guard (id, body bound,
deadline), the outage guard (a coded 503 while the database or Temporal is down) and the
access log with its metrics; errors.py and openapi.py give every refusal one shape and
document it; params.py, limits.py and json_bodies.py bound what comes in."""
