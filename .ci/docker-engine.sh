#!/usr/bin/env bash
# Make sure a Docker engine is running on this machine (idempotent).
#
#   bash .ci/docker-engine.sh        -> exit 0 when `docker info` works
#
# - If `docker info` already works: exit 0 straight away.
# - Otherwise installs Debian's docker.io (apt-get update only if the package
#   is unknown), then starts Debian's /usr/sbin/dockerd directly in the
#   background (no systemd here), logging to $REHEARSE_DOCKERD_LOG, and waits
#   up to $REHEARSE_DOCKERD_WAIT seconds (default 60) for `docker info`.
# - Whatever `docker` client is first on PATH is used (/usr/local/bin/docker is
#   a newer CLI; it negotiates the API down to the daemon's 1.41, which works).
# - On failure: ONE line on stderr ("docker-engine: unavailable: ...") with the
#   tail of the dockerd log, and a non-zero exit. Callers treat that as
#   "Docker unavailable".
#
# dockerd flag sets tried in order (first that comes up wins):
#   1. --storage-driver=overlay2            (fast; works on this machine)
#   2. --storage-driver=overlay2 --iptables=false --ip6tables=false
#   3. --storage-driver=vfs --iptables=false --ip6tables=false   (slow, last resort)
# Set REHEARSE_DOCKERD_FLAGS to force one flag set instead.
set -uo pipefail

LOG="${REHEARSE_DOCKERD_LOG:-/var/log/dockerd-rehearse.log}"
WAIT="${REHEARSE_DOCKERD_WAIT:-60}"
DOCKERD=/usr/sbin/dockerd
LOCK=/run/lock/rehearse-docker-engine.lock

fail() {
  # one line, to stderr
  local tail=""
  if [ -f "$LOG" ]; then
    # last meaningful lines: skip our own markers and containerd's grpc chatter
    tail="$(grep -v -e '^=== ' -e 'module=grpc' "$LOG" 2>/dev/null | tail -n 2 | tr '\n' ' ' | tr -s ' ' | cut -c1-600)"
  fi
  echo "docker-engine: unavailable: $* ${tail:+(dockerd log $LOG: $tail)}" >&2
  exit 1
}

docker_ok() { timeout 15 docker info >/dev/null 2>&1; }

docker_ok && exit 0

[ "$(id -u)" = 0 ] || fail "not root, cannot install/start dockerd"

mkdir -p "$(dirname "$LOCK")"
exec 9>"$LOCK"
flock -w 300 9 || fail "timed out waiting for lock $LOCK"
# Someone else may have started it while we waited for the lock.
docker_ok && exit 0

export DEBIAN_FRONTEND=noninteractive
APT_OPTS=(-y -q -o DPkg::Lock::Timeout=300)

if [ ! -x "$DOCKERD" ] || ! command -v containerd >/dev/null 2>&1 || ! command -v runc >/dev/null 2>&1; then
  if ! apt-cache show docker.io >/dev/null 2>&1; then
    apt-get update -q >/tmp/rehearse-apt-update.log 2>&1 ||
      fail "apt-get update failed: $(tail -n 2 /tmp/rehearse-apt-update.log | tr '\n' ' ')"
  fi
  apt-get install "${APT_OPTS[@]}" docker.io >/tmp/rehearse-apt-docker.log 2>&1 ||
    fail "apt-get install docker.io failed: $(tail -n 2 /tmp/rehearse-apt-docker.log | tr '\n' ' ')"
  [ -x "$DOCKERD" ] || fail "$DOCKERD missing after installing docker.io"
fi
command -v docker >/dev/null 2>&1 || fail "no docker client on PATH"

mkdir -p "$(dirname "$LOG")"

# A dockerd may already be running but not ready yet (e.g. just started by
# someone else, or wedged). If one is alive, give it the wait window first.
existing_pid=""
if [ -s /var/run/docker.pid ]; then
  existing_pid="$(cat /var/run/docker.pid 2>/dev/null || true)"
  if [ -n "$existing_pid" ] && ! kill -0 "$existing_pid" 2>/dev/null; then
    existing_pid=""
  fi
fi
if [ -n "$existing_pid" ]; then
  for _ in $(seq 1 "$WAIT"); do
    docker_ok && exit 0
    kill -0 "$existing_pid" 2>/dev/null || break
    sleep 1
  done
  docker_ok && exit 0
  fail "a dockerd (pid $existing_pid) is running but docker info does not answer"
fi

if [ -n "${REHEARSE_DOCKERD_FLAGS:-}" ]; then
  FLAG_SETS=("$REHEARSE_DOCKERD_FLAGS")
else
  FLAG_SETS=(
    "--storage-driver=overlay2"
    "--storage-driver=overlay2 --iptables=false --ip6tables=false"
    "--storage-driver=vfs --iptables=false --ip6tables=false"
  )
fi

deadline=$((SECONDS + WAIT))
for flags in "${FLAG_SETS[@]}"; do
  {
    echo "=== $(date -u +%FT%TZ) rehearse: starting $DOCKERD $flags"
  } >>"$LOG"
  # shellcheck disable=SC2086  # flags are intentionally word-split
  setsid nohup "$DOCKERD" $flags >>"$LOG" 2>&1 </dev/null &
  pid=$!
  while [ "$SECONDS" -lt "$deadline" ]; do
    if docker_ok; then
      echo "docker-engine: dockerd up (pid $pid, flags: $flags, log $LOG)" >&2
      exit 0
    fi
    kill -0 "$pid" 2>/dev/null || break # died: try next flag set
    sleep 1
  done
  if kill -0 "$pid" 2>/dev/null; then
    # still alive but not answering within the window: give up on it
    kill "$pid" 2>/dev/null
    sleep 2
    fail "dockerd ($flags) did not answer docker info within ${WAIT}s"
  fi
  echo "=== rehearse: dockerd with '$flags' exited" >>"$LOG"
  [ "$SECONDS" -lt "$deadline" ] || break
done

fail "dockerd could not start (tried: ${FLAG_SETS[*]})"
