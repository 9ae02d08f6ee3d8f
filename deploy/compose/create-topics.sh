#!/bin/sh
# Creates (or brings into line) every topic lifelong uses, with its settings. Run by the
# `topics` job of deploy/docker-compose.yml inside the apache/kafka image; works against
# any cluster: BOOTSTRAP=host:9092 PARTITIONS=12 REPLICATION=3 sh create-topics.sh
# (APPLICATION_ID and TOPICS_EVENTS/ITEMS/RECOMMENDATIONS/DEAD_LETTER follow the
# LIFELONG_* options of the same names; KAFKA_BIN is where kafka-topics.sh lives).
#
# Idempotent: an existing topic keeps its partitions (a count can only grow, and growing
# an input topic moves keys between partitions: plan it, see README "Operate") and gets
# its configs (re)applied.
#
# One line per topic below: name, partitions, then topic configs.
#  - the input, dead-letter and changelog topics MUST have the same partition count:
#    a partition's stores are restored from the same partition of each changelog;
#  - changelogs are <applicationId>.<store>-changelog for every store of
#    `lifelong describe` plus the runtime's own stores (seen-events, progress);
#  - lifelong.items is compacted (a table keyed by itemId, read whole by every instance).
set -eu

BOOTSTRAP="${BOOTSTRAP:-kafka:9092}"
PARTITIONS="${PARTITIONS:-4}"
REPLICATION="${REPLICATION:-1}"
APP="${APPLICATION_ID:-lifelong}"
EVENTS="${TOPICS_EVENTS:-lifelong.events}"
ITEMS="${TOPICS_ITEMS:-lifelong.items}"
RECOMMENDATIONS="${TOPICS_RECOMMENDATIONS:-lifelong.recommendations}"
DEAD_LETTER="${TOPICS_DEAD_LETTER:-lifelong.dead-letter}"
KAFKA_BIN="${KAFKA_BIN:-/opt/kafka/bin}"

DAY=86400000
CHANGELOG="cleanup.policy=compact,min.cleanable.dirty.ratio=0.1,segment.ms=3600000"

topic() {
  name="$1"; partitions="$2"; configs="$3"
  if "$KAFKA_BIN/kafka-topics.sh" --bootstrap-server "$BOOTSTRAP" --describe --topic "$name" >/dev/null 2>&1; then
    "$KAFKA_BIN/kafka-configs.sh" --bootstrap-server "$BOOTSTRAP" --alter --entity-type topics --entity-name "$name" --add-config "$configs" >/dev/null
    echo "topic $name exists: configs applied ($configs)"
  else
    set -- --bootstrap-server "$BOOTSTRAP" --create --if-not-exists --topic "$name" --partitions "$partitions" --replication-factor "$REPLICATION"
    old_ifs="$IFS"; IFS=','
    for entry in $configs; do set -- "$@" --config "$entry"; done
    IFS="$old_ifs"
    "$KAFKA_BIN/kafka-topics.sh" "$@" >/dev/null
    echo "topic $name created: $partitions partitions, $configs"
  fi
}

topic "$EVENTS"                              "$PARTITIONS" "cleanup.policy=delete,retention.ms=$((7 * DAY))"
topic "$ITEMS"                               "$PARTITIONS" "cleanup.policy=compact,min.cleanable.dirty.ratio=0.1"
topic "$RECOMMENDATIONS"                     "$PARTITIONS" "cleanup.policy=delete,retention.ms=$((3 * DAY))"
topic "$DEAD_LETTER"                         "$PARTITIONS" "cleanup.policy=delete,retention.ms=$((14 * DAY))"
topic "$APP.sessions-changelog"              "$PARTITIONS" "$CHANGELOG"
topic "$APP.familiar-categories-changelog"   "$PARTITIONS" "$CHANGELOG"
topic "$APP.interest-changelog"              "$PARTITIONS" "$CHANGELOG"
topic "$APP.lifelong-users-changelog"        "$PARTITIONS" "$CHANGELOG"
topic "$APP.lifelong-pairs-changelog"        "$PARTITIONS" "$CHANGELOG"
topic "$APP.recommend-users-changelog"       "$PARTITIONS" "$CHANGELOG"
topic "$APP.recommend-trending-changelog"    "$PARTITIONS" "$CHANGELOG"
topic "$APP.seen-events-changelog"           "$PARTITIONS" "$CHANGELOG"
topic "$APP.progress-changelog"              "$PARTITIONS" "$CHANGELOG"

echo "all lifelong topics in place on $BOOTSTRAP"
