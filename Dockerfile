# hardenlab worker image: the compiled worker plus the pinned security tools, run as a non-root user.
#   docker build -t hardenlab-worker .
#   docker run --rm -e TEMPORAL_ADDRESS=temporal:7233 -v ./config.yaml:/etc/hardenlab/config.yaml:ro hardenlab-worker
# See docs/operating.md (docker-compose.yml runs it next to a Temporal server with PostgreSQL).

ARG NODE_IMAGE=node:20.20-bookworm-slim
ARG GO_IMAGE=golang:1.24-bookworm
# Trivy's go.mod needs Go 1.26.
ARG TRIVY_GO_IMAGE=golang:1.26-bookworm

# kube-bench, built from its Go module with the pinned version and checksum (scripts/tools/versions.env).
FROM ${GO_IMAGE} AS kube-bench
ENV HARDENLAB_CACHE=/opt/hardenlab/cache
WORKDIR /src
COPY scripts/tools/versions.env scripts/tools/build-kube-bench.sh scripts/tools/
RUN bash scripts/tools/build-kube-bench.sh

# Trivy, built from its Go module (scripts/tools/build-trivy.sh); it scans the cluster from the worker, offline.
FROM ${TRIVY_GO_IMAGE} AS trivy
ENV HARDENLAB_CACHE=/opt/hardenlab/cache
WORKDIR /src
COPY scripts/lib/go-build.sh scripts/lib/
COPY scripts/tools/versions.env scripts/tools/build-trivy.sh scripts/tools/
RUN bash scripts/tools/build-trivy.sh

# kube-hunter in its own virtualenv; built on the same base as the final image, so the venv's
# absolute paths and its Python stay valid when copied over.
FROM ${NODE_IMAGE} AS kube-hunter
ENV HARDENLAB_CACHE=/opt/hardenlab/cache
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 python3-venv python3-dev gcc libc6-dev \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY scripts/tools/versions.env scripts/tools/install-kube-hunter.sh scripts/tools/
RUN bash scripts/tools/install-kube-hunter.sh

# The TypeScript build; dev dependencies stay in this stage.
FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src src
COPY workflows workflows
COPY activities activities
COPY worker worker
COPY test/bench test/bench
RUN npm run build && npm prune --omit=dev --no-audit --no-fund

FROM ${NODE_IMAGE}
# python3: kube-hunter's interpreter. openssh-client: `ssh`/`ssh-keyscan` for operators checking node
# access from inside the container (the worker itself speaks SSH through ssh2). tar: kube-bench's
# benchmark definitions are shipped to nodes as a tarball. tini: signals reach node, zombies are reaped.
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 openssh-client ca-certificates tar tini \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --system --gid 10001 hardenlab \
 && useradd --system --uid 10001 --gid hardenlab --home-dir /var/lib/hardenlab --create-home --shell /usr/sbin/nologin hardenlab \
 && mkdir -p /etc/hardenlab /opt/hardenlab/cache

WORKDIR /app
COPY --from=kube-bench /opt/hardenlab/cache/bin /opt/hardenlab/cache/bin
COPY --from=trivy /opt/hardenlab/cache/bin /opt/hardenlab/cache/bin
COPY --from=kube-hunter /opt/hardenlab/cache/venv /opt/hardenlab/cache/venv
COPY --from=build /app/node_modules node_modules
COPY --from=build /app/dist dist
COPY package.json ./
COPY bin bin
# The built-in hardening packs (scenarios as data); the worker's own are next to its config file.
COPY packs packs
COPY scripts/tools/versions.env scripts/tools/versions.env

# HARDENLAB_HOME: artifacts and reports (mount a shared volume when several workers serve one queue).
# HARDENLAB_CONFIG: the worker config file (Temporal address, experiment defaults), mounted read-only.
ENV NODE_ENV=production \
    HARDENLAB_HOME=/var/lib/hardenlab \
    HARDENLAB_CACHE=/opt/hardenlab/cache \
    HARDENLAB_CONFIG=/etc/hardenlab/config.yaml
USER hardenlab
ENTRYPOINT ["/usr/bin/tini", "--"]
CMD ["node", "bin/hardenlab.js", "worker"]
