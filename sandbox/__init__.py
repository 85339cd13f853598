"""A stand-alone Invoca-compatible HTTP server with seeded data.

Used for the demo, integration tests and benchmarks.  Standard library only:
``sandbox.data`` holds the seeded in-memory state, ``sandbox.server`` the HTTP
handler, ``sandbox.testing`` a context manager for tests, and
``manage.py invoca_sandbox`` (or ``python -m sandbox``) runs it from a shell.
"""

DEFAULT_API_VERSION = "2022-08-01"
