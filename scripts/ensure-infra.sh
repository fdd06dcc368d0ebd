#!/usr/bin/env bash
# Make sure RabbitMQ (with its management API), PostgreSQL and MariaDB (the provincial front database
# of the exchange, root without password over TCP) answer on 127.0.0.1.
# Starts them when they are installed but stopped; installs them (Debian packages) when missing.
# Prints the PostgreSQL admin URL to use on its last line.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"

SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"

port_open() { (exec 3<>"/dev/tcp/${2:-127.0.0.1}/$1") 2>/dev/null; }   # port_open <port> [host]
wait_for() {  # wait_for <seconds> <command...>
  local deadline=$((SECONDS + $1)); shift
  until "$@"; do
    [ $SECONDS -lt $deadline ] || return 1
    sleep 1
  done
}
mgmt_up() {
  python3 - <<'PY' 2>/dev/null
import base64, urllib.request
req = urllib.request.Request("http://127.0.0.1:15672/api/overview",
                             headers={"Authorization": "Basic " + base64.b64encode(b"guest:guest").decode()})
urllib.request.urlopen(req, timeout=3).read()
PY
}
apt_install() {
  echo "installing $* ..." >&2
  $SUDO apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "$@" >&2
}

# --- RabbitMQ
if ! port_open 5672; then
  command -v rabbitmq-server >/dev/null || apt_install rabbitmq-server
  echo "starting RabbitMQ ..." >&2
  $SUDO rabbitmq-server -detached >&2 || true
  wait_for 90 port_open 5672 || { echo "RabbitMQ did not start" >&2; exit 1; }
fi
if ! mgmt_up; then
  echo "enabling the RabbitMQ management plugin ..." >&2
  $SUDO rabbitmq-plugins enable rabbitmq_management >&2
  wait_for 60 mgmt_up || { echo "RabbitMQ management API did not come up" >&2; exit 1; }
fi

# --- Chromium and a Chinese font, for the browser tests of web/ (Playwright drives this Chromium and
# downloads no browser of its own; tests/web fails with the reason when it is missing) and the
# flowchart screenshot
if ! command -v chromium >/dev/null || ! fc-list :lang=zh 2>/dev/null | grep -q .; then
  apt_install chromium fonts-noto-cjk || echo "chromium / fonts-noto-cjk not installed" >&2
fi
# --- the TrueType CJK font the PDFs embed (licences, window documents, one-time notification lists);
# fonts-noto-cjk has CFF outlines that reportlab cannot embed
if [ ! -e /usr/share/fonts/truetype/wqy/wqy-microhei.ttc ]; then
  apt_install fonts-wqy-microhei || echo "fonts-wqy-microhei not installed" >&2
fi

# --- MariaDB: the provincial front database (前置库) the exchange pushes to, in tests and the local run.
# Its address is MARIADB_ADMIN_URL's (default mysql+pymysql://root@127.0.0.1:3306/). When nothing answers
# there, a server of its own is started on that port: its datadir is MARIADB_DATADIR (default
# var/mariadb-<port> in the checkout), made by mariadb-install-db when empty (root without password),
# and mariadbd runs with --no-defaults (the machine's my.cnf, socket and datadir are never touched),
# bound to 127.0.0.1, its socket, pid file (mariadbd.pid) and log (mariadbd.err) in the datadir.
# `scripts/ensure-infra.sh mariadb` does only this and prints the admin URL.
ensure_mariadb() {
  local url="${MARIADB_ADMIN_URL:-mysql+pymysql://root@127.0.0.1:3306/}" host port datadir user=()
  [[ "$url" =~ @([^:/?]+)(:([0-9]+))? ]] || { echo "cannot read host and port of $url" >&2; return 1; }
  host="${BASH_REMATCH[1]}"; port="${BASH_REMATCH[3]:-3306}"
  [ "$host" = localhost ] && host=127.0.0.1
  maria_ok() { mariadb --no-defaults --protocol=TCP -h"$host" -P"$port" -uroot -e "SELECT 1" >/dev/null 2>&1; }
  if ! port_open "$port" "$host"; then
    [ "$host" = 127.0.0.1 ] || { echo "nothing answers on $host:$port (MARIADB_ADMIN_URL)" >&2; return 1; }
    [ -x /usr/sbin/mariadbd ] && command -v mariadb-install-db >/dev/null || apt_install mariadb-server mariadb-client
    datadir="${MARIADB_DATADIR:-$ROOT/var/mariadb-$port}"
    mkdir -p "$datadir"
    [ "$(id -u)" -eq 0 ] && user=(--user=root)    # mariadbd runs as root only when told so
    if [ ! -d "$datadir/mysql" ]; then
      echo "initialising a MariaDB datadir in $datadir ..." >&2
      mariadb-install-db --no-defaults "${user[@]}" --datadir="$datadir" --auth-root-authentication-method=normal \
        --skip-test-db >"$datadir/install.log" 2>&1 || { cat "$datadir/install.log" >&2; return 1; }
    fi
    echo "starting MariaDB on 127.0.0.1:$port (datadir $datadir) ..." >&2
    nohup setsid /usr/sbin/mariadbd --no-defaults "${user[@]}" --datadir="$datadir" --port="$port" \
      --bind-address=127.0.0.1 --socket="$datadir/mariadbd.sock" --pid-file="$datadir/mariadbd.pid" \
      --log-error="$datadir/mariadbd.err" --character-set-server=utf8mb4 --collation-server=utf8mb4_general_ci \
      --innodb-buffer-pool-size=64M >/dev/null 2>&1 < /dev/null &
    wait_for 60 port_open "$port" 127.0.0.1 || { echo "MariaDB did not start:" >&2; tail -20 "$datadir/mariadbd.err" >&2; return 1; }
    # root over TCP from 127.0.0.1 without password, as the tests and the local run expect
    mariadb --no-defaults -S "$datadir/mariadbd.sock" -uroot -e "CREATE USER IF NOT EXISTS 'root'@'127.0.0.1';
      GRANT ALL PRIVILEGES ON *.* TO 'root'@'127.0.0.1' WITH GRANT OPTION; FLUSH PRIVILEGES;" >&2 || true
  fi
  if ! wait_for 20 maria_ok; then
    # the machine's own server after a fresh install lets root in only through its socket: let it in
    # over TCP without password (MARIADB_ADMIN_URL names another account otherwise)
    $SUDO mariadb -uroot -e "ALTER USER 'root'@'localhost' IDENTIFIED VIA mysql_native_password USING PASSWORD('') OR unix_socket; FLUSH PRIVILEGES;" >&2 || true
    maria_ok || echo "cannot connect to MariaDB as root over TCP on $host:$port; set MARIADB_ADMIN_URL" >&2
  fi
  echo "$url"
}
if [ "${1:-}" = mariadb ]; then
  ensure_mariadb
  exit
fi
ensure_mariadb >/dev/null

# --- PostgreSQL
if ! port_open 5432; then
  command -v pg_ctlcluster >/dev/null || apt_install postgresql
  echo "starting PostgreSQL ..." >&2
  $SUDO pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | sort -V | tail -1)" main start >&2
  wait_for 60 port_open 5432 || { echo "PostgreSQL did not start" >&2; exit 1; }
fi
pg_ok() { PGCONNECT_TIMEOUT=3 psql "$1" -tAc "SELECT 1" >/dev/null 2>&1; }
URL="${TEST_PG_URL:-postgresql://postgres@127.0.0.1:5432/postgres}"
if ! pg_ok "$URL"; then
  # A fresh Debian cluster asks for a password over TCP: give the postgres role one.
  URL="postgresql://postgres:postgres@127.0.0.1:5432/postgres"
  if ! pg_ok "$URL"; then
    $SUDO su postgres -c "psql -qc \"ALTER USER postgres PASSWORD 'postgres'\"" >&2
    pg_ok "$URL" || { echo "cannot connect to PostgreSQL as postgres" >&2; exit 1; }
  fi
fi
echo "$URL"
