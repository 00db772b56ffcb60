#!/usr/bin/env bash
# Debian packages the test suite drives for real: PostgreSQL (restore drill), nginx
# (auth_request peer), wrk (benchmarks), promtool/amtool (alert rules and Alertmanager config),
# docker-registry (an OCI registry on loopback for `mgctl charts fetch`).
set -euo pipefail
need=()
command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] || need+=(nginx)
command -v wrk >/dev/null || need+=(wrk)
command -v promtool >/dev/null || need+=(prometheus)
command -v amtool >/dev/null || need+=(prometheus-alertmanager)
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need+=(postgresql)
command -v docker-registry >/dev/null || need+=(docker-registry)
if [ ${#need[@]} -eq 0 ]; then exit 0; fi
if [ "$(id -u)" -ne 0 ]; then
  echo "missing Debian packages: ${need[*]} (run as root or: sudo apt-get install ${need[*]})" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
# the packaged services must not keep running: tests start their own instances on loopback
for svc in nginx prometheus prometheus-alertmanager postgresql docker-registry; do
  service "$svc" stop >/dev/null 2>&1 || true
done
