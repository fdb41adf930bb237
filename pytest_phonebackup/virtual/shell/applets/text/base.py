"""What toybox's text applets share: reporting a usage error the way toybox does.
Not an applet itself.
"""


from ...api import Context
from ..options import UsageError


def usage(ctx: Context, exc: UsageError, status: int = 1) -> int:
    return ctx.fail(str(exc), status)
