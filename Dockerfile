# Chronos Engine: one image for the web process (default command), the daemon and one-off commands such as
# `flask --app wsgi init-db` (compose.yaml runs all three). Build: docker build -t chronos-engine .
FROM python:3.12-slim

# PYTHONPATH: the app runs from /app, where config/, templates/, static/ and migrations/ sit beside the package
# (waitress-serve would otherwise import the copy pip put in site-packages, which has none of them).
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PYTHONPATH=/app \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PORT=8080 \
    CHRONOS_INSTANCE_PATH=/data

WORKDIR /app
COPY . .
RUN pip install --no-cache-dir . \
    && useradd --system --uid 10001 --home-dir /data --shell /usr/sbin/nologin chronos \
    && mkdir -p /data \
    && chown chronos /data

# Tokens, the generated session key and (without CHRONOS_DATABASE_URL) the SQLite database live here.
VOLUME ["/data"]
USER chronos
EXPOSE 8080

# /health answers 503 when the database or the search index is unusable or no daemon beats; urlopen raises
# on it, so that counts as unhealthy. slim has no curl: Python's urllib does the request.
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:' + os.environ.get('PORT', '8080') + '/health', timeout=4)"]

# The Procfile's web command; exec so that waitress itself receives the stop signal.
CMD ["/bin/sh", "-c", "exec waitress-serve --listen=0.0.0.0:${PORT:-8080} --threads=8 --max-request-body-size=${CHRONOS_MAX_REQUEST_BYTES:-1048576} wsgi:app"]
