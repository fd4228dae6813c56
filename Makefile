# Makefile: the few commands an operator or CI needs: build the static binary
# for this host or for both release platforms, run the tests, and prove the
# binary runs FROM scratch (scripts/scratch-check.sh).
#
#   make build          ./nexus for the host
#   make build-all      dist/nexus-linux-amd64, dist/nexus-linux-arm64
#   make test           go test -race ./...
#   make scratch-check  static-link + chroot smoke test (needs root or userns)
#   make docker         docker build (needs a container engine)

VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS := -s -w -X main.version=$(VERSION)
GOBUILD := CGO_ENABLED=0 go build -trimpath -ldflags "$(LDFLAGS)"
PLATFORMS := linux/amd64 linux/arm64

.PHONY: build build-all test scratch-check docker clean

build:
	$(GOBUILD) -o nexus .

build-all:
	@mkdir -p dist
	@set -e; for p in $(PLATFORMS); do \
		os=$${p%/*}; arch=$${p#*/}; \
		echo "building dist/nexus-$$os-$$arch ($(VERSION))"; \
		GOOS=$$os GOARCH=$$arch $(GOBUILD) -o dist/nexus-$$os-$$arch .; \
	done

test:
	go test -race ./...

scratch-check:
	bash scripts/scratch-check.sh

docker:
	docker build --build-arg VERSION=$(VERSION) -t nexus:$(VERSION) .

clean:
	rm -rf dist nexus
