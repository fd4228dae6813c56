#!/usr/bin/env bash
# scripts/scratch-check.sh: proves the "runs FROM scratch" claim of SPEC §1
# without a container engine.
#
# 1. Builds the static binary (CGO_ENABLED=0), or takes NEXUS_BIN=path.
# 2. Checks it is a statically linked ELF: no PT_INTERP program header
#    (readelf -l, or a pure od reader of the ELF header), and `file` says
#    "statically linked" when `file` is installed.
# 3. Builds a root directory holding ONLY the binary, a config and
#    etc/ssl/certs/ca-certificates.crt, and starts the binary in it with
#    chroot as uid/gid 65532 (as the image's USER), falling back to plain
#    chroot, then to `unshare -r --root`. The config has one local backend
#    pointing at a closed 127.0.0.1 port, and keeps budget spend in
#    /var/lib/nexus/spend.json: the image's one writable directory (owned by
#    65532), which Nexus probes for writing at start.
# 4. Polls GET /health (at most ~10 s) and requires HTTP 200 and "status".
# 5. Sends SIGTERM and requires exit status 0 within the shutdown grace.
# 6. Prints the binary size. Cleans up on every exit path.
#
# Run from anywhere, e.g. from the repo root: bash scripts/scratch-check.sh
# Environment:
#   NEXUS_BIN=path   test this binary instead of building one
#   CA_BUNDLE=path   CA bundle to copy (default /etc/ssl/certs/ca-certificates.crt)
#   ELF_CHECK=auto|readelf|od   how to look for PT_INTERP (default auto)
#   HTTP_CLIENT=auto|curl|devtcp  how to fetch /health (default auto)
#   TMPDIR=dir       where the temporary root is made (must allow exec)
# Exit status: 0 when every check passed, 1 otherwise (with a FAIL: line).
set -euo pipefail

readonly GRACE_SECONDS=5                                 # shutdown_grace in the config
readonly HEALTH_TIMEOUT_MS=10000                         # /health polling bound
readonly EXIT_TIMEOUT_MS=$(((GRACE_SECONDS + 3) * 1000)) # SIGTERM-to-exit bound

repo_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/nexus-scratch.XXXXXX")
root="$work/root"
server_pid=""

cleanup() {
	if [[ -n "$server_pid" ]] && kill -0 "$server_pid" 2>/dev/null; then
		kill -KILL "$server_pid" 2>/dev/null || true
		wait "$server_pid" 2>/dev/null || true
	fi
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP # so that the EXIT trap cleans up on signals too

fail() {
	echo "FAIL: $*" >&2
	if [[ -s "$work/server.log" ]]; then
		echo "--- last lines of the server log ---" >&2
		tail -n 20 "$work/server.log" >&2
	fi
	exit 1
}

step() { echo "==> $*"; }

# now_ms prints a monotonic-enough wall clock in milliseconds.
now_ms() {
	if [[ -n "${EPOCHREALTIME:-}" ]]; then
		local us=${EPOCHREALTIME//[!0-9]/}
		echo $((10#$us / 1000))
	else
		echo $((SECONDS * 1000))
	fi
}

# secs MS formats milliseconds as seconds with one decimal.
secs() { echo "$(($1 / 1000)).$(($1 % 1000 / 100))"; }

# build_binary sets $bin to the binary under test.
build_binary() {
	if [[ -n "${NEXUS_BIN:-}" ]]; then
		[[ -f "$NEXUS_BIN" && -x "$NEXUS_BIN" ]] || fail "NEXUS_BIN=$NEXUS_BIN is not an executable file"
		bin="$NEXUS_BIN"
		step "using NEXUS_BIN=$bin"
		return
	fi
	command -v go >/dev/null || fail "go is not installed (or set NEXUS_BIN=path)"
	bin="$work/nexus"
	step "building static binary (CGO_ENABLED=0) in $repo_root"
	(cd "$repo_root" && CGO_ENABLED=0 go build -trimpath -ldflags "-s -w -X main.version=scratch-check" -o "$bin" .) ||
		fail "go build failed"
}

# elf_bytes FILE OFFSET COUNT prints COUNT unsigned bytes at OFFSET.
elf_bytes() { od -An -v -t u1 -j "$2" -N "$3" "$1" | tr -s ' \n' ' '; }

# elf_uint_le FILE OFFSET COUNT prints a little-endian unsigned integer.
elf_uint_le() {
	local -a b
	read -r -a b <<<"$(elf_bytes "$1" "$2" "$3")"
	local v=0 i
	for ((i = ${#b[@]} - 1; i >= 0; i--)); do v=$((v * 256 + b[i])); done
	echo "$v"
}

# interp_by_od FILE: exit 0 if a PT_INTERP (type 3) program header exists,
# 1 if not, 2 if the file is not a 64-bit little-endian ELF.
interp_by_od() {
	local f=$1
	local -a ident
	read -r -a ident <<<"$(elf_bytes "$f" 0 6)"
	[[ "${ident[*]:0:4}" == "127 69 76 70" ]] || return 2
	[[ "${ident[4]}" == 2 && "${ident[5]}" == 1 ]] || return 2
	local phoff phentsize phnum i
	phoff=$(elf_uint_le "$f" 32 8)
	phentsize=$(elf_uint_le "$f" 54 2)
	phnum=$(elf_uint_le "$f" 56 2)
	((phnum > 0 && phentsize >= 4)) || return 1
	for ((i = 0; i < phnum; i++)); do
		[[ $(elf_uint_le "$f" $((phoff + i * phentsize)) 4) == 3 ]] && return 0
	done
	return 1
}

check_static() {
	local mode=${ELF_CHECK:-auto}
	local -a magic
	read -r -a magic <<<"$(elf_bytes "$bin" 0 4)"
	[[ "${magic[*]}" == "127 69 76 70" ]] || fail "$bin is not an ELF binary"
	if [[ "$mode" == auto ]]; then
		mode=od
		command -v readelf >/dev/null && mode=readelf
	fi
	case "$mode" in
	readelf)
		local headers
		headers=$(readelf -lW "$bin" 2>&1) || fail "readelf -l $bin failed: $headers"
		grep -qE '^[[:space:]]*INTERP[[:space:]]' <<<"$headers" &&
			fail "$bin has a PT_INTERP header: it is dynamically linked"
		;;
	od)
		local rc=0
		interp_by_od "$bin" || rc=$?
		case $rc in
		0) fail "$bin has a PT_INTERP header: it is dynamically linked" ;;
		2) fail "$bin is not a 64-bit little-endian ELF; install readelf to check it" ;;
		esac
		;;
	*) fail "ELF_CHECK must be auto, readelf or od" ;;
	esac
	step "no PT_INTERP program header ($mode): statically linked"
	if command -v file >/dev/null; then
		local desc
		desc=$(file -b "$bin")
		[[ "$desc" == *"statically linked"* || "$desc" == *"static-pie linked"* ]] ||
			fail "file(1) does not call it static: $desc"
		step "file: $desc"
	fi
}

# port_in_use PORT: exit 0 when something accepts on 127.0.0.1:PORT.
port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# free_port [EXCEPT] prints a port nothing listens on.
free_port() {
	local p i
	for ((i = 0; i < 50; i++)); do
		p=$((20000 + RANDOM % 40000))
		[[ "$p" != "${1:-}" ]] && ! port_in_use "$p" && { echo "$p"; return 0; }
	done
	return 1
}

make_root() {
	local ca=${CA_BUNDLE:-/etc/ssl/certs/ca-certificates.crt}
	[[ -s "$ca" ]] || fail "CA bundle $ca not found (set CA_BUNDLE=path)"
	mkdir -p "$root/etc/nexus" "$root/etc/ssl/certs" "$root/var/lib/nexus"
	cp "$bin" "$root/nexus"
	cp "$ca" "$root/etc/ssl/certs/ca-certificates.crt"
	cat >"$root/etc/nexus/nexus.json" <<-JSON
		{
		  "listen": "127.0.0.1:$port",
		  "health_check": {"interval": "30s", "timeout": "1s"},
		  "shutdown_grace": "${GRACE_SECONDS}s",
		  "budget": {"monthly_usd": 10, "state_file": "/var/lib/nexus/spend.json"},
		  "backends": [
		    {"name": "closed-local", "type": "generic", "url": "http://127.0.0.1:$closed_port"}
		  ]
		}
	JSON
	# Readable by uid 65532, writable by nobody but root: like the image.
	find "$root" -type d -exec chmod 0755 {} +
	find "$root" -type f -exec chmod 0644 {} +
	chmod 0755 "$root/nexus"
	# The spend state volume: owned by the image's USER, as in the Dockerfile.
	chmod 0700 "$root/var/lib/nexus"
	chown 65532:65532 "$root/var/lib/nexus" 2>/dev/null || true
	local files
	files=$(cd "$root" && find . -type f | sort | tr '\n' ' ')
	[[ "$files" == "./etc/nexus/nexus.json ./etc/ssl/certs/ca-certificates.crt ./nexus " ]] ||
		fail "root directory holds unexpected files: $files"
	step "root directory holds only: $files"
}

# run_in_root MODE ARGS... execs ARGS inside $root (so that, run in the
# background, $! is the binary itself and receives our signals).
run_in_root() {
	local mode=$1
	shift
	case "$mode" in
	chroot-65532) exec chroot --userspec=65532:65532 "$root" "$@" ;;
	chroot) exec chroot "$root" "$@" ;;
	unshare) exec unshare -r --root="$root" "$@" ;;
	esac
	exit 127
}

# pick_runner sets $runner to the first mode that works, probed with
# `nexus version` (which must exit 0): non-root chroot as the image's
# USER 65532:65532, then chroot, then unshare -r --root.
pick_runner() {
	local mode out
	for mode in chroot-65532 chroot unshare; do
		if out=$(run_in_root "$mode" /nexus version 2>&1); then
			runner=$mode
			step "runner: $runner (nexus version: ${out//$'\n'/ })"
			return 0
		fi
		echo "    $mode failed: ${out//$'\n'/ }" >&2
	done
	fail "cannot run the binary in $root with chroot or unshare (are we root, or are user namespaces allowed?)"
}

# fetch_health writes the status code to $work/code and the body to $work/body.
fetch_health() {
	local client=${HTTP_CLIENT:-auto}
	if [[ "$client" == auto ]]; then
		client=devtcp
		command -v curl >/dev/null && client=curl
	fi
	: >"$work/body"
	echo 000 >"$work/code"
	case "$client" in
	curl)
		curl -s --max-time 1 -o "$work/body" -w '%{http_code}' "http://127.0.0.1:$port/health" >"$work/code" 2>/dev/null || true
		;;
	devtcp)
		local resp
		resp=$(timeout 2 bash -c 'exec 3<>"/dev/tcp/127.0.0.1/$1" || exit 1
			printf "GET /health HTTP/1.0\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n" >&3
			cat <&3' _ "$port" 2>/dev/null) || return 0
		local status_line=${resp%%$'\n'*}
		[[ "$status_line" =~ ^HTTP/[0-9.]+\ ([0-9]{3}) ]] && echo "${BASH_REMATCH[1]}" >"$work/code"
		printf '%s' "${resp#*$'\r\n\r\n'}" >"$work/body"
		;;
	*) fail "HTTP_CLIENT must be auto, curl or devtcp" ;;
	esac
}

start_and_probe() {
	run_in_root "$runner" /nexus -config /etc/nexus/nexus.json >"$work/server.log" 2>&1 &
	server_pid=$!
	step "started pid $server_pid on 127.0.0.1:$port (backend at closed port $closed_port)"
	local start elapsed=0 code=000
	start=$(now_ms)
	while ((elapsed < HEALTH_TIMEOUT_MS)); do
		kill -0 "$server_pid" 2>/dev/null || {
			local rc=0
			wait "$server_pid" || rc=$?
			server_pid=""
			fail "the binary exited with status $rc before /health answered"
		}
		fetch_health
		code=$(<"$work/code")
		[[ "$code" != 000 ]] && break
		sleep 0.1
		elapsed=$(($(now_ms) - start))
	done
	[[ "$code" == 200 ]] || fail "GET /health: HTTP $code after $(secs "$elapsed") s, want 200"
	grep -q '"status"' "$work/body" || fail "GET /health body has no \"status\": $(head -c 300 "$work/body")"
	grep -q '"spend state loaded"' "$work/server.log" || fail "budget.state_file in /var/lib/nexus was not opened"
	step "GET /health: 200 $(head -c 200 "$work/body" | tr -d '\n')"
}

stop_and_check() {
	kill -TERM "$server_pid"
	local start elapsed=0
	start=$(now_ms)
	while kill -0 "$server_pid" 2>/dev/null; do
		((elapsed < EXIT_TIMEOUT_MS)) ||
			fail "still running $(secs "$elapsed") s after SIGTERM (shutdown_grace ${GRACE_SECONDS}s)"
		sleep 0.1
		elapsed=$(($(now_ms) - start))
	done
	local rc=0
	wait "$server_pid" || rc=$?
	server_pid=""
	((rc == 0)) || fail "exit status $rc after SIGTERM, want 0"
	step "SIGTERM: exited 0 after $(secs "$elapsed") s"
}

main() {
	build_binary
	check_static
	port=$(free_port) || fail "no free port found"
	closed_port=$(free_port "$port") || fail "no second free port found"
	make_root
	pick_runner
	start_and_probe
	stop_and_check
	local size
	size=$(wc -c <"$bin" | tr -d ' ')
	step "binary size: $size bytes ($((size / 1024 / 1024)).$(((size / 1024 % 1024) * 10 / 1024)) MiB)"
	echo "PASS: runs from a root holding only the binary, its config and the CA bundle"
}

main "$@"
