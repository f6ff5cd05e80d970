#!/usr/bin/env bash
# Starts a Docker engine for the `docker` compute target when none answers: Debian's docker.io
# (and debootstrap, which `make docker-image` uses) installed when missing, then dockerd in the
# background, waiting until `docker info` answers. Idempotent and quiet; `.ci/run`, the tests and
# `make docker-image` call it.
#
# Flags: --bridge=none --iptables=false --ip6tables=false. Steps run with network "none", so the
# daemon needs no bridge and must not touch the machine's firewall or routes (the defaults add a
# docker0 bridge on 172.17.0.0/16, NAT rules and a FORWARD DROP policy). A target that allows
# network would need a daemon started without them. overlay2 works here; set DOCKERD_FLAGS to
# add e.g. --storage-driver=vfs where it does not.
set -euo pipefail
docker info >/dev/null 2>&1 && exit 0
if ! command -v dockerd >/dev/null 2>&1 || ! command -v debootstrap >/dev/null 2>&1; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y -q docker.io debootstrap >/dev/null 2>&1 \
    || { apt-get update -q >/dev/null && apt-get install -y -q docker.io debootstrap >/dev/null; }
fi
log="${DOCKERD_LOG:-/tmp/graphwright-dockerd.log}"
# a daemon killed without its shutdown leaves its pid file, and dockerd refuses to start beside it
# while that pid exists (a zombie counts): drop the file when that process is no running dockerd
for pidfile in /var/run/docker.pid /var/run/docker/containerd/containerd.pid; do
  if [ -f "$pidfile" ]; then
    pid=$(cat "$pidfile" 2>/dev/null || true)
    state=$(awk '/^State:/ {print $2}' "/proc/$pid/status" 2>/dev/null || true)
    if [ -z "$pid" ] || [ -z "$state" ] || [ "$state" = Z ]; then rm -f "$pidfile"; fi
  fi
done
# shellcheck disable=SC2086  # DOCKERD_FLAGS is a list of words
setsid nohup dockerd --bridge=none --iptables=false --ip6tables=false ${DOCKERD_FLAGS:-} >"$log" 2>&1 < /dev/null &
daemon=$!
for _ in $(seq 300); do
  docker info >/dev/null 2>&1 && exit 0
  kill -0 "$daemon" 2>/dev/null || break  # it gave up: say why now
  sleep 0.1
done
echo "dockerd did not start (or answer within 30 s); its log ($log) ends with:" >&2
tail -n 20 "$log" >&2
exit 1
