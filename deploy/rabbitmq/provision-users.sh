#!/bin/sh
# The broker users of Secure API: one per service, each allowed only what that service does, so a
# compromised service can neither write another service's security events nor read, purge or
# delete the audit queue.
#
#   auth_service, user_service, gateway (producers): write to the security.events exchange only,
#     and only with their own routing keys (a topic permission): auth.* and user.created (an
#     admin's new account is created in auth-service), user.*, gateway.*; they configure and read
#     nothing. They set the AMQP user_id property, which the broker checks against the login, and
#     audit-service stores an event only when that user may claim its source and type.
#   audit_service: declares and binds its exchanges and its audit.* queues, consumes those queues;
#     it may write nowhere but its queues and the dead-letter exchange.
#
# Idempotent: a user is created, or gets its password reset, then its permissions are set again.
# Passwords come from the environment and reach rabbitmqctl on stdin, never on a command line.
#   --check   only check that every password is set (the broker container runs this first)
# docker-compose.yml runs it in the broker container once the node is up; it runs wherever
# rabbitmqctl reaches the node (the provenance tests run it against the local broker).
set -eu

vhost=${RABBITMQ_VHOST:-/}
auth_user=${RABBITMQ_AUTH_SERVICE_USER:-auth_service}
users_user=${RABBITMQ_USER_SERVICE_USER:-user_service}
gateway_user=${RABBITMQ_GATEWAY_USER:-gateway}
audit_user=${RABBITMQ_AUDIT_SERVICE_USER:-audit_service}
: "${RABBITMQ_AUTH_SERVICE_PASSWORD:?is not set}"
: "${RABBITMQ_USER_SERVICE_PASSWORD:?is not set}"
: "${RABBITMQ_GATEWAY_PASSWORD:?is not set}"
: "${RABBITMQ_AUDIT_SERVICE_PASSWORD:?is not set}"
[ "${1:-}" = --check ] && exit 0

# The node may still be booting when this starts (docker-compose.yml starts both together).
tries=0
until rabbitmqctl -q await_startup >/dev/null 2>&1; do
  tries=$((tries + 1))
  [ "$tries" -lt 60 ] || { echo 'provision-users: the broker did not start' >&2; exit 1; }
  sleep 2
done

# user NAME PASSWORD: a new user, or an existing one's password reset (rotation is a re-run).
user() {
  printf '%s' "$2" | rabbitmqctl -q add_user -- "$1" 2>/dev/null ||
    printf '%s' "$2" | rabbitmqctl -q change_password -- "$1"
}

# producer NAME ROUTING-KEY-PATTERN
producer() {
  rabbitmqctl -q set_permissions -p "$vhost" -- "$1" '^$' '^security\.events$' '^$'
  rabbitmqctl -q set_topic_permissions -p "$vhost" -- "$1" security.events "$2" '^$'
}

user "$auth_user" "$RABBITMQ_AUTH_SERVICE_PASSWORD"
producer "$auth_user" '^(auth\.|user\.created$)'
user "$users_user" "$RABBITMQ_USER_SERVICE_PASSWORD"
producer "$users_user" '^user\.'
user "$gateway_user" "$RABBITMQ_GATEWAY_PASSWORD"
producer "$gateway_user" '^gateway\.'

# Binding needs read on the exchange and write on the queue; declaring a queue whose dead letters
# go to security.events.dlx needs write on that exchange. Nothing lets it publish security events.
user "$audit_user" "$RABBITMQ_AUDIT_SERVICE_PASSWORD"
rabbitmqctl -q set_permissions -p "$vhost" -- "$audit_user" \
  '^(security\.events|security\.events\.dlx|audit\..+)$' \
  '^(security\.events\.dlx|audit\..+)$' \
  '^(security\.events|security\.events\.dlx|audit\..+)$'

echo "provision-users: $auth_user, $users_user, $gateway_user and $audit_user are provisioned"
