#!/usr/bin/env bash
# Reference Apache Kafka for tests and benchmarks: fetched from Maven Central into a cache outside git, run as
# one combined KRaft broker+controller on loopback, and Kafka's own CLI tools on the same classpath.
# See scripts/kafka/README.md. Nothing here writes inside the repository.
#
#   kafka.sh fetch                       download Kafka's jars (once; later calls only check)
#   kafka.sh classpath                   print the classpath
#   kafka.sh start [--port N] [--dir D] [security options]
#                                        format KRaft storage in D (default: a new temp dir), start one node,
#                                        wait until it accepts connections; prints `dir D`,
#                                        `listening on 127.0.0.1:PORT` and `listener NAME 127.0.0.1:PORT` per listener
#       --listener NAME://127.0.0.1:PORT   another listener (repeatable; NAME is its security protocol: SSL,
#                                        SASL_PLAINTEXT, SASL_SSL; PORT 0 = a free port)
#       --ssl-dir D                      keystore D/server.p12, truststore D/truststore.p12 (PKCS12, password
#                                        test-secret: scripts/kafka/test-certs.sh D makes them)
#       --ssl-client-auth none|requested|required   on the SSL listener (mTLS)
#       --sasl-mechanisms LIST           default PLAIN,SCRAM-SHA-256,SCRAM-SHA-512
#       --plain-user USER:PASSWORD       a PLAIN user in the SASL listeners' JAAS config (repeatable)
#       --scram-user MECH:USER:PASSWORD  a SCRAM user written at format time (kafka-storage format --add-scram)
#       --authorizer                     StandardAuthorizer; User:ANONYMOUS (the PLAINTEXT and controller
#                                        listeners) is always a super user
#       --super-users 'User:a;User:b'    more super users
#       --allow-everyone                 allow.everyone.if.no.acl.found=true
#   kafka.sh stop --dir D                stop the node started in D (SIGTERM, SIGKILL after 30 s)
#   kafka.sh run MAIN_CLASS ARGS...      any Kafka main class on that classpath
#   kafka.sh topics|console-producer|console-consumer|consumer-groups|dump-log-segments|transactions|storage|
#            configs|acls|producer-perf|consumer-perf ARGS...
#                                        Kafka's kafka-topics.sh, kafka-console-producer.sh, kafka-configs.sh,
#                                        kafka-acls.sh, kafka-producer-perf-test.sh, ... equivalents (all take
#                                        --command-config FILE / --producer.config / --consumer.config for
#                                        security settings)
#
# Environment: KAFKA_VERSION (default 3.9.1), SAMSA_CACHE (default ~/.cache/samsa), KAFKA_HEAP_OPTS
# (default -Xms256m -Xmx768m), JAVA (default java on PATH), KAFKA_START_TIMEOUT seconds (default 120).
set -euo pipefail

KAFKA_VERSION="${KAFKA_VERSION:-3.9.1}"
SCALA_VERSION=2.13
CACHE="${SAMSA_CACHE:-$HOME/.cache/samsa}"
HOME_DIR="$CACHE/kafka-$KAFKA_VERSION"
LIBS="$HOME_DIR/libs"
JAVA="${JAVA:-java}"

die () { echo "kafka.sh: $*" >&2; exit 1; }

write_pom () {
  mkdir -p "$HOME_DIR"
  # A throwaway project whose only purpose is to let Maven resolve Kafka's runtime classpath.
  cat > "$HOME_DIR/pom.xml" <<POM
<?xml version="1.0" encoding="UTF-8"?>
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>samsa.reference</groupId>
  <artifactId>kafka-runtime</artifactId>
  <version>$KAFKA_VERSION</version>
  <packaging>pom</packaging>
  <dependencies>
    <dependency><groupId>org.apache.kafka</groupId><artifactId>kafka_$SCALA_VERSION</artifactId><version>$KAFKA_VERSION</version></dependency>
    <dependency><groupId>org.apache.kafka</groupId><artifactId>kafka-tools</artifactId><version>$KAFKA_VERSION</version></dependency>
    <dependency><groupId>org.apache.kafka</groupId><artifactId>kafka-server</artifactId><version>$KAFKA_VERSION</version></dependency>
    <dependency><groupId>org.apache.kafka</groupId><artifactId>kafka-storage</artifactId><version>$KAFKA_VERSION</version></dependency>
    <dependency><groupId>org.apache.kafka</groupId><artifactId>kafka-metadata</artifactId><version>$KAFKA_VERSION</version></dependency>
    <dependency><groupId>org.apache.kafka</groupId><artifactId>kafka-raft</artifactId><version>$KAFKA_VERSION</version></dependency>
    <dependency><groupId>org.apache.kafka</groupId><artifactId>kafka-group-coordinator</artifactId><version>$KAFKA_VERSION</version></dependency>
    <dependency><groupId>org.apache.kafka</groupId><artifactId>kafka-clients</artifactId><version>$KAFKA_VERSION</version></dependency>
    <!-- The binary distribution logs through slf4j-reload4j; the Maven artifacts declare no binding. -->
    <dependency><groupId>org.slf4j</groupId><artifactId>slf4j-reload4j</artifactId><version>1.7.36</version></dependency>
  </dependencies>
</project>
POM
}

fetch () {
  if [ -f "$HOME_DIR/classpath" ] && [ -f "$HOME_DIR/.complete" ]; then return 0; fi
  command -v mvn >/dev/null 2>&1 || die "mvn (Maven) is not installed: apt-get install maven"
  command -v "$JAVA" >/dev/null 2>&1 || die "java is not installed"
  mkdir -p "$HOME_DIR"
  # Concurrent callers (tests running in parallel) wait for one download.
  if [ -z "${KAFKA_SH_LOCKED:-}" ] && command -v flock >/dev/null 2>&1; then
    KAFKA_SH_LOCKED=1 flock "$HOME_DIR/.fetch.lock" "$0" fetch >/dev/null
    return $?
  fi
  if [ -f "$HOME_DIR/classpath" ] && [ -f "$HOME_DIR/.complete" ]; then return 0; fi
  write_pom
  local log="$HOME_DIR/fetch.log" t0=$SECONDS
  echo "kafka.sh: resolving Apache Kafka $KAFKA_VERSION from Maven Central into $LIBS (log: $log)" >&2
  rm -rf "$LIBS"
  if ! mvn -B -f "$HOME_DIR/pom.xml" dependency:copy-dependencies \
      -DoutputDirectory="$LIBS" -DincludeScope=runtime >"$log" 2>&1; then
    tail -n 20 "$log" >&2
    die "could not fetch Apache Kafka $KAFKA_VERSION (see $log)"
  fi
  # A fixed order keeps runs reproducible.
  (cd "$LIBS" && ls -1 ./*.jar | sort | sed "s|^\./|$LIBS/|" | paste -sd: -) > "$HOME_DIR/classpath"
  cat > "$HOME_DIR/tools-log4j.properties" <<'LOG'
log4j.rootLogger=WARN, stderr
log4j.appender.stderr=org.apache.log4j.ConsoleAppender
log4j.appender.stderr.layout=org.apache.log4j.PatternLayout
log4j.appender.stderr.layout.ConversionPattern=[%d] %p %m (%c)%n
log4j.appender.stderr.Target=System.err
LOG
  touch "$HOME_DIR/.complete"
  echo "kafka.sh: fetched $(ls "$LIBS" | wc -l) jars, $(du -sh "$LIBS" | cut -f1), in $((SECONDS - t0)) s" >&2
}

classpath () { fetch; cat "$HOME_DIR/classpath"; }

run_class () {
  fetch
  local main="$1"; shift
  # shellcheck disable=SC2086
  exec "$JAVA" ${KAFKA_TOOL_OPTS:--Xmx512m -XX:+UseSerialGC -XX:TieredStopAtLevel=1} \
    -Dlog4j.configuration="file:$HOME_DIR/tools-log4j.properties" \
    -cp "$(cat "$HOME_DIR/classpath")" "$main" "$@"
}

free_port () {
  node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'
}

port_open () { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

start () {
  local port=0 dir="" ssl_dir="" client_auth="" mechanisms="PLAIN,SCRAM-SHA-256,SCRAM-SHA-512" authorizer=0 super_users="" allow_everyone=0
  local -a extra_listeners=() plain_users=() scram_users=()
  while [ $# -gt 0 ]; do
    case "$1" in
      --port) port="$2"; shift 2 ;;
      --dir) dir="$2"; shift 2 ;;
      --listener) extra_listeners+=("$2"); shift 2 ;;
      --ssl-dir) ssl_dir="$(cd "$2" && pwd)"; shift 2 ;;
      --ssl-client-auth) client_auth="$2"; shift 2 ;;
      --sasl-mechanisms) mechanisms="$2"; shift 2 ;;
      --plain-user) plain_users+=("$2"); shift 2 ;;
      --scram-user) scram_users+=("$2"); shift 2 ;;
      --authorizer) authorizer=1; shift ;;
      --super-users) super_users="$2"; shift 2 ;;
      --allow-everyone) allow_everyone=1; shift ;;
      *) die "start: unknown argument $1" ;;
    esac
  done
  fetch
  [ -n "$dir" ] || dir="$(mktemp -d "${TMPDIR:-/tmp}/samsa-kafka-XXXXXX")"
  mkdir -p "$dir"
  if [ -f "$dir/kafka.pid" ] && kill -0 "$(cat "$dir/kafka.pid")" 2>/dev/null; then
    die "a Kafka started in $dir is still running (pid $(cat "$dir/kafka.pid"))"
  fi
  [ "$port" != 0 ] || port="$(free_port)"
  port_open "$port" && die "port $port is already in use"
  local cport; cport="$(free_port)"
  # Extra listeners: NAME://HOST:PORT with NAME a security protocol; port 0 becomes a free port.
  local listeners="PLAINTEXT://127.0.0.1:$port" advertised="PLAINTEXT://127.0.0.1:$port" protomap="CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT"
  local -a sasl_names=() listener_lines=("PLAINTEXT 127.0.0.1:$port")
  local has_ssl=0 l name hp lhost lport
  for l in "${extra_listeners[@]}"; do
    [[ $l =~ ^([A-Z_]+)://([^:]+):([0-9]+)$ ]] || die "--listener $l: expected NAME://HOST:PORT"
    name="${BASH_REMATCH[1]}"; lhost="${BASH_REMATCH[2]}"; lport="${BASH_REMATCH[3]}"
    case "$name" in SSL|SASL_SSL) has_ssl=1 ;; SASL_PLAINTEXT) ;; *) die "--listener $l: NAME must be SSL, SASL_PLAINTEXT or SASL_SSL" ;; esac
    case "$name" in SASL_*) sasl_names+=("$name") ;; esac
    [ "$lport" != 0 ] || lport="$(free_port)"
    port_open "$lport" && die "port $lport is already in use"
    listeners="$listeners,$name://$lhost:$lport"; advertised="$advertised,$name://$lhost:$lport"
    protomap="$protomap,$name:$name"; listener_lines+=("$name $lhost:$lport")
  done
  cat > "$dir/server.properties" <<PROPS
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$cport
listeners=$listeners,CONTROLLER://127.0.0.1:$cport
advertised.listeners=$advertised
inter.broker.listener.name=PLAINTEXT
controller.listener.names=CONTROLLER
listener.security.protocol.map=$protomap
log.dirs=$dir/data
num.partitions=1
offsets.topic.replication.factor=1
offsets.topic.num.partitions=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
transaction.state.log.num.partitions=1
group.initial.rebalance.delay.ms=0
auto.create.topics.enable=true
PROPS
  if [ "$has_ssl" = 1 ] || [ -n "$ssl_dir" ]; then
    [ -n "$ssl_dir" ] || die "an SSL or SASL_SSL listener needs --ssl-dir (scripts/kafka/test-certs.sh makes one)"
    cat >> "$dir/server.properties" <<PROPS
ssl.keystore.type=PKCS12
ssl.keystore.location=$ssl_dir/server.p12
ssl.keystore.password=test-secret
ssl.key.password=test-secret
ssl.truststore.type=PKCS12
ssl.truststore.location=$ssl_dir/truststore.p12
ssl.truststore.password=test-secret
PROPS
    [ -z "$client_auth" ] || echo "listener.name.ssl.ssl.client.auth=$client_auth" >> "$dir/server.properties"
  fi
  if [ ${#sasl_names[@]} -gt 0 ]; then
    echo "sasl.enabled.mechanisms=$mechanisms" >> "$dir/server.properties"
    local jaas="org.apache.kafka.common.security.plain.PlainLoginModule required" u m lname
    for u in "${plain_users[@]}"; do jaas="$jaas user_${u%%:*}=\"${u#*:}\""; done
    for lname in "${sasl_names[@]}"; do
      lname="$(echo "$lname" | tr 'A-Z' 'a-z')"
      echo "listener.name.$lname.plain.sasl.jaas.config=$jaas;" >> "$dir/server.properties"
      for m in SCRAM-SHA-256 SCRAM-SHA-512; do
        echo "listener.name.$lname.$(echo "$m" | tr 'A-Z' 'a-z').sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;" >> "$dir/server.properties"
      done
    done
  fi
  if [ "$authorizer" = 1 ]; then
    echo "authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer" >> "$dir/server.properties"
    echo "super.users=User:ANONYMOUS${super_users:+;$super_users}" >> "$dir/server.properties"
  fi
  [ "$allow_everyone" = 0 ] || echo "allow.everyone.if.no.acl.found=true" >> "$dir/server.properties"
  if [ -n "${KAFKA_EXTRA_PROPS:-}" ]; then printf '%s\n' "$KAFKA_EXTRA_PROPS" >> "$dir/server.properties"; fi
  cat > "$dir/log4j.properties" <<LOG
log4j.rootLogger=INFO, file
log4j.appender.file=org.apache.log4j.FileAppender
log4j.appender.file.File=$dir/server.log
log4j.appender.file.layout=org.apache.log4j.PatternLayout
log4j.appender.file.layout.ConversionPattern=[%d] %p %m (%c)%n
LOG
  local cp; cp="$(cat "$HOME_DIR/classpath")"
  # SCRAM users at format time: MECH:USER:PASSWORD -> --add-scram 'MECH=[name=USER,password=PASSWORD]'
  local -a scram_args=()
  for u in "${scram_users[@]}"; do
    [[ $u =~ ^(SCRAM-SHA-(256|512)):([^:]+):(.*)$ ]] || die "--scram-user $u: expected SCRAM-SHA-256|SCRAM-SHA-512:USER:PASSWORD"
    scram_args+=(--add-scram "${BASH_REMATCH[1]}=[name=${BASH_REMATCH[3]},password=${BASH_REMATCH[4]}]")
  done
  if [ ! -f "$dir/data/meta.properties" ]; then
    # a cluster id starting with '-' would be read as an option (Kafka's own Uuid.randomUuid never makes one)
    local id; id="-"
    while [ "${id:0:1}" = "-" ]; do id="$(head -c 16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=')"; done
    "$JAVA" -Xmx256m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 \
      -Dlog4j.configuration="file:$HOME_DIR/tools-log4j.properties" -cp "$cp" \
      kafka.tools.StorageTool format -t "$id" -c "$dir/server.properties" "${scram_args[@]}" > "$dir/format.log" 2>&1 \
      || { cat "$dir/format.log" >&2; die "kafka-storage format failed"; }
  fi
  # shellcheck disable=SC2086
  nohup "$JAVA" ${KAFKA_HEAP_OPTS:--Xms256m -Xmx768m} -XX:+UseG1GC -XX:MaxGCPauseMillis=20 \
    -Djava.awt.headless=true -Dlog4j.configuration="file:$dir/log4j.properties" \
    -Dkafka.logs.dir="$dir" -cp "$cp" kafka.Kafka "$dir/server.properties" \
    > "$dir/stdout.log" 2>&1 < /dev/null &
  local pid=$!
  echo "$pid" > "$dir/kafka.pid"
  echo "$port" > "$dir/port"
  local deadline=$((SECONDS + ${KAFKA_START_TIMEOUT:-120}))
  until grep -q 'Kafka Server started\|\[KafkaRaftServer nodeId=1\] Kafka Server started' "$dir/server.log" 2>/dev/null && port_open "$port"; do
    if ! kill -0 "$pid" 2>/dev/null; then
      tail -n 30 "$dir/stdout.log" "$dir/server.log" >&2 2>/dev/null || true
      die "Kafka exited during start (logs in $dir)"
    fi
    if [ $SECONDS -ge $deadline ]; then
      kill -9 "$pid" 2>/dev/null || true
      die "Kafka did not start within ${KAFKA_START_TIMEOUT:-120} s (logs in $dir)"
    fi
    sleep 0.2
  done
  printf '%s\n' "${listener_lines[@]}" > "$dir/listeners"
  echo "dir $dir"
  echo "listening on 127.0.0.1:$port"
  for l in "${listener_lines[@]}"; do echo "listener $l"; done
}

stop () {
  local dir=""
  while [ $# -gt 0 ]; do
    case "$1" in
      --dir) dir="$2"; shift 2 ;;
      *) die "stop: unknown argument $1" ;;
    esac
  done
  [ -n "$dir" ] || die "stop: --dir D is required"
  [ -f "$dir/kafka.pid" ] || { echo "kafka.sh: nothing started in $dir" >&2; return 0; }
  local pid; pid="$(cat "$dir/kafka.pid")"
  if kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid"
    local deadline=$((SECONDS + 30))
    while kill -0 "$pid" 2>/dev/null; do
      if [ $SECONDS -ge $deadline ]; then kill -KILL "$pid" 2>/dev/null || true; echo "kafka.sh: killed $pid after 30 s" >&2; break; fi
      sleep 0.2
    done
  fi
  rm -f "$dir/kafka.pid"
  echo "stopped"
}

cmd="${1:-}"; [ $# -gt 0 ] && shift
case "$cmd" in
  fetch) fetch; echo "$LIBS" ;;
  classpath) classpath ;;
  home) echo "$HOME_DIR" ;;
  start) start "$@" ;;
  stop) stop "$@" ;;
  run) [ $# -gt 0 ] || die "run: MAIN_CLASS required"; run_class "$@" ;;
  topics|kafka-topics) run_class org.apache.kafka.tools.TopicCommand "$@" ;;
  console-producer|kafka-console-producer) run_class kafka.tools.ConsoleProducer "$@" ;;
  console-consumer|kafka-console-consumer) run_class org.apache.kafka.tools.consumer.ConsoleConsumer "$@" ;;
  consumer-groups|kafka-consumer-groups) run_class org.apache.kafka.tools.consumer.group.ConsumerGroupCommand "$@" ;;
  dump-log-segments|kafka-dump-log) run_class kafka.tools.DumpLogSegments "$@" ;;
  transactions|kafka-transactions) run_class org.apache.kafka.tools.TransactionsCommand "$@" ;;
  storage|kafka-storage) run_class kafka.tools.StorageTool "$@" ;;
  configs|kafka-configs) run_class kafka.admin.ConfigCommand "$@" ;;
  acls|kafka-acls) run_class kafka.admin.AclCommand "$@" ;;
  producer-perf|kafka-producer-perf-test) run_class org.apache.kafka.tools.ProducerPerformance "$@" ;;
  consumer-perf|kafka-consumer-perf-test) run_class org.apache.kafka.tools.ConsumerPerformance "$@" ;;
  *) sed -n '2,37p' "$0" | sed 's/^# \{0,1\}//'; [ -z "$cmd" ] && exit 0; exit 2 ;;
esac
