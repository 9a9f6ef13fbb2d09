FROM python:3.11-slim
WORKDIR /app
COPY pyproject.toml README.md alembic.ini babel.cfg ./
COPY bot ./bot
COPY locales ./locales
COPY migrations ./migrations
RUN pip install --no-cache-dir -e .
ENV MPLCONFIGDIR=/tmp/matplotlib
USER nobody
CMD ["workshop-bot", "run"]
