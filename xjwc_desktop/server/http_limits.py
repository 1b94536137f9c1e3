"""Limits of the HTTP server itself, set on uvicorn by run.py (the app's own limits are in
gate.py, protocol.py and push.py; docs/admin/server.md lists them all)."""

HEADER_TIMEOUT = 10.0  # seconds from connecting to a request's complete headers
KEEP_ALIVE = 5  # seconds an idle connection stays open between requests
MAX_HEADER_BYTES = 16 * 1024  # an incomplete request head larger than this is refused
MAX_CONNECTIONS = 256  # connections at once; more are answered 503
