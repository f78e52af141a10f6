#!/usr/bin/env bash
# Builds the container images the database tests run in container mode, without any registry:
# a small root filesystem made of this machine's Debian binaries (PostgreSQL 15, Redis, MariaDB), turned
# into an image with `docker import`. They follow the official images' contract (POSTGRES_USER,
# POSTGRES_PASSWORD, data in /var/lib/postgresql/data; redis-server with data in /data;
# MYSQL_ROOT_PASSWORD and MYSQL_DATABASE, data in /var/lib/mysql), so the
# same devstack code runs the official images — and so does the example stack's exported Compose
# file (healthcheck tools: pg_isready, redis-cli, rabbitmq-diagnostics; Postgres runs
# /docker-entrypoint-initdb.d and creates POSTGRES_DB; the service image has npm). Idempotent: an
# image of the current IMAGES_VERSION (a label) is kept; an older one is rebuilt.
set -euo pipefail
RUNTIME="${CONTAINER_RUNTIME:-docker}"
POSTGRES_IMAGE=devstack-test/postgres:15
REDIS_IMAGE=devstack-test/redis:7
MARIADB_IMAGE=devstack-test/mariadb:10.11
RABBITMQ_IMAGE=devstack-test/rabbitmq:3
# A generic image for container services: a shell and a tiny TCP/HTTP server (busybox-free: Debian's
# `nc` is not in the base system, so it is Node's own binary with a one-file server).
SERVICE_IMAGE=devstack-test/echo:1
# Bump when an image's content changes: machines that built an older one build it again.
IMAGES_VERSION=2
LABEL="devstack.test-images=$IMAGES_VERSION"

have_image() {
  [ "$("$RUNTIME" image inspect --format '{{ index .Config.Labels "devstack.test-images" }}' "$1" 2>/dev/null)" = "$IMAGES_VERSION" ]
}

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
  copy_with_libs "$root" "$pg"/bin/postgres "$pg"/bin/initdb "$pg"/bin/pg_ctl "$pg"/bin/pg_isready "$pg"/bin/psql
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
USER_NAME="${POSTGRES_USER:-postgres}"
if [ ! -s "$PGDATA/PG_VERSION" ]; then
  echo "$POSTGRES_PASSWORD" > /tmp/pwfile
  initdb -D "$PGDATA" -U "$USER_NAME" --pwfile=/tmp/pwfile --auth=scram-sha-256 --encoding=UTF8 --locale=C
  rm -f /tmp/pwfile
  echo "host all all all scram-sha-256" >> "$PGDATA/pg_hba.conf"
  # POSTGRES_DB and the init scripts, on a server that listens on its socket only, as the official image does.
  pg_ctl -D "$PGDATA" -o "-c listen_addresses='' -c unix_socket_directories=/tmp" -w start >/dev/null
  export PGPASSWORD="$POSTGRES_PASSWORD"
  DB="${POSTGRES_DB:-$USER_NAME}"
  if [ "$DB" != "postgres" ]; then psql -h /tmp -U "$USER_NAME" -d postgres -v ON_ERROR_STOP=1 -q -c "CREATE DATABASE \"$DB\""; fi
  for script in /docker-entrypoint-initdb.d/*.sql; do
    [ -e "$script" ] || continue
    echo "running $script"
    psql -h /tmp -U "$USER_NAME" -d "$DB" -v ON_ERROR_STOP=1 -q -f "$script"
  done
  pg_ctl -D "$PGDATA" -m fast -w stop >/dev/null
fi
exec postgres -D "$PGDATA" -c listen_addresses='*'
SH
  chmod 755 "$root/docker-entrypoint.sh"
  tar --numeric-owner -C "$root" -c . | "$RUNTIME" import \
    --change "LABEL $LABEL" \
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
  copy_with_libs "$root" "$(readlink -f /usr/bin/redis-server)" /usr/bin/redis-cli /bin/grep
  cp -L /usr/bin/redis-server "$root/usr/bin/redis-server"
  mkdir -p "$root/data" && chown 999:999 "$root/data"
  tar --numeric-owner -C "$root" -c . | "$RUNTIME" import \
    --change "LABEL $LABEL" \
    --change 'USER redis' \
    --change 'WORKDIR /data' \
    --change 'EXPOSE 6379' \
    --change 'CMD ["redis-server"]' \
    - "$REDIS_IMAGE" >/dev/null
  rm -rf "$root"
}

build_mariadb() {
  local root; root=$(mktemp -d)
  base_rootfs "$root" mysql /var/lib/mysql
  copy_with_libs "$root" /usr/sbin/mariadbd /usr/bin/my_print_defaults /usr/bin/resolveip /bin/hostname \
    /usr/bin/install /bin/chown /bin/chmod /usr/bin/dirname /bin/sed /usr/bin/find /bin/uname "$(readlink -f /usr/bin/awk)"
  ln -s "$(readlink -f /usr/bin/awk)" "$root/usr/bin/awk"
  cp /usr/bin/mariadb-install-db "$root/usr/bin/"
  mkdir -p "$root/usr/share/mysql" "$root/usr/lib/mysql"
  cp -a /usr/share/mysql/. "$root/usr/share/mysql/"
  [ -d /usr/lib/mysql/plugin ] && cp -a /usr/lib/mysql/plugin "$root/usr/lib/mysql/"
  mkdir -p "$root/var/lib/mysql" && chown 999:999 "$root/var/lib/mysql" && chmod 700 "$root/var/lib/mysql"
  cat > "$root/docker-entrypoint.sh" <<'SH'
#!/bin/sh
# Like the official image: initialise on first start, then root (from MYSQL_ROOT_PASSWORD) may log in
# from any address (the port is published on 127.0.0.1 only) and MYSQL_DATABASE exists.
set -e
DATA=/var/lib/mysql
if [ ! -d "$DATA/mysql" ]; then
  mariadb-install-db --no-defaults --datadir="$DATA" --auth-root-authentication-method=normal --skip-test-db >/dev/null
fi
cat > /tmp/init.sql <<SQL
ALTER USER 'root'@'localhost' IDENTIFIED BY '$MYSQL_ROOT_PASSWORD';
CREATE USER IF NOT EXISTS 'root'@'%' IDENTIFIED BY '$MYSQL_ROOT_PASSWORD';
GRANT ALL PRIVILEGES ON *.* TO 'root'@'%' WITH GRANT OPTION;
CREATE DATABASE IF NOT EXISTS \`${MYSQL_DATABASE:-app}\`;
SQL
exec mariadbd --no-defaults --datadir="$DATA" --port=3306 --bind-address=0.0.0.0 --skip-name-resolve --socket=/tmp/mysqld.sock --init-file=/tmp/init.sql
SH
  chmod 755 "$root/docker-entrypoint.sh"
  tar --numeric-owner -C "$root" -c . | "$RUNTIME" import \
    --change "LABEL $LABEL" \
    --change 'USER mysql' \
    --change 'EXPOSE 3306' \
    --change 'ENTRYPOINT ["/docker-entrypoint.sh"]' \
    - "$MARIADB_IMAGE" >/dev/null
  rm -rf "$root"
}

build_rabbitmq() {
  local root; root=$(mktemp -d)
  base_rootfs "$root" rabbitmq /var/lib/rabbitmq
  copy_with_libs "$root" /usr/bin/env /usr/bin/dirname /usr/bin/basename /usr/bin/readlink /usr/bin/realpath /usr/bin/expr /bin/date /usr/bin/printf /bin/sed /bin/grep /bin/df
  mkdir -p "$root/usr/lib"
  cp -a /usr/lib/erlang "$root/usr/lib/" && cp -a /usr/lib/rabbitmq "$root/usr/lib/"
  ln -s ../lib/erlang/bin/erl "$root/usr/bin/erl"
  # Every program and native library of Erlang/OTP, with what they load.
  while IFS= read -r -d '' elf; do copy_with_libs "$root" "$elf"; done < <(find /usr/lib/erlang -type f \( -perm -u+x -o -name '*.so' \) -print0)
  mkdir -p "$root/var/lib/rabbitmq" && chown 999:999 "$root/var/lib/rabbitmq"
  cat > "$root/docker-entrypoint.sh" <<'SH'
#!/bin/sh
# Like the official image: RABBITMQ_DEFAULT_USER / RABBITMQ_DEFAULT_PASS on first start, listening on
# every address of the container (the port is published on 127.0.0.1 only), logs on the console.
set -e
cat > /tmp/rabbitmq.conf <<CONF
default_user = ${RABBITMQ_DEFAULT_USER:-guest}
default_pass = ${RABBITMQ_DEFAULT_PASS:-guest}
loopback_users = none
log.console = true
log.file = false
CONF
export HOME=/var/lib/rabbitmq RABBITMQ_CONFIG_FILE=/tmp/rabbitmq.conf RABBITMQ_MNESIA_BASE=/var/lib/rabbitmq/mnesia
export RABBITMQ_LOG_BASE=/tmp RABBITMQ_ENABLED_PLUGINS_FILE=/tmp/enabled_plugins RABBITMQ_CONF_ENV_FILE=/tmp/rabbitmq-env.conf
echo '[].' > /tmp/enabled_plugins
exec /usr/lib/rabbitmq/bin/rabbitmq-server
SH
  chmod 755 "$root/docker-entrypoint.sh"
  tar --numeric-owner -C "$root" -c . | "$RUNTIME" import \
    --change "LABEL $LABEL" \
    --change 'USER rabbitmq' \
    --change 'ENV PATH=/usr/lib/rabbitmq/bin:/usr/lib/erlang/bin:/usr/bin:/bin' \
    --change 'ENV HOME=/var/lib/rabbitmq' \
    --change 'EXPOSE 5672' \
    --change 'ENTRYPOINT ["/docker-entrypoint.sh"]' \
    - "$RABBITMQ_IMAGE" >/dev/null
  rm -rf "$root"
}

build_service() {
  local root; root=$(mktemp -d)
  base_rootfs "$root" app /app
  copy_with_libs "$root" "$(readlink -f "$(command -v node)")"
  mkdir -p "$root/usr/local/bin" "$root/app" "$root/data"
  cp -L "$(readlink -f "$(command -v node)")" "$root/usr/local/bin/node"
  # npm, for services whose command is an npm script (the example's web: npm run dev).
  local npm; npm=$(dirname "$(dirname "$(readlink -f "$(command -v npm)")")")
  mkdir -p "$root/usr/local/lib/node_modules" && cp -a "$npm" "$root/usr/local/lib/node_modules/npm"
  ln -s ../lib/node_modules/npm/bin/npm-cli.js "$root/usr/local/bin/npm"
  copy_with_libs "$root" /usr/bin/env
  chown 999:999 "$root/data"
  cat > "$root/app/server.js" <<'JS'
// Answers /health, echoes its environment's GREETING, counts visits in /data/visits (a volume).
const { createServer } = require('node:http');
const { readFileSync, writeFileSync } = require('node:fs');
const port = Number(process.env.LISTEN_PORT ?? 8080);
createServer((request, response) => {
  if (request.url === '/health') return response.end('ok');
  let visits = 0;
  try { visits = Number(readFileSync('/data/visits', 'utf8')); } catch {}
  writeFileSync('/data/visits', String(visits + 1));
  response.end(`${process.env.GREETING ?? 'hello'} visits=${visits + 1}`);
}).listen(port, '0.0.0.0', () => console.log(`echo listening on ${port}`));
process.on('SIGTERM', () => { console.log('echo got SIGTERM'); process.exit(0); });
JS
  tar --numeric-owner -C "$root" -c . | "$RUNTIME" import \
    --change "LABEL $LABEL" \
    --change 'USER app' \
    --change 'ENV PATH=/usr/local/bin:/usr/bin:/bin' \
    --change 'WORKDIR /app' \
    --change 'EXPOSE 8080' \
    --change 'CMD ["/usr/local/bin/node", "/app/server.js"]' \
    - "$SERVICE_IMAGE" >/dev/null
  rm -rf "$root"
}

have_image "$POSTGRES_IMAGE" || build_postgres
have_image "$REDIS_IMAGE" || build_redis
if command -v mariadbd >/dev/null || [ -x /usr/sbin/mariadbd ]; then
  have_image "$MARIADB_IMAGE" || build_mariadb
fi
if [ -x /usr/lib/rabbitmq/bin/rabbitmq-server ]; then
  have_image "$RABBITMQ_IMAGE" || build_rabbitmq
fi
have_image "$SERVICE_IMAGE" || build_service
echo "test images: $POSTGRES_IMAGE, $REDIS_IMAGE, $MARIADB_IMAGE, $RABBITMQ_IMAGE, $SERVICE_IMAGE"
