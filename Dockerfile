# One image for every natreg service; the command picks the role.
FROM python:3.11-slim
RUN useradd --create-home --uid 10001 natreg
WORKDIR /app
COPY pyproject.toml README.md ./
COPY natreg ./natreg
COPY registry ./registry
COPY local_library ./local_library
RUN pip install --no-cache-dir .
USER natreg
ENTRYPOINT ["natreg"]
