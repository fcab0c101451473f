"""Prints where the dashboard is and how to sign in (used by `make run`)."""

from __future__ import annotations

import sys

from app.settings import ConfigError, load_settings


def main(port: str) -> int:
    try:
        settings = load_settings()
    except ConfigError as exc:
        print(exc, file=sys.stderr)
        return 2
    key = settings.api.api_key
    shown = key if settings.uses_default_api_key else f"{key[:4]}… (the api.api_key you configured)"
    print()
    print(f"  Chronos Engine: http://localhost:{port}")
    print(f"  Sign in with the API key: {shown}")
    print(f"  API docs: http://localhost:{port}/docs   Stop with Ctrl+C")
    print()
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1] if len(sys.argv) > 1 else "8080"))
