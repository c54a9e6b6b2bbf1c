#!/usr/bin/env bash
# Local single-node Apache Kafka broker (KRaft, broker + controller in one JVM) for
# development and tests. Jars come from Maven Central through Maven and are cached under
# deploy/local/.kafka (git-ignored). See deploy/local/README.md.
#
# usage: kafka.sh fetch|start|stop|status|reset|logs [-f]|release
set -euo pipefail

SCRIPT_DIR="$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd -P)"

KAFKA_VERSION="${KAFKA_VERSION:-4.3.1}"
KAFKA_PORT="${KAFKA_PORT:-9092}"
KAFKA_CONTROLLER_PORT="${KAFKA_CONTROLLER_PORT:-9093}"
KAFKA_HOST=127.0.0.1
KAFKA_CLUSTER_ID="${KAFKA_CLUSTER_ID:-dHJhY2ViYXJsb2NhbDAwMQ}"
KAFKA_HEAP_OPTS="${KAFKA_HEAP_OPTS:--Xms256m -Xmx512m}"
KAFKA_START_TIMEOUT="${KAFKA_START_TIMEOUT:-60}"
KAFKA_STOP_TIMEOUT="${KAFKA_STOP_TIMEOUT:-30}"

# The jars are cached once per checkout; everything of one running broker (config, logs, pid,
# leases, lock, data) lives under its state dir, so a second private broker (other ports,
# KAFKA_STATE_DIR elsewhere) never touches the shared one.
CACHE_DIR="$SCRIPT_DIR/.kafka"
STATE_DIR="${KAFKA_STATE_DIR:-$CACHE_DIR}"
LIBS_DIR="$CACHE_DIR/libs"
STAMP_FILE="$LIBS_DIR/.complete"
CONF_DIR="$STATE_DIR/config"
LOG_DIR="$STATE_DIR/logs"
RUN_DIR="$STATE_DIR/run"
LEASE_DIR="$RUN_DIR/leases"
PID_FILE="$RUN_DIR/kafka.pid"
MANAGED_FILE="$RUN_DIR/managed" # present when a lease holder (a test run) started the broker
LOCK_FILE="$STATE_DIR/lock"
SERVER_LOG="$LOG_DIR/server.log"
CONSOLE_LOG="$LOG_DIR/console.out"
KAFKA_DATA_DIR="${KAFKA_DATA_DIR:-$STATE_DIR/data}"

log() { printf 'kafka.sh: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

java_bin() {
  if [[ -n "${JAVA_HOME:-}" && -x "$JAVA_HOME/bin/java" ]]; then
    printf '%s\n' "$JAVA_HOME/bin/java"
  else
    command -v java || die "java not found: Kafka ${KAFKA_VERSION} needs Java 17 or newer"
  fi
}

check_java() {
  local java major
  java="$(java_bin)"
  major="$("$java" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java\.specification\.version = //p')"
  [[ "${major%%.*}" =~ ^[0-9]+$ && "${major%%.*}" -ge 17 ]] \
    || die "Kafka ${KAFKA_VERSION} needs Java 17 or newer; $java is ${major:-unknown}"
}

# Serialises fetch/start/stop/release between concurrent callers (e.g. two test runs in
# one checkout). The lock is on fd 9; the broker is started with fd 9 closed.
take_lock() {
  mkdir -p "$STATE_DIR" "$CACHE_DIR"
  exec 9>"$LOCK_FILE"
  flock -w 300 9 || die "timed out waiting for $LOCK_FILE"
}

# ---------------------------------------------------------------------------- fetch

stamp_value() {
  printf 'kafka=%s pom=%s\n' "$KAFKA_VERSION" "$(sha256sum "$SCRIPT_DIR/pom.xml" | cut -d' ' -f1)"
}

libs_complete() {
  [[ -f "$STAMP_FILE" && "$(cat "$STAMP_FILE")" == "$(stamp_value)" ]]
}

do_fetch() {
  if libs_complete; then
    return 0
  fi
  command -v mvn >/dev/null || die "mvn not found: install Maven 3.8+ to fetch the Kafka jars"
  local tmp="$CACHE_DIR/libs.tmp.$$"
  rm -rf "$tmp"
  log "fetching Apache Kafka ${KAFKA_VERSION} jars from Maven Central (one time)"
  local repo_args=()
  [[ -n "${KAFKA_MAVEN_REPO:-}" ]] && repo_args=("-Dmaven.repo.local=$KAFKA_MAVEN_REPO")
  mkdir -p "$LOG_DIR"
  # Maven's output is kept for a failure only (even -q -B prints colour resets).
  if ! mvn -q -B -f "$SCRIPT_DIR/pom.xml" "${repo_args[@]}" \
      -Dkafka.version="$KAFKA_VERSION" \
      dependency:copy-dependencies \
      -DincludeScope=runtime -DoutputDirectory="$tmp" >"$LOG_DIR/fetch.out" 2>&1; then
    sed 's/\x1b\[[0-9;]*m//g' "$LOG_DIR/fetch.out" >&2
    rm -rf "$tmp"
    die "Maven could not fetch Apache Kafka ${KAFKA_VERSION} (output above, also in $LOG_DIR/fetch.out)"
  fi
  [[ -f "$tmp/kafka_2.13-${KAFKA_VERSION}.jar" ]] || die "kafka_2.13-${KAFKA_VERSION}.jar missing after fetch"
  stamp_value >"$tmp/.complete"
  rm -rf "$LIBS_DIR"
  mv "$tmp" "$LIBS_DIR"
  log "cached $(find "$LIBS_DIR" -name '*.jar' | wc -l) jars in $LIBS_DIR"
}

# ---------------------------------------------------------------------------- process state

port_open() {
  timeout 2 bash -c "exec 3<>/dev/tcp/$KAFKA_HOST/$1" 2>/dev/null
}

# The pid from the pid file if that process is alive and is our broker, else nothing.
broker_pid() {
  [[ -f "$PID_FILE" ]] || return 0
  local pid
  pid="$(cat "$PID_FILE" 2>/dev/null || true)"
  [[ "$pid" =~ ^[0-9]+$ ]] || return 0
  if kill -0 "$pid" 2>/dev/null \
      && tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q "kafka\.Kafka $CONF_DIR/server.properties"; then
    printf '%s\n' "$pid"
  fi
}

server_started() {
  [[ -f "$SERVER_LOG" ]] && grep -q 'Kafka Server started' "$SERVER_LOG"
}

show_log_tail() {
  log "last lines of $SERVER_LOG:"
  tail -n 30 "$SERVER_LOG" >&2 2>/dev/null || true
  if [[ -s "$CONSOLE_LOG" ]]; then
    log "last lines of $CONSOLE_LOG:"
    tail -n 20 "$CONSOLE_LOG" >&2 || true
  fi
}

# Waits until the broker logged "Kafka Server started" and its listener accepts connections.
wait_ready() {
  local pid="$1" deadline=$((SECONDS + KAFKA_START_TIMEOUT))
  while ((SECONDS < deadline)); do
    if ! kill -0 "$pid" 2>/dev/null; then
      show_log_tail
      die "broker (pid $pid) exited during start-up"
    fi
    if server_started && port_open "$KAFKA_PORT"; then
      return 0
    fi
    sleep 0.2
  done
  show_log_tail
  return 1
}

# ---------------------------------------------------------------------------- config

write_config() {
  mkdir -p "$CONF_DIR" "$LOG_DIR" "$RUN_DIR" "$KAFKA_DATA_DIR"
  cat >"$CONF_DIR/server.properties" <<EOF
# Written by deploy/local/kafka.sh on every start; edit the script, not this file.
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@$KAFKA_HOST:$KAFKA_CONTROLLER_PORT
listeners=PLAINTEXT://$KAFKA_HOST:$KAFKA_PORT,CONTROLLER://$KAFKA_HOST:$KAFKA_CONTROLLER_PORT
advertised.listeners=PLAINTEXT://$KAFKA_HOST:$KAFKA_PORT
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
inter.broker.listener.name=PLAINTEXT
controller.listener.names=CONTROLLER
log.dirs=$KAFKA_DATA_DIR

# tracebar creates its own topics (admin client) with partitions, retention and size from config.
auto.create.topics.enable=false
num.partitions=1
default.replication.factor=1
min.insync.replicas=1

# Single node: internal topics with one replica, and fewer partitions than the default 50
# so that the first consumer group and the first transaction come up quickly.
offsets.topic.replication.factor=1
offsets.topic.num.partitions=10
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
transaction.state.log.num.partitions=10
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
group.initial.rebalance.delay.ms=0

# 8 MiB records (a large session); topics may set a lower max.message.bytes.
message.max.bytes=8388608
replica.fetch.max.bytes=8388608

# A small machine shared with builds and tests.
num.network.threads=2
num.io.threads=4
num.recovery.threads.per.data.dir=1
background.threads=4
EOF

  cat >"$CONF_DIR/log4j2.xml" <<EOF
<?xml version="1.0" encoding="UTF-8"?>
<!-- Written by deploy/local/kafka.sh. Every start begins a fresh server.log. -->
<Configuration status="warn">
  <Appenders>
    <RollingFile name="server" fileName="$SERVER_LOG" filePattern="$LOG_DIR/server.log.%i">
      <PatternLayout pattern="[%d] %p %m (%c)%n"/>
      <Policies>
        <OnStartupTriggeringPolicy minSize="1"/>
        <SizeBasedTriggeringPolicy size="20 MB"/>
      </Policies>
      <DefaultRolloverStrategy max="3"/>
    </RollingFile>
  </Appenders>
  <Loggers>
    <Root level="INFO"><AppenderRef ref="server"/></Root>
    <Logger name="kafka.request.logger" level="WARN"/>
    <Logger name="kafka.network.RequestChannel\$" level="WARN"/>
    <Logger name="state.change.logger" level="WARN"/>
    <Logger name="org.apache.kafka.storage.internals.log" level="WARN"/>
    <Logger name="kafka.log.LogCleaner" level="WARN"/>
  </Loggers>
</Configuration>
EOF

  cat >"$CONF_DIR/tools-log4j2.xml" <<'EOF'
<?xml version="1.0" encoding="UTF-8"?>
<Configuration status="warn">
  <Appenders><Console name="stderr" target="SYSTEM_ERR"><PatternLayout pattern="%p %m%n"/></Console></Appenders>
  <Loggers><Root level="WARN"><AppenderRef ref="stderr"/></Root></Loggers>
</Configuration>
EOF
}

format_storage() {
  [[ -f "$KAFKA_DATA_DIR/meta.properties" ]] && return 0
  log "formatting KRaft log dir $KAFKA_DATA_DIR"
  "$(java_bin)" -Xmx256m -cp "$LIBS_DIR/*" \
    -Dlog4j2.configurationFile="$CONF_DIR/tools-log4j2.xml" \
    kafka.tools.StorageTool format --ignore-formatted \
    --cluster-id "$KAFKA_CLUSTER_ID" --config "$CONF_DIR/server.properties" >"$LOG_DIR/format.out" 2>&1 \
    || { cat "$LOG_DIR/format.out" >&2; die "formatting $KAFKA_DATA_DIR failed"; }
}

# ---------------------------------------------------------------------------- leases

# A lease is the pid of a process using the broker (a vitest run). `start` with
# KAFKA_LEASE records it; `release` drops it and stops the broker only when a lease holder
# started it and no live lease remains, so concurrent test runs share one broker.
add_lease() {
  [[ -n "${KAFKA_LEASE:-}" ]] || return 0
  mkdir -p "$LEASE_DIR"
  : >"$LEASE_DIR/$KAFKA_LEASE"
}

live_leases() {
  [[ -d "$LEASE_DIR" ]] || return 0
  local f id
  for f in "$LEASE_DIR"/*; do
    [[ -e "$f" ]] || continue
    id="$(basename "$f")"
    if [[ "$id" =~ ^[0-9]+$ ]] && kill -0 "$id" 2>/dev/null; then
      printf '%s\n' "$id"
    else
      rm -f "$f"
    fi
  done
}

# ---------------------------------------------------------------------------- commands

do_start() {
  check_java
  do_fetch
  local pid
  pid="$(broker_pid)"
  if [[ -n "$pid" ]]; then
    wait_ready "$pid" || die "broker (pid $pid) is running but does not answer on $KAFKA_HOST:$KAFKA_PORT; try kafka.sh stop"
    add_lease
    log "already running (pid $pid) on $KAFKA_HOST:$KAFKA_PORT"
    return 0
  fi
  rm -f "$PID_FILE" "$MANAGED_FILE"
  if port_open "$KAFKA_PORT"; then
    die "$KAFKA_HOST:$KAFKA_PORT is taken by another process; set KAFKA_PORT or stop it"
  fi
  if port_open "$KAFKA_CONTROLLER_PORT"; then
    die "$KAFKA_HOST:$KAFKA_CONTROLLER_PORT is taken by another process; set KAFKA_CONTROLLER_PORT or stop it"
  fi

  write_config
  format_storage

  local java
  java="$(java_bin)"
  # shellcheck disable=SC2086 # KAFKA_HEAP_OPTS holds several JVM flags
  setsid "$java" $KAFKA_HEAP_OPTS \
    -server -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -XX:InitiatingHeapOccupancyPercent=35 \
    -XX:+ExplicitGCInvokesConcurrent -XX:+ExitOnOutOfMemoryError -Djava.awt.headless=true \
    -Dlog4j2.configurationFile="$CONF_DIR/log4j2.xml" -Dkafka.logs.dir="$LOG_DIR" \
    -cp "$LIBS_DIR/*" kafka.Kafka "$CONF_DIR/server.properties" \
    </dev/null >"$CONSOLE_LOG" 2>&1 9>&- &
  pid=$!
  printf '%s\n' "$pid" >"$PID_FILE"
  log "starting Apache Kafka ${KAFKA_VERSION} (pid $pid) on $KAFKA_HOST:$KAFKA_PORT"
  if ! wait_ready "$pid"; then
    kill -KILL "$pid" 2>/dev/null || true
    while kill -0 "$pid" 2>/dev/null; do sleep 0.1; done
    rm -f "$PID_FILE"
    die "broker did not come up within ${KAFKA_START_TIMEOUT}s"
  fi
  if [[ -n "${KAFKA_LEASE:-}" ]]; then
    : >"$MANAGED_FILE"
    add_lease
  fi
  log "ready on $KAFKA_HOST:$KAFKA_PORT"
}

do_stop() {
  local pid
  pid="$(broker_pid)"
  rm -f "$MANAGED_FILE"
  rm -rf "$LEASE_DIR"
  if [[ -z "$pid" ]]; then
    rm -f "$PID_FILE"
    log "not running"
    return 0
  fi
  log "stopping broker (pid $pid)"
  kill -TERM "$pid" 2>/dev/null || true
  local deadline=$((SECONDS + KAFKA_STOP_TIMEOUT))
  while kill -0 "$pid" 2>/dev/null && ((SECONDS < deadline)); do
    sleep 0.2
  done
  if kill -0 "$pid" 2>/dev/null; then
    log "no clean shutdown within ${KAFKA_STOP_TIMEOUT}s; killing"
    kill -KILL "$pid" 2>/dev/null || true
    while kill -0 "$pid" 2>/dev/null; do sleep 0.1; done
  fi
  rm -f "$PID_FILE"
  log "stopped"
}

do_release() {
  local lease="${1:-${KAFKA_LEASE:-}}"
  [[ -n "$lease" ]] || die "release needs a lease id (argument or KAFKA_LEASE)"
  rm -f "$LEASE_DIR/$lease"
  if [[ ! -f "$MANAGED_FILE" ]]; then
    return 0 # started by hand: leave it running
  fi
  local others
  others="$(live_leases | tr '\n' ' ')"
  if [[ -n "$others" ]]; then
    log "broker still in use by pid ${others% }; leaving it running"
    return 0
  fi
  do_stop
}

do_status() {
  local pid
  pid="$(broker_pid)"
  if [[ -n "$pid" ]] && port_open "$KAFKA_PORT"; then
    echo "running (pid $pid) on $KAFKA_HOST:$KAFKA_PORT, Apache Kafka ${KAFKA_VERSION}, data in $KAFKA_DATA_DIR"
    return 0
  fi
  if [[ -n "$pid" ]]; then
    echo "process $pid is alive but $KAFKA_HOST:$KAFKA_PORT does not answer"
  else
    echo "not running"
  fi
  return 1
}

do_logs() {
  [[ -f "$SERVER_LOG" ]] || die "no log yet at $SERVER_LOG"
  if [[ "${1:-}" == "-f" ]]; then
    exec tail -n 100 -F "$SERVER_LOG"
  fi
  tail -n "${KAFKA_LOG_LINES:-100}" "$SERVER_LOG"
}

usage() {
  cat >&2 <<'EOF'
usage: kafka.sh <command>
  fetch     download the Kafka jars into deploy/local/.kafka/libs (skipped when cached)
  start     fetch if needed, format the data dir once, start the broker, wait until ready
  stop      stop the broker (SIGTERM, then SIGKILL after KAFKA_STOP_TIMEOUT seconds)
  status    exit 0 when the broker is running and answering
  reset     stop the broker and wipe its data dir
  logs      print the end of the broker log (logs -f to follow)
  release   drop the lease KAFKA_LEASE (or $2); stop if a lease holder started the broker
            and no live lease remains (used by test/global-setup.ts)
EOF
}

main() {
  local cmd="${1:-}"
  [[ $# -gt 0 ]] && shift
  case "$cmd" in
    fetch) take_lock; do_fetch ;;
    start) take_lock; do_start ;;
    stop) take_lock; do_stop ;;
    release) take_lock; do_release "$@" ;;
    status) do_status ;;
    reset)
      take_lock
      do_stop
      # Guard against a mistyped KAFKA_DATA_DIR: wipe only a Kafka log dir.
      if [[ -d "$KAFKA_DATA_DIR" && ! -f "$KAFKA_DATA_DIR/meta.properties" && -n "$(ls -A "$KAFKA_DATA_DIR")" ]]; then
        die "$KAFKA_DATA_DIR has no meta.properties; not wiping what may not be a Kafka log dir"
      fi
      rm -rf "$KAFKA_DATA_DIR"
      log "wiped $KAFKA_DATA_DIR"
      ;;
    logs) do_logs "$@" ;;
    -h | --help | help) usage ;;
    *) usage; exit 2 ;;
  esac
}

main "$@"
