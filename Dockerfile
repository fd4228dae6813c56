# Dockerfile: builds the FROM scratch image of Nexus (SPEC §1): the static
# binary plus the CA certificate bundle, nothing else. No shell, no libc, no
# package manager. `bash scripts/scratch-check.sh` proves the same claim
# without a container engine.
#
#   docker build --build-arg VERSION=$(git describe --tags --always --dirty) -t nexus .
#   docker buildx build --platform linux/amd64,linux/arm64 -t nexus .
# Needs BuildKit (Docker's default builder since 23.0) or buildah/podman, for
# $BUILDPLATFORM and $TARGETARCH.
#
# Configuration
#   The working directory is /etc/nexus, and Nexus reads ./nexus.json when no
#   -config or NEXUS_CONFIG names a file; mount your file there:
#     docker run -p 8000:8000 -v $PWD/nexus.json:/etc/nexus/nexus.json:ro \
#       -e OPENAI_API_KEY nexus
#   The image ships no config file. When /etc/nexus/nexus.json is absent, Nexus
#   runs its zero-config default (listen on :8000, Ollama at $OLLAMA_HOST, one
#   cloud backend per API key variable that is set). A file named explicitly
#   with -config or NEXUS_CONFIG must exist.
#   Arguments given to `docker run IMAGE ...` are Nexus's flags, e.g.
#   `docker run nexus -listen :9000` runs zero-config on port 9000, and
#   `docker run nexus check -config /etc/nexus/nexus.json` validates a file.
#   A config "listen" of 127.0.0.1:... is unreachable from outside the
#   container; use ":8000".
#
# Spend state (budget.state_file)
#   The root filesystem holds nothing writable. /var/lib/nexus is the one
#   writable path: a VOLUME owned by uid 65532, for
#     "budget": {"state_file": "/var/lib/nexus/spend.json", ...}
#   so spend survives restarts and image upgrades:
#     docker run -v nexus-spend:/var/lib/nexus -v $PWD/nexus.json:/etc/nexus/nexus.json:ro nexus
#   A named volume starts with the image's owner (65532); a host directory
#   mounted there must be writable by uid 65532 (chown 65532:65532 DIR).
#   Give each replica its own volume: replicas never share one state file.
#
# Environment (precedence: flag > environment > config file > default)
#   NEXUS_CONFIG       config file path (a -config flag wins over it)
#   NEXUS_LISTEN       listen address, default :8000
#   NEXUS_LOG_LEVEL    debug | info | warn | error
#   NEXUS_LOG_FORMAT   json (default) | text
#   NEXUS_API_KEYS     comma-separated client keys; when set, clients must send
#                      Authorization: Bearer <key> or x-api-key: <key>
#   OPENAI_API_KEY, ANTHROPIC_API_KEY, GEMINI_API_KEY / GOOGLE_API_KEY
#                      provider keys; backends name their variable with
#                      "api_key_env", and zero-config registers a cloud
#                      backend for each one that is set
#   OLLAMA_HOST        zero-config Ollama URL, default http://127.0.0.1:11434,
#                      which inside a container is the container itself: use
#                      e.g. http://host.docker.internal:11434
# Keys come only from the environment; never bake them into the image.

ARG GO_VERSION=1.26

# The builder runs on the build host's platform and cross-compiles, so a
# multi-platform buildx build needs no emulation.
FROM --platform=$BUILDPLATFORM golang:${GO_VERSION} AS build
ARG VERSION=dev
# Set by BuildKit/buildah per target platform; empty means the build host's.
ARG TARGETOS
ARG TARGETARCH
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 GOOS=${TARGETOS:-linux} GOARCH=${TARGETARCH} \
    go build -trimpath -ldflags "-s -w -X main.version=${VERSION}" -o /out/nexus .
# The spend state directory, created here because scratch has no mkdir.
RUN mkdir -p /out/var/lib/nexus && chmod 0700 /out/var/lib/nexus

FROM scratch
COPY --from=build /etc/ssl/certs/ca-certificates.crt /etc/ssl/certs/ca-certificates.crt
COPY --from=build /out/nexus /nexus
COPY --from=build --chown=65532:65532 /out/var/lib/nexus /var/lib/nexus
# 65532 is the conventional "nonroot" uid/gid of distroless images.
USER 65532:65532
VOLUME /var/lib/nexus
EXPOSE 8000
WORKDIR /etc/nexus
ENTRYPOINT ["/nexus"]

