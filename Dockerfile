# One Chorus process (`chorus serve`); compose.yaml runs three of these behind HAProxy.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    CHORUS_HOST=0.0.0.0 \
    CHORUS_PORT=8080 \
    CHORUS_DATA_DIR=/data

WORKDIR /app
COPY . .
# editable: the packages' data files (migrations, pictures) are read where they lie
RUN pip install --no-cache-dir -e . \
    && useradd --system --uid 10001 --home-dir /data chorus \
    && mkdir -p /data && chown chorus /data

USER chorus
EXPOSE 8080
# what the load balancer asks too: 503 while the store or the broker is out of reach
HEALTHCHECK --interval=5s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import sys, urllib.request as u; sys.exit(u.urlopen('http://127.0.0.1:8080/api/health/ready', timeout=4).status != 200)"]
CMD ["chorus", "serve"]
