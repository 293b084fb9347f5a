FROM python:3.11-slim-bookworm
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
WORKDIR /app
# Pango for WeasyPrint (PDF action plans; the fonts are vendored in static/fonts); gettext to
# compile the interface's translation catalogues.
RUN apt-get update && apt-get install -y --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 \
    gettext && rm -rf /var/lib/apt/lists/*
COPY pyproject.toml README.md ./
COPY config config
COPY assessment assessment
COPY frameworks frameworks
COPY accounts accounts
COPY secretariat secretariat
COPY api api
COPY outbox outbox
COPY cycles cycles
RUN pip install --no-cache-dir .
COPY . .
# Build steps read the settings module, which needs the production variables to exist.
RUN export DEBUG=0 SECRET_KEY=build-only SITE_URL=https://build.invalid \
    && python manage.py compilemessages -v0 && python manage.py collectstatic --no-input -v0
RUN useradd --system --home /app mnr && chown -R mnr /app
USER mnr
EXPOSE 8000
CMD ["sh", "-c", "python manage.py migrate --no-input && python manage.py load_frameworks && exec gunicorn config.wsgi --bind 0.0.0.0:8000 --workers 3 --access-logfile -"]
