# Production image: the server and its shipped structures, run as an unprivileged user.
# Sample data are not loaded unless SDMX_SERVER_LOAD_SAMPLE_DATA says so; docker-compose.yml
# runs it with PostgreSQL.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    SDMX_SERVER_HOST=0.0.0.0 \
    SDMX_SERVER_PORT=8000 \
    SDMX_SERVER_DATABASE_URL=sqlite:////data/sdmx-server.sqlite \
    SDMX_SERVER_CONTENT_DIR=/app

WORKDIR /app
COPY pyproject.toml README.md alembic.ini ./
COPY sdmx_server ./sdmx_server
COPY loaders ./loaders
RUN pip install . && useradd --system --home /app sdmx && mkdir /data && chown sdmx /data
COPY codelists ./codelists
COPY dsd ./dsd
COPY data ./data

USER sdmx
VOLUME ["/data"]
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=3s CMD python -c "import urllib.request,sys; sys.exit(urllib.request.urlopen('http://127.0.0.1:8000/ready').status != 200)"
CMD ["sdmx-server", "serve"]
