# The bot as a package: the same non-editable install as `pip install .`, migrations and
# catalogs inside it. The image's user owns /data, where the default SQLite file (and its
# lock) would go; docker-compose.yml uses PostgreSQL instead.
FROM python:3.11-slim
WORKDIR /src
# Dependencies first, exactly as locked (hashes checked), then the bot itself without any.
COPY requirements.lock ./
RUN pip install --no-cache-dir --require-hashes -r requirements.lock
COPY pyproject.toml README.md LICENSE ./
COPY bot ./bot
COPY telegram_sim ./telegram_sim
RUN pip install --no-cache-dir --no-deps . && rm -rf /src \
    && useradd --create-home --uid 10001 workshop && mkdir /data && chown workshop /data
ENV MPLCONFIGDIR=/tmp/matplotlib
WORKDIR /data
VOLUME /data
USER workshop
CMD ["workshop-bot", "run"]
