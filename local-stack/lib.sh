# shellcheck shell=bash
# Shared by local-stack/up, down, test and token: sourced, never run.
#
# Knows where things live (repo root, local-stack/.run), how to install what a fresh Debian 12
# machine lacks (apt-get, as root), how to make sure PostgreSQL and NATS with JetStream answer on
# 127.0.0.1:5432 and :4222, and how to start and stop our own background processes by pid file.

TL_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TL_RUN="$TL_ROOT/local-stack/.run"
TL_PG_PORT=5432
TL_NATS_PORT=4222
TL_NATS_STORE=/var/lib/nats-server
TL_DATABASE=threadline

if [[ -t 2 ]]; then TL_BOLD=$'\033[1m' TL_RED=$'\033[1;31m' TL_PLAIN=$'\033[0m'; else TL_BOLD='' TL_RED='' TL_PLAIN=''; fi
tl_say() { printf '%s[local-stack]%s %s\n' "$TL_BOLD" "$TL_PLAIN" "$*" >&2; }
tl_die() { printf '%s[local-stack] error:%s %s\n' "$TL_RED" "$TL_PLAIN" "$*" >&2; exit 1; }

# True when something accepts TCP connections on 127.0.0.1:$1.
tl_port_open() {
  (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# Waits up to $2 seconds for port $1 to accept connections.
tl_wait_port() {
  local port=$1 seconds=$2 i
  for ((i = 0; i < seconds * 5; i++)); do
    tl_port_open "$port" && return 0
    sleep 0.2
  done
  return 1
}

TL_APT_UPDATED=${TL_APT_UPDATED:-}

# Installs Debian packages that are not installed yet; `apt-get update` once per script run.
tl_apt_install() {
  local missing=() package
  for package in "$@"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'install ok installed' || missing+=("$package")
  done
  ((${#missing[@]} == 0)) && return 0
  [[ $(id -u) == 0 ]] || tl_die "need root to install: ${missing[*]} (or install them yourself)"
  if [[ -z $TL_APT_UPDATED ]]; then
    tl_say "apt-get update"
    DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null
    TL_APT_UPDATED=1
  fi
  tl_say "installing ${missing[*]}"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

TL_JAVA_RELEASE=25

# Points JAVA_HOME and PATH at a JDK $TL_JAVA_RELEASE or newer: $JAVA_HOME if it is one, else the
# newest under /usr/lib/jvm (this project's machines carry Temurin 25 there beside Debian's 17).
# The relay works each run on a virtual thread, which needs Java 21+; 25 no longer pins a virtual
# thread to its carrier inside `synchronized`, which JDBC drivers and jnats still use.
tl_select_java() {
  local candidate version
  for candidate in "${JAVA_HOME:-}" $(ls -d /usr/lib/jvm/*/ 2>/dev/null | sort -rV); do
    candidate=${candidate%/}
    [[ -n $candidate && -x $candidate/bin/javac ]] || continue
    version=$("$candidate/bin/java" -XshowSettings:properties -version 2>&1 |
      sed -n 's/^ *java.specification.version = //p')
    if [[ -n $version && $version -ge $TL_JAVA_RELEASE ]]; then
      export JAVA_HOME=$candidate
      export PATH="$JAVA_HOME/bin:$PATH"
      # Maven 3.8's own Guava warns on every start under Java 24+; the warning is not ours
      [[ ${MAVEN_OPTS:-} == *sun-misc-unsafe* ]] || export MAVEN_OPTS="${MAVEN_OPTS:-} --sun-misc-unsafe-memory-access=allow"
      return 0
    fi
  done
  return 1
}

# Java $TL_JAVA_RELEASE+ and Maven, for building and running the jars.
tl_ensure_build_tools() {
  tl_select_java || tl_die "need a JDK $TL_JAVA_RELEASE or newer (none in \$JAVA_HOME or /usr/lib/jvm): install one (Temurin $TL_JAVA_RELEASE) and set JAVA_HOME"
  command -v mvn >/dev/null || tl_apt_install maven
}

# Debian's docker-compose (1.29): the system tests validate local-stack/docker-compose.yml with
# `docker-compose config`, which needs no Docker engine (ComposeFileTest).
tl_ensure_compose_parser() {
  command -v docker-compose >/dev/null || tl_apt_install docker-compose
}

tl_psql() {
  psql -h 127.0.0.1 -p "$TL_PG_PORT" -U postgres -w -X -q -v ON_ERROR_STOP=1 "$@"
}

# PostgreSQL on 127.0.0.1:5432 that lets `postgres` in without a password (the contract's default).
# Skipped when DATASOURCES_DEFAULT_URL is set: then that database is yours to provide.
tl_ensure_postgres() {
  if [[ -n ${DATASOURCES_DEFAULT_URL:-} ]]; then
    tl_say "DATASOURCES_DEFAULT_URL is set: using that database as it is"
    return 0
  fi
  if ! tl_port_open "$TL_PG_PORT"; then
    command -v pg_ctlcluster >/dev/null || tl_apt_install postgresql
    tl_apt_install postgresql-client
    local version
    version=$(ls /etc/postgresql 2>/dev/null | sort -V | tail -n 1)
    if [[ -z $version ]]; then
      version=$(ls /usr/lib/postgresql | sort -V | tail -n 1)
      tl_say "creating PostgreSQL $version cluster 'main'"
      pg_createcluster "$version" main >/dev/null
    fi
    tl_say "starting PostgreSQL $version"
    pg_ctlcluster --skip-systemctl-redirect "$version" main start
    mkdir -p "$TL_RUN" && echo "$version" >"$TL_RUN/started-postgres"
    tl_wait_port "$TL_PG_PORT" 30 || tl_die "PostgreSQL did not open port $TL_PG_PORT (see /var/log/postgresql/)"
  fi
  command -v psql >/dev/null || tl_apt_install postgresql-client
  tl_wait_pg_login 5 || tl_allow_loopback_trust
}

tl_wait_pg_login() {
  local i
  for ((i = 0; i < $1 * 2; i++)); do
    tl_psql -d postgres -c 'select 1' >/dev/null 2>&1 && return 0
    sleep 0.5
  done
  return 1
}

# A fresh Debian cluster asks for passwords on 127.0.0.1; the jars connect as postgres with none.
tl_allow_loopback_trust() {
  local hba
  hba=$(ls /etc/postgresql/*/main/pg_hba.conf 2>/dev/null | sort -V | tail -n 1)
  [[ -n $hba && $(id -u) == 0 ]] ||
    tl_die "cannot log in to PostgreSQL on 127.0.0.1 as postgres without a password; allow it (trust) or set DATASOURCES_DEFAULT_*"
  tl_say "allowing passwordless loopback logins in $hba (development machine)"
  sed -i.threadline-backup '1i host all all 127.0.0.1/32 trust\nhost all all ::1/128 trust' "$hba"
  runuser -u postgres -- psql -X -q -c 'select pg_reload_conf()' >/dev/null
  tl_wait_pg_login 10 || tl_die "still cannot log in to PostgreSQL as postgres on 127.0.0.1"
}

tl_ensure_database() {
  [[ -n ${DATASOURCES_DEFAULT_URL:-} ]] && return 0
  if [[ -z $(tl_psql -d postgres -tA -c "select 1 from pg_database where datname = '$TL_DATABASE'") ]]; then
    tl_say "creating database $TL_DATABASE"
    tl_psql -d postgres -c "create database $TL_DATABASE"
  fi
}

# nats-server with JetStream on 127.0.0.1:4222. Skipped when NATS_URL is set.
tl_ensure_nats() {
  if [[ -n ${NATS_URL:-} ]]; then
    tl_say "NATS_URL is set: using that NATS as it is"
    return 0
  fi
  tl_port_open "$TL_NATS_PORT" && return 0
  [[ -x /usr/sbin/nats-server ]] || tl_apt_install nats-server
  mkdir -p "$TL_NATS_STORE" "$TL_RUN"
  tl_say "starting nats-server with JetStream"
  start-stop-daemon --start --oknodo --background \
    --make-pidfile --pidfile "$TL_RUN/nats-server.pid" \
    --exec /usr/sbin/nats-server -- \
    -a 127.0.0.1 -p "$TL_NATS_PORT" -js -sd "$TL_NATS_STORE" -l /var/log/nats-server.log
  echo started >"$TL_RUN/started-nats"
  tl_wait_port "$TL_NATS_PORT" 20 || tl_die "nats-server did not open port $TL_NATS_PORT (see /var/log/nats-server.log)"
}

# The pid recorded for $1 under .run, if that process is still alive.
tl_running_pid() {
  local file="$TL_RUN/$1.pid" pid
  [[ -f $file ]] || return 1
  pid=$(<"$file")
  [[ -n $pid ]] && kill -0 "$pid" 2>/dev/null && echo "$pid"
}

# tl_start NAME PORT COMMAND...: starts COMMAND in the background (its own session), logs to
# .run/NAME.log, records .run/NAME.pid. Does nothing when NAME already runs; refuses a taken port.
tl_start() {
  local name=$1 port=$2
  shift 2
  local pid
  if pid=$(tl_running_pid "$name"); then
    tl_say "$name already running (pid $pid, port $port)"
    return 0
  fi
  tl_port_open "$port" && tl_die "port $port is taken by another process: cannot start $name (./local-stack/down, or free the port)"
  mkdir -p "$TL_RUN"
  printf '\n=== %s starting %s\n' "$(date -u +%FT%TZ)" "$name" >>"$TL_RUN/$name.log"
  setsid nohup "$@" >>"$TL_RUN/$name.log" 2>&1 </dev/null &
  echo $! >"$TL_RUN/$name.pid"
  tl_say "started $name (pid $!, port $port, log local-stack/.run/$name.log)"
}

# Waits up to $3 seconds for http://127.0.0.1:$2/health to answer 200; on failure shows the log.
tl_wait_healthy() {
  local name=$1 port=$2 seconds=$3 i pid
  for ((i = 0; i < seconds * 4; i++)); do
    curl -fsS -o /dev/null --max-time 2 "http://127.0.0.1:$port/health" 2>/dev/null && return 0
    if ! pid=$(tl_running_pid "$name"); then
      tl_say "$name exited before it became healthy; last lines of local-stack/.run/$name.log:"
      tail -n 40 "$TL_RUN/$name.log" >&2
      exit 1
    fi
    sleep 0.25
  done
  tl_say "$name not healthy on port $port after ${seconds}s; last lines of local-stack/.run/$name.log:"
  tail -n 40 "$TL_RUN/$name.log" >&2
  exit 1
}

# Sends SIGTERM to NAME's recorded process (group), waits, then SIGKILL if needed.
tl_stop() {
  local name=$1 pid i
  if ! pid=$(tl_running_pid "$name"); then
    rm -f "$TL_RUN/$name.pid"
    return 0
  fi
  kill -TERM "$pid" 2>/dev/null || true
  for ((i = 0; i < 60; i++)); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.25
  done
  if kill -0 "$pid" 2>/dev/null; then
    tl_say "$name (pid $pid) ignored SIGTERM for 15 s: SIGKILL"
    kill -KILL "$pid" 2>/dev/null || true
  fi
  rm -f "$TL_RUN/$name.pid"
  tl_say "stopped $name (pid $pid)"
}

# The HS256 secret functions verify tokens with: $AUTH_JWT_SECRET, else one generated once.
tl_jwt_secret() {
  if [[ -n ${AUTH_JWT_SECRET:-} ]]; then
    printf '%s' "$AUTH_JWT_SECRET"
    return 0
  fi
  mkdir -p "$TL_RUN"
  if [[ ! -s $TL_RUN/auth-jwt-secret ]]; then
    (umask 077 && openssl rand -hex 32 | tr -d '\n' >"$TL_RUN/auth-jwt-secret")
  fi
  cat "$TL_RUN/auth-jwt-secret"
}

tl_base64url() { openssl base64 -A | tr '+/' '-_' | tr -d '='; }

# tl_jwt SUB [TTL_SECONDS] [ROLE,...]: an HS256 JWT signed with the secret above; with roles, a
# "roles" claim (a JSON array: "admin" opens GET /v1/admin/runs).
tl_jwt() {
  local sub=$1 ttl=${2:-43200} roles=${3:-} now header payload signature secret claims role
  [[ $sub =~ ^[A-Za-z0-9_.@-]+$ ]] || tl_die "subject must match [A-Za-z0-9_.@-]+"
  [[ $ttl =~ ^[0-9]+$ ]] || tl_die "ttl must be a number of seconds"
  secret=$(tl_jwt_secret)
  now=$(date +%s)
  claims=$(printf '"sub":"%s","iat":%d,"exp":%d' "$sub" "$now" "$((now + ttl))")
  if [[ -n $roles ]]; then
    [[ $roles =~ ^[A-Za-z0-9_-]+(,[A-Za-z0-9_-]+)*$ ]] || tl_die "roles must be names separated by commas"
    local list=""
    for role in ${roles//,/ }; do list+="${list:+,}\"$role\""; done
    claims+=",\"roles\":[$list]"
  fi
  header=$(printf '{"alg":"HS256","typ":"JWT"}' | tl_base64url)
  payload=$(printf '{%s}' "$claims" | tl_base64url)
  signature=$(printf '%s.%s' "$header" "$payload" | openssl dgst -sha256 -hmac "$secret" -binary | tl_base64url)
  printf '%s.%s.%s\n' "$header" "$payload" "$signature"
}
