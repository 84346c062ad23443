"""Emitters: one function per node kind, ``emit(ctx, node) -> Parts``, grouped by family.

The registry below is the only place that maps kinds to code; a test checks it covers the
catalogue. Virtual networks are emitted first (others sit inside them); the rest in stack order.
"""
from __future__ import annotations

from stackerynb.compile.emitters import (
    api, config, containers, databases, edge, event_bus, function, generic, http_api, messaging, network,
    state_machine, storage,
)

EMITTERS = {
    "virtual_network": network.emit_network,
    "function": function.emit,
    "rest_api": api.emit,
    "table": storage.emit_table,
    "object_store": storage.emit_object_store,
    "cdn": edge.emit_cdn,
    "load_balancer": edge.emit_load_balancer,
    "bastion": network.emit_bastion,
    "database": databases.emit_database,
    "cache_cluster": databases.emit_cache,
    "docker_cluster": containers.emit_cluster,
    "docker_service": containers.emit_service,
    "timer": messaging.emit_timer,
    "queue": messaging.emit_queue,
    "topic": messaging.emit_topic,
    "stream": messaging.emit_stream,
    "config_store": config.emit_config_store,
    "secret": config.emit_secret,
    "state_machine": state_machine.emit,
    "event_bus": event_bus.emit,
    "http_api": http_api.emit,
    "resource": generic.emit,
}

# kinds emitted before all others, because other nodes sit inside them
FIRST = ("virtual_network",)
