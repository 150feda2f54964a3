# syntax=docker/dockerfile:1
# Build: wheels for the pinned dependencies. Run: a slim, non-root image serving gunicorn.
FROM python:3.12-slim-bookworm AS build
WORKDIR /build
RUN apt-get update \
    && apt-get install -y --no-install-recommends build-essential=12.9 libpq-dev=15.* \
    && rm -rf /var/lib/apt/lists/*
COPY requirements.lock pyproject.toml ./
RUN pip wheel --no-cache-dir --wheel-dir /wheels -r requirements.lock
# the translation catalogs, compiled here (GNU gettext) so the runtime image needs no gettext
RUN apt-get update \
    && apt-get install -y --no-install-recommends gettext=0.21-* \
    && rm -rf /var/lib/apt/lists/*
COPY locale/ ./locale/
RUN find locale -name django.po -execdir msgfmt --check-format -o django.mo django.po \;

FROM python:3.12-slim-bookworm AS runtime
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    DJANGO_SETTINGS_MODULE=config.settings.production \
    STATIC_ROOT=/app/staticfiles \
    MEDIA_ROOT=/app/media \
    PROMETHEUS_MULTIPROC_DIR=/tmp/spendgate-metrics
# WeasyPrint needs Pango; libpq for psycopg; OpenCV (under rapidocr, the invoice reader's
# OCR) needs libGL and GLib.
RUN apt-get update \
    && apt-get install -y --no-install-recommends libpango-1.0-0=1.50.* libpangoft2-1.0-0=1.50.* libpq5=15.* \
       libgl1=1.6.* libglib2.0-0=2.74.* xmlsec1=1.2.* \
    && rm -rf /var/lib/apt/lists/* \
    && groupadd --system --gid 10001 spendgate && useradd --system --uid 10001 --gid spendgate --home /app spendgate
WORKDIR /app
COPY --from=build /wheels /wheels
RUN pip install --no-cache-dir --no-deps /wheels/* && rm -rf /wheels
COPY --chown=spendgate:spendgate . .
COPY --from=build --chown=spendgate:spendgate /build/locale/ ./locale/
RUN DJANGO_SECRET_KEY=build-only python manage.py collectstatic --noinput \
    && mkdir -p /app/media /tmp/spendgate-metrics \
    && chown spendgate:spendgate /app/media /tmp/spendgate-metrics
USER 10001:10001
EXPOSE 8000
# liveness of the web process (no curl in the slim image); /readyz says whether it can work
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4)"]
CMD ["gunicorn", "-c", "config/gunicorn.py", "config.wsgi:application"]
