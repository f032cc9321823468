# One image for web, worker and beat; docker-compose.yml picks the command.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 \
    DJANGO_SETTINGS_MODULE=config.settings.production \
    NTM_VAR_DIR=/app/var NTM_MEDIA_ROOT=/app/media

# WeasyPrint's system libraries and a font with Vietnamese glyphs; curl for the healthcheck.
RUN apt-get update \
    && apt-get install -y --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 \
       fonts-dejavu-core fontconfig curl \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY requirements.txt requirements-data.txt ./
RUN pip install --no-cache-dir -r requirements.txt && pip install --no-cache-dir --no-deps -r requirements-data.txt
COPY . .
# collectstatic needs settings but no secrets: a throwaway key for the build step only.
RUN DJANGO_SECRET_KEY=build-only-key-never-used-at-runtime-0123456789abcdefghij python manage.py collectstatic --noinput -v0 \
    && useradd --system --home /app ntm && mkdir -p /app/media /app/var && chown -R ntm /app/media /app/var
USER ntm
EXPOSE 8000
CMD ["gunicorn", "config.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3"]
