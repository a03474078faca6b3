"""HTTP errors whose message was written for the person who sees it.

Only these show their own text on the error page; everything else (framework messages, which can
name files on the server) gets the generic wording for its status.
"""

from litestar.exceptions import NotFoundException, PermissionDeniedException


class Refused(PermissionDeniedException):
    """403 with a message for the person refused."""


class PageMissing(NotFoundException):
    """404 with a message for the visitor."""
