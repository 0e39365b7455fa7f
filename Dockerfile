# Ordino production image: one image for the API, the worker and the migrations.
# The command picks the role: `ordino api` (default), `ordino worker`, `ordino migrate`,
# `ordino seed --demo`. Everything is installed from wheels at build time, at the versions
# requirements.lock pins (the ones the tests ran); nothing is downloaded when a container starts.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /src
COPY . .
RUN pip install -c requirements.lock . \
    && cd / \
    && rm -rf /src \
    && useradd --create-home --uid 10001 --user-group ordino \
    && install -d -o ordino -g ordino /app

USER ordino
WORKDIR /app

# The API; a worker's metrics and probe (ORDINO_WORKER_METRICS, ORDINO_WORKER_HEALTH).
EXPOSE 8000 9464 9465

CMD ["ordino", "api"]
