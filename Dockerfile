# syntax=docker/dockerfile:1
# Multi-stage build: wheels are built in the first stage, the runtime image has no compiler
# and runs as an unprivileged user.
FROM python:3.11-slim AS build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1
WORKDIR /src
COPY pyproject.toml README.md ./
COPY src ./src
RUN pip wheel --wheel-dir /wheels .

FROM python:3.11-slim AS runtime
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_DISABLE_PIP_VERSION_CHECK=1 \
    UANL_ENV=production UANL_DATA_DIR=/var/lib/uanl
RUN apt-get update && apt-get install -y --no-install-recommends postgresql-client \
    && rm -rf /var/lib/apt/lists/* \
    && groupadd --system uanl && useradd --system --gid uanl --home /var/lib/uanl uanl \
    && mkdir -p /var/lib/uanl/metrics /var/lib/uanl/backups \
    && chown -R uanl:uanl /var/lib/uanl
COPY --from=build /wheels /wheels
RUN pip install --no-cache-dir /wheels/*.whl && rm -rf /wheels
USER uanl
WORKDIR /var/lib/uanl
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --retries=3 \
  CMD python -c "import urllib.request,sys; sys.exit(urllib.request.urlopen('http://127.0.0.1:8000/livez').status != 200)"
CMD ["uanl", "serve", "--host", "0.0.0.0", "--port", "8000", "--workers", "2"]
