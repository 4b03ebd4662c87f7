#!/usr/bin/env bash
# The training run that makes functions' JDK AOT cache at image build (functions/Dockerfile).
# A cache serves only the JVM that made it, so the image's own java makes it. No database or NATS
# answers during a docker build: the schema check is off, the pool gives up on PostgreSQL after
# 250 ms and the NATS connect fails in the background, so the run serves liveness and health, a
# refused and an accepted bearer token, and submits that fail at the database (503). That loads
# the HTTP, security, JSON, validation and JDBC paths a real start needs: the bench measures about
# 1.5 s to the first 202 from such a cache, against 1.0 s from local-stack/aot-cache's training
# against a live stack and 2.5 s without any (README "Cold start").
#
#   aot-training.sh JAR CACHE [port]
set -euo pipefail
jar=$1
cache=$2
port=${3:-8080}

# a key and token for this run only: the image never accepts them (AUTH_JWT_SECRET is the
# deployment's); the token's sub is aot-training, it expires in 2090
export AUTH_JWT_SECRET=aot-training-only-not-a-secret-0123456789
token=eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJhb3QtdHJhaW5pbmciLCJpYXQiOjE3OTU5OTMyNjUsImV4cCI6Mzc5NTk5MzI2NX0.5k5cIZXVfTzLDN6reN4taWj8lPpQtfquvnrGYOb3SN0

# one HTTP/1.0 request over bash's /dev/tcp (the JRE image need not ship curl); the status line
request() {
  local method=$1 path=$2 auth=${3:-} body='{"content":"training"}'
  exec 3<>"/dev/tcp/127.0.0.1/$port"
  printf '%s %s HTTP/1.0\r\nHost: localhost\r\n%sContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s' \
    "$method" "$path" "${auth:+Authorization: Bearer $auth$'\r\n'}" "${#body}" "$body" >&3
  head -n 1 <&3
  exec 3<&-
}

DATASOURCES_DEFAULT_URL=jdbc:postgresql://127.0.0.1:1/training \
  DATASOURCES_DEFAULT_CONNECTION_TIMEOUT=250 \
  DATASOURCES_DEFAULT_INITIALIZATION_FAIL_TIMEOUT=-1 \
  NATS_URL=nats://127.0.0.1:1 \
  THREADLINE_SCHEMA_CHECK=false \
  MICRONAUT_SERVER_PORT=$port \
  java -XX:AOTCacheOutput="$cache" -jar "$jar" &
pid=$!
for ((i = 0; i < 600; i++)); do
  (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
  kill -0 "$pid" 2>/dev/null || { echo "the training run exited" >&2; exit 1; }
  sleep 0.1
done
request GET /health/liveness
request GET /health
request POST /v1/threads/aot-training/messages
request POST /v1/threads/aot-training/messages not-a-token
for ((i = 0; i < 3; i++)); do
  request POST /v1/threads/aot-training/messages "$token"
done
request GET "/v1/threads?limit=1" "$token"
kill -TERM "$pid"
wait "$pid" || true # the cache is assembled at exit, whatever the exit code
test -s "$cache" || { echo "no AOT cache written at $cache" >&2; exit 1; }
