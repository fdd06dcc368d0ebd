# One image for every part of the platform; the command picks the service. The gateway serves the
# web front end built in the first stage (web/dist, under /web/).
FROM node:20-slim AS web
WORKDIR /src/web
COPY web/package.json web/package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY docs/openapi.json /src/docs/openapi.json
COPY web ./
RUN npm run api:check && npm run build

FROM python:3.11-slim
ENV PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1
# every process serves Prometheus metrics at :9100/metrics (the gateway on its own port, never on 8000)
ENV METRICS_PORT=9100 METRICS_ADDRESS=0.0.0.0
# the TrueType CJK font the PDFs embed (licences, window documents, one-time notification lists)
RUN apt-get update && apt-get install -y --no-install-recommends fonts-wqy-microhei && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY pyproject.toml ./
COPY lib ./lib
COPY services ./services
COPY gateway ./gateway
COPY scripts ./scripts
COPY --from=web /src/web/dist ./web/dist
RUN pip install -e . && useradd --create-home --uid 10001 platform && mkdir -p /app/var && chown platform /app/var
USER platform
EXPOSE 8000 9100
CMD ["platform-healthcheck", "--help"]
