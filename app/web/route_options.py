"""Route options the session middleware and the cache policy (accounts.sessions) read."""

SKIP_SESSION = "skip_session"
CACHEABLE = "cacheable"
# Route options for responses that never read or set cookies (health checks, static files, images).
STATELESS_ROUTE_OPT = {SKIP_SESSION: True, "exclude_from_csrf": True}
# ... and that are the same for everyone, so the Cache-Control they set may stand
# (see accounts.sessions.cache_policy).
CACHEABLE_ROUTE_OPT = {**STATELESS_ROUTE_OPT, CACHEABLE: True}
# Headers for pages that show someone's own data (addresses, codes): never stored on the way.
PRIVATE = {"cache-control": "no-store"}
