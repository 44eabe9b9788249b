#!/bin/sh
# The broker container's command (docker-compose.yml): RabbitMQ, and beside it, once the node is
# up, the per-service users of provision-users.sh (created, or their passwords reset, at every
# start). The container's healthcheck passes only once they are provisioned, so no service starts
# before its broker user exists.
set -eu
here=$(dirname "$0")

[ -n "${RABBITMQ_DEFAULT_PASS:-}" ] || {
  echo 'RABBITMQ_PASSWORD is not set: see .env.compose' >&2
  exit 1
}
sh "$here/provision-users.sh" --check
rm -f /tmp/users-provisioned

(
  # rabbitmqctl creates a missing Erlang cookie as whoever runs it (root here), and the server,
  # running as rabbitmq, could then not read it: wait for the server's own cookie first.
  until [ -n "$(find /var/lib/rabbitmq/.erlang.cookie -user rabbitmq 2>/dev/null)" ]; do
    sleep 1
  done
  sh "$here/provision-users.sh" && touch /tmp/users-provisioned
) &

exec docker-entrypoint.sh rabbitmq-server
