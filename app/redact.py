"""Error texts fit to store and show: credentials in URLs and secret-looking query parameters masked."""

from __future__ import annotations

import re

# scheme://user:password@host or scheme://token@host: everything between :// and @ is a credential.
_USERINFO = re.compile(r"(?P<scheme>\b[a-zA-Z][a-zA-Z0-9+.-]*://)[^/\s@]+@")
# ?token=..., &api_key=..., &password=... and the like.
_SECRET_PARAMETER = re.compile(
    r"(?P<name>[?&](?:[\w.-]*(?:token|key|secret|password|passwd|pwd|auth|signature|sig)[\w.-]*))=[^&\s#'\"]*",
    re.IGNORECASE,
)


def without_credentials(text: str) -> str:
    """`text` with URL user info and secret query parameters replaced by ***."""
    text = _USERINFO.sub(r"\g<scheme>***@", text)
    return _SECRET_PARAMETER.sub(r"\g<name>=***", text)
