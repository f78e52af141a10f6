#!/usr/bin/env bash
# Builds the container images the database tests run in container mode, without any registry:
# a small root filesystem made of this machine's Debian binaries (PostgreSQL 15, Redis), turned
# into an image with `docker import`. They follow the official images' contract (POSTGRES_USER,
# POSTGRES_PASSWORD, data in /var/lib/postgresql/data; redis-server with data in /data), so the
# same devstack code runs the official images. Idempotent: an existing image is kept.
set -euo pipefail
RUNTIME="${CONTAINER_RUNTIME:-docker}"
POSTGRES_IMAGE=devstack-test/postgres:15
REDIS_IMAGE=devstack-test/redis:7

have_image() { "$RUNTIME" image inspect "$1" >/dev/null 2>&1; }

# Copies files and every shared library they load into the root filesystem $1, at the same paths.
copy_with_libs() {
  local root=$1; shift
  local file lib
  for file in "$@"; do
    mkdir -p "$root$(dirname "$file")"
    cp -L "$file" "$root$file"
    for lib in $(ldd "$file" 2>/dev/null | grep -o '/[^ ]*' | sort -u); do
      [ -e "$root$lib" ] && continue
      mkdir -p "$root$(dirname "$lib")"
      cp -L "$lib" "$root$lib"
    done
  done
}

base_rootfs() {
  local root=$1 user=$2 home=$3
  mkdir -p "$root"/{etc,tmp,bin,usr/bin}
  chmod 1777 "$root/tmp"
  copy_with_libs "$root" /bin/sh /bin/rm /bin/cat /bin/mkdir
  printf 'root:x:0:0:root:/root:/bin/sh\n%s:x:999:999::%s:/bin/sh\n' "$user" "$home" > "$root/etc/passwd"
  printf 'root:x:0:\n%s:x:999:\n' "$user" > "$root/etc/group"
}

build_postgres() {
  local root; root=$(mktemp -d)
  base_rootfs "$root" postgres /var/lib/postgresql
  local pg=/usr/lib/postgresql/15
  copy_with_libs "$root" "$pg"/bin/postgres "$pg"/bin/initdb "$pg"/bin/pg_ctl
  mkdir -p "$root$pg/lib" "$root/usr/share/postgresql"
  cp -a "$pg/lib/." "$root$pg/lib/"
  for lib in "$pg"/lib/*.so; do copy_with_libs "$root" "$lib"; done
  cp -a /usr/share/postgresql/15 "$root/usr/share/postgresql/"
  mkdir -p "$root/usr/share/zoneinfo" && cp -a /usr/share/zoneinfo/. "$root/usr/share/zoneinfo/"
  mkdir -p "$root/var/lib/postgresql/data" "$root/var/run/postgresql"
  chown -R 999:999 "$root/var/lib/postgresql" "$root/var/run/postgresql"
  chmod 700 "$root/var/lib/postgresql/data"
  cat > "$root/docker-entrypoint.sh" <<'SH'
#!/bin/sh
# Like the official image: initialise on first start from POSTGRES_USER / POSTGRES_PASSWORD, accept
# password logins from any address (the port is published on 127.0.0.1 only), then become postgres.
set -e
PGDATA=/var/lib/postgresql/data
if [ ! -s "$PGDATA/PG_VERSION" ]; then
  echo "$POSTGRES_PASSWORD" > /tmp/pwfile
  initdb -D "$PGDATA" -U "${POSTGRES_USER:-postgres}" --pwfile=/tmp/pwfile --auth=scram-sha-256 --encoding=UTF8 --locale=C
  rm -f /tmp/pwfile
  echo "host all all all scram-sha-256" >> "$PGDATA/pg_hba.conf"
fi
exec postgres -D "$PGDATA" -c listen_addresses='*'
SH
  chmod 755 "$root/docker-entrypoint.sh"
  tar --numeric-owner -C "$root" -c . | "$RUNTIME" import \
    --change 'USER postgres' \
    --change "ENV PATH=$pg/bin:/usr/bin:/bin" \
    --change 'ENV TZ=UTC' \
    --change 'EXPOSE 5432' \
    --change 'ENTRYPOINT ["/docker-entrypoint.sh"]' \
    - "$POSTGRES_IMAGE" >/dev/null
  rm -rf "$root"
}

build_redis() {
  local root; root=$(mktemp -d)
  base_rootfs "$root" redis /data
  copy_with_libs "$root" "$(readlink -f /usr/bin/redis-server)"
  cp -L /usr/bin/redis-server "$root/usr/bin/redis-server"
  mkdir -p "$root/data" && chown 999:999 "$root/data"
  tar --numeric-owner -C "$root" -c . | "$RUNTIME" import \
    --change 'USER redis' \
    --change 'WORKDIR /data' \
    --change 'EXPOSE 6379' \
    --change 'CMD ["redis-server"]' \
    - "$REDIS_IMAGE" >/dev/null
  rm -rf "$root"
}

have_image "$POSTGRES_IMAGE" || build_postgres
have_image "$REDIS_IMAGE" || build_redis
echo "test images: $POSTGRES_IMAGE, $REDIS_IMAGE"
