# One image for every natreg service; the command picks the role.
FROM python:3.11-slim
RUN useradd --create-home --uid 10001 natreg
WORKDIR /app
COPY pyproject.toml README.md ./
COPY plumbing ./plumbing
COPY registry_contract ./registry_contract
COPY registry ./registry
COPY local_library ./local_library
COPY natreg ./natreg
RUN pip install --no-cache-dir .
USER natreg
ENTRYPOINT ["natreg"]
