# One image for every part of the platform; the command picks the service.
FROM python:3.11-slim
ENV PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1
WORKDIR /app
COPY pyproject.toml ./
COPY lib ./lib
COPY services ./services
COPY gateway ./gateway
COPY scripts ./scripts
RUN pip install -e . && useradd --create-home --uid 10001 platform && mkdir -p /app/var && chown platform /app/var
USER platform
EXPOSE 8000
CMD ["platform-healthcheck", "--help"]
