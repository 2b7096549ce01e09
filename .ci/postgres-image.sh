#!/usr/bin/env bash
# Build the local Docker image rehearse-postgres:15 WITHOUT any container
# registry (idempotent).
#
#   bash .ci/postgres-image.sh      (needs a running engine: .ci/docker-engine.sh)
#
# - If the image already exists with the same recipe label: exit 0.
# - Otherwise: debootstrap (minbase, bookworm) + Debian's postgresql-15 (which
#   already contains pg_stat_statements and auto_explain) from the Debian
#   mirror this machine's apt uses; the rootfs tarball is cached under
#   /var/cache/rehearse/, so a rebuild on the same machine skips debootstrap.
# - Adds /usr/local/bin/docker-entrypoint.sh, a stand-in for the official
#   postgres image's entrypoint (POSTGRES_USER/PASSWORD/DB, POSTGRES_INITDB_ARGS,
#   POSTGRES_HOST_AUTH_METHOD, *_FILE variants, /docker-entrypoint-initdb.d,
#   temporary init server, `postgres -c k=v ...` passthrough), and imports the
#   tarball with `docker import`.
#
# Env overrides: REHEARSE_PG_IMAGE (image name), REHEARSE_DEBIAN_MIRROR (else the
# mirror is read from this machine's apt sources only; there is no built-in
# fallback host), REHEARSE_CACHE_DIR. On failure prints one "postgres-image: ..." line on
# stderr and exits non-zero.
set -euo pipefail

IMAGE="${REHEARSE_PG_IMAGE:-rehearse-postgres:15}"
CACHE_DIR="${REHEARSE_CACHE_DIR:-/var/cache/rehearse}"
SUITE=bookworm
PACKAGES=postgresql-15   # contrib (pg_stat_statements, auto_explain) is inside it
ROOTFS_VERSION=1         # bump to force a fresh debootstrap
ROOTFS_TAR="$CACHE_DIR/rootfs-$SUITE-$PACKAGES-v$ROOTFS_VERSION.tar"

fail() { echo "postgres-image: $*" >&2; exit 1; }
log() { echo "postgres-image: $*" >&2; }

command -v docker >/dev/null 2>&1 || fail "no docker client on PATH"
timeout 15 docker info >/dev/null 2>&1 || fail "docker engine not reachable (run .ci/docker-engine.sh first)"

# ---------------------------------------------------------------- entrypoint
IFS= read -r -d '' ENTRYPOINT <<'ENTRYPOINT_EOF' || true
#!/usr/bin/env bash
# docker-entrypoint.sh of rehearse-postgres:15: a registry-free stand-in for the
# official postgres image's entrypoint (same env vars, same two-phase start).
set -Eeo pipefail

file_env() {
	local var="$1" fileVar="${1}_FILE" def="${2:-}" val
	if [ "${!var:-}" ] && [ "${!fileVar:-}" ]; then
		echo >&2 "error: both $var and $fileVar are set (but are exclusive)"; exit 1
	fi
	val="$def"
	if [ "${!var:-}" ]; then val="${!var}"
	elif [ "${!fileVar:-}" ]; then val="$(< "${!fileVar}")"; fi
	export "$var"="$val"
	unset "$fileVar"
}

# `docker run IMAGE -c foo=bar` -> postgres -c foo=bar
if [ "${1:0:1}" = '-' ]; then set -- postgres "$@"; fi
# anything else than the server (psql, bash, ...) runs as given
if [ "${1:-}" != 'postgres' ]; then exec "$@"; fi

: "${PGDATA:=/var/lib/postgresql/data}"
: "${LANG:=en_US.utf8}"
export PGDATA LANG

if [ "$(id -u)" = '0' ]; then
	mkdir -p "$PGDATA" /var/run/postgresql
	find "$PGDATA" \! -user postgres -exec chown postgres:postgres '{}' +
	chown postgres:postgres /var/run/postgresql
	chmod 3777 /var/run/postgresql
	chmod 700 "$PGDATA" || :
	HOME=/var/lib/postgresql exec setpriv --reuid=postgres --regid=postgres --init-groups \
		"${BASH_SOURCE[0]}" "$@"
fi

shift # drop "postgres"; the rest (e.g. -c name=value ...) goes to the server

file_env POSTGRES_PASSWORD
file_env POSTGRES_USER postgres
file_env POSTGRES_DB "$POSTGRES_USER"
file_env POSTGRES_INITDB_ARGS
: "${POSTGRES_HOST_AUTH_METHOD:=scram-sha-256}"

if [ ! -s "$PGDATA/PG_VERSION" ]; then
	if [ -z "${POSTGRES_PASSWORD:-}" ] && [ "$POSTGRES_HOST_AUTH_METHOD" != trust ]; then
		cat >&2 <<-'EOM'
			Error: Database is uninitialized and superuser password is not specified.
			       Set POSTGRES_PASSWORD to a non-empty value for the superuser, or use
			       POSTGRES_HOST_AUTH_METHOD=trust to allow all connections without a password.
		EOM
		exit 1
	fi
	mkdir -p "$PGDATA"; chmod 700 "$PGDATA"
	# (the <(...) must sit on the initdb command line itself: its fd is closed
	# as soon as the command that opened it finishes)
	# shellcheck disable=SC2086  # POSTGRES_INITDB_ARGS is word-split on purpose
	if [ -n "${POSTGRES_PASSWORD:-}" ]; then
		initdb --username="$POSTGRES_USER" --pwfile=<(printf '%s\n' "$POSTGRES_PASSWORD") $POSTGRES_INITDB_ARGS
	else
		initdb --username="$POSTGRES_USER" $POSTGRES_INITDB_ARGS
	fi

	printf "\nlisten_addresses = '*'\n" >> "$PGDATA/postgresql.conf"
	printf '\nhost all all all %s\n' "$POSTGRES_HOST_AUTH_METHOD" >> "$PGDATA/pg_hba.conf"

	# temporary server on the unix socket only (like the official image), so
	# nothing can connect over TCP before initialisation is complete
	PGUSER="$POSTGRES_USER" pg_ctl -D "$PGDATA" -o "-c listen_addresses='' -p ${PGPORT:-5432}" -w start

	psql_base=(psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --no-password --no-psqlrc)
	if [ "$POSTGRES_DB" != postgres ]; then
		"${psql_base[@]}" --dbname postgres --set db="$POSTGRES_DB" <<-'EOSQL'
			CREATE DATABASE :"db" ;
		EOSQL
	fi
	if [ -d /docker-entrypoint-initdb.d ]; then
		for f in /docker-entrypoint-initdb.d/*; do
			case "$f" in
				*.sh)
					# shellcheck source=/dev/null
					if [ -x "$f" ]; then echo "$0: running $f"; "$f"
					else echo "$0: sourcing $f"; . "$f"; fi ;;
				*.sql)    echo "$0: running $f"; "${psql_base[@]}" --dbname "$POSTGRES_DB" -f "$f" ;;
				*.sql.gz) echo "$0: running $f"; gunzip -c "$f" | "${psql_base[@]}" --dbname "$POSTGRES_DB" ;;
				*)        [ -e "$f" ] && echo "$0: ignoring $f" ;;
			esac
		done
	fi

	pg_ctl -D "$PGDATA" -m fast -w stop
	echo
	echo 'PostgreSQL init process complete; ready for start up.'
	echo
else
	echo
	echo 'PostgreSQL Database directory appears to contain a database; Skipping initialization'
	echo
fi

exec postgres "$@"
ENTRYPOINT_EOF

IMPORT_CHANGES=(
  'ENTRYPOINT ["/usr/local/bin/docker-entrypoint.sh"]'
  'CMD ["postgres"]'
  'ENV PATH=/usr/lib/postgresql/15/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'
  'ENV PGDATA=/var/lib/postgresql/data'
  'ENV LANG=en_US.utf8'
  'EXPOSE 5432'
)
# (docker import on Debian's engine 20.10 rejects STOPSIGNAL, so the image keeps
# SIGTERM = postgres "smart" shutdown; Testcontainers stops with t=0 anyway.)

RECIPE="$(
  {
    echo "$ROOTFS_TAR"
    printf '%s\n' "$ENTRYPOINT"
    printf '%s\n' "${IMPORT_CHANGES[@]}"
  } | sha256sum | cut -c1-16
)"

# --------------------------------------------------------------- idempotency
old_id=""
if docker image inspect "$IMAGE" >/dev/null 2>&1; then
  old_id="$(docker image inspect -f '{{ .Id }}' "$IMAGE" 2>/dev/null || true)"
  have="$(docker image inspect -f '{{ index .Config.Labels "rehearse.recipe" }}' "$IMAGE" 2>/dev/null || true)"
  if [ "$have" = "$RECIPE" ]; then
    exit 0
  fi
  log "$IMAGE exists but was built from another recipe ($have != $RECIPE): rebuilding"
fi

[ "$(id -u)" = 0 ] || fail "must run as root (debootstrap, chroot)"
mkdir -p "$CACHE_DIR"
exec 9>"$CACHE_DIR/.lock"
flock -w 900 9 || fail "timed out waiting for $CACHE_DIR/.lock"

# ------------------------------------------------------------ rootfs (cached)
debian_mirror() {
  if [ -n "${REHEARSE_DEBIAN_MIRROR:-}" ]; then echo "$REHEARSE_DEBIAN_MIRROR"; return; fi
  local f uri=""
  # deb822 *.sources: first stanza with Types: deb whose Suites contain "$SUITE"
  for f in /etc/apt/sources.list.d/*.sources; do
    [ -f "$f" ] || continue
    uri="$(awk -v suite="$SUITE" '
      function flush() { if (deb && hit && u != "" && !found) { print u; found = 1 } deb = 0; hit = 0; u = "" }
      /^[[:space:]]*$/ { flush(); next }
      /^[[:space:]]*#/ { next }
      tolower($1) == "types:" { for (i = 2; i <= NF; i++) if ($i == "deb") deb = 1 }
      tolower($1) == "uris:" { u = $2 }
      tolower($1) == "suites:" { for (i = 2; i <= NF; i++) if ($i == suite) hit = 1 }
      tolower($1) == "enabled:" && tolower($2) == "no" { deb = 0 }
      END { flush() }' "$f")"
    [ -n "$uri" ] && { echo "$uri"; return; }
  done
  # one-line format: deb [opts] URI SUITE components
  for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
    [ -f "$f" ] || continue
    uri="$(awk -v suite="$SUITE" '
      $1 == "deb" {
        i = 2
        if ($i ~ /^\[/) { while (i <= NF && $i !~ /\]$/) i++; i++ }
        if ($(i + 1) == suite) { print $i; exit }
      }' "$f")"
    [ -n "$uri" ] && { echo "$uri"; return; }
  done
  # No fallback host: this machine's apt configuration is the only source of truth.
  return 1
}

build_rootfs() {
  local mirror dir t0
  mirror="$(debian_mirror)" ||
    fail "no apt source for Debian $SUITE in /etc/apt/sources.list or /etc/apt/sources.list.d/: add the Debian mirror this machine may use (a 'deb <mirror> $SUITE main' line or a deb822 .sources stanza), or set REHEARSE_DEBIAN_MIRROR to it"
  export DEBIAN_FRONTEND=noninteractive
  if ! command -v debootstrap >/dev/null 2>&1; then
    log "installing debootstrap"
    if ! apt-cache show debootstrap >/dev/null 2>&1; then
      apt-get update -q >"$CACHE_DIR/apt-update.log" 2>&1 || fail "apt-get update failed (see $CACHE_DIR/apt-update.log)"
    fi
    apt-get install -y -q -o DPkg::Lock::Timeout=300 debootstrap >"$CACHE_DIR/apt-debootstrap.log" 2>&1 ||
      fail "apt-get install debootstrap failed (see $CACHE_DIR/apt-debootstrap.log)"
  fi
  local keyring=()
  [ -f /usr/share/keyrings/debian-archive-keyring.gpg ] && keyring=(--keyring=/usr/share/keyrings/debian-archive-keyring.gpg)

  dir="$(mktemp -d "$CACHE_DIR/rootfs.XXXXXX")"
  ROOTFS_DIR="$dir"
  t0=$SECONDS
  log "debootstrap $SUITE + $PACKAGES from $mirror (log $CACHE_DIR/debootstrap.log)"
  # --foreign first, so policy-rc.d is in place before any postinst runs: the
  # postgresql postinst must not start a server inside the chroot.
  debootstrap --foreign --variant=minbase --include="$PACKAGES" "${keyring[@]}" \
    "$SUITE" "$dir" "$mirror" >"$CACHE_DIR/debootstrap.log" 2>&1 ||
    fail "debootstrap (stage 1) failed: $(tail -n 2 "$CACHE_DIR/debootstrap.log" | tr '\n' ' ')"
  mkdir -p "$dir/usr/sbin"
  printf '#!/bin/sh\nexit 101\n' >"$dir/usr/sbin/policy-rc.d"
  chmod 755 "$dir/usr/sbin/policy-rc.d"
  chroot "$dir" /debootstrap/debootstrap --second-stage >>"$CACHE_DIR/debootstrap.log" 2>&1 ||
    fail "debootstrap (stage 2) failed: $(tail -n 2 "$CACHE_DIR/debootstrap.log" | tr '\n' ' ')"
  log "debootstrap done in $((SECONDS - t0))s"

  # en_US.UTF-8 like the official image (locales comes in as a dependency)
  chroot "$dir" localedef -i en_US -c -f UTF-8 -A /usr/share/locale/locale.alias en_US.UTF-8 \
    >>"$CACHE_DIR/debootstrap.log" 2>&1 || fail "localedef en_US.UTF-8 failed"

  # Debian's postinst created a "main" cluster: not wanted in the image
  chroot "$dir" sh -c 'pg_dropcluster 15 main 2>/dev/null || true' >>"$CACHE_DIR/debootstrap.log" 2>&1
  rm -rf "$dir/etc/postgresql/15/main" "$dir/var/lib/postgresql/15"
  mkdir -p "$dir/var/lib/postgresql/data" "$dir/var/run/postgresql" "$dir/docker-entrypoint-initdb.d"
  chroot "$dir" chown -R postgres:postgres /var/lib/postgresql /var/run/postgresql
  chmod 700 "$dir/var/lib/postgresql/data"
  chmod 3777 "$dir/var/run/postgresql"

  # slim down
  rm -f "$dir/usr/sbin/policy-rc.d"
  rm -rf "$dir"/var/cache/apt/* "$dir"/var/lib/apt/lists/* "$dir"/var/cache/debconf/*-old \
    "$dir"/usr/share/doc/* "$dir"/usr/share/man/* "$dir"/usr/share/info/* \
    "$dir"/usr/share/lintian "$dir"/var/log/* "$dir"/tmp/* "$dir"/debootstrap
  find "$dir/usr/share/locale" -mindepth 1 -maxdepth 1 ! -name locale.alias -exec rm -rf {} + 2>/dev/null || true
  # anything debootstrap left mounted (proc, sys, ...) must go before tar
  cleanup_mounts "$dir"

  tar --numeric-owner -C "$dir" --exclude='./dev/*' --exclude='./proc/*' --exclude='./sys/*' \
    -cf "$ROOTFS_TAR.tmp" . || fail "tar of rootfs failed"
  mv "$ROOTFS_TAR.tmp" "$ROOTFS_TAR"
  log "cached rootfs $ROOTFS_TAR ($(du -h "$ROOTFS_TAR" | cut -f1))"
}

cleanup_mounts() {
  local dir="$1"
  # deepest first
  awk -v d="$dir" '$2 == d || index($2, d "/") == 1 { print $2 }' /proc/mounts | sort -r |
    while IFS= read -r m; do umount -l "$m" 2>/dev/null || true; done
}

ROOTFS_DIR=""
WORK_DIR=""
cleanup() {
  if [ -n "$ROOTFS_DIR" ] && [ -d "$ROOTFS_DIR" ]; then
    cleanup_mounts "$ROOTFS_DIR"
    rm -rf --one-file-system "$ROOTFS_DIR"
  fi
  rm -f "$ROOTFS_TAR.tmp"
  [ -n "$WORK_DIR" ] && rm -rf "$WORK_DIR"
  return 0
}
trap cleanup EXIT

t_start=$SECONDS
if [ ! -s "$ROOTFS_TAR" ]; then
  build_rootfs
  cleanup
  ROOTFS_DIR=""
else
  log "using cached rootfs $ROOTFS_TAR"
fi

# --------------------------------------------------- add entrypoint + import
WORK_DIR="$(mktemp -d "$CACHE_DIR/import.XXXXXX")"
work="$WORK_DIR"
cp "$ROOTFS_TAR" "$work/image.tar"
mkdir -p "$work/add/usr/local/bin"
printf '%s\n' "$ENTRYPOINT" >"$work/add/usr/local/bin/docker-entrypoint.sh"
chmod 755 "$work/add/usr/local/bin/docker-entrypoint.sh"
tar --numeric-owner --owner=0 --group=0 -C "$work/add" -rf "$work/image.tar" ./usr/local/bin/docker-entrypoint.sh

change_args=()
for c in "${IMPORT_CHANGES[@]}" "LABEL rehearse.recipe=$RECIPE"; do
  change_args+=(--change "$c")
done
docker import "${change_args[@]}" --message "rehearse postgres 15 (debootstrap $SUITE)" \
  "$work/image.tar" "$IMAGE" >/dev/null || fail "docker import failed"
# drop the image this one replaced (ignored while a container still uses it)
if [ -n "$old_id" ]; then docker rmi "$old_id" >/dev/null 2>&1 || true; fi
log "built $IMAGE (recipe $RECIPE) in $((SECONDS - t_start))s"
