"""Template -> Stack: the orchestration of an import.

An import is decided in rounds. Each round looks at the resources that may still become
nodes, plans their settings, events, permissions and the resources they absorb, and finds
those that cannot be nodes after all (an event source that stays raw, a raw resource that
needs the original, conflicting API routes...). Those are demoted to raw and the next round
starts from scratch; when a round demotes nothing the plan is final and becomes a Stack, a raw
template fragment (``stack.raw``) and a report. Demotion only ever grows, so rounds end.
"""
from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any

from stackerynb.catalog import kind as catalog_kind, wire_profile
from stackerynb.errors import StackError
from stackerynb.importing import absorb, bucket_notifications, event_rules, http_apis, state_machines
from stackerynb.importing.aliases import name_aliases, rewrite
from stackerynb.importing.compiled_names import attributes, has_main_resource, is_derived
from stackerynb.importing.convert import convert_settings, import_map, leftover_properties
from stackerynb.importing.events import EventPlan, plan_events, route_prefix
from stackerynb.importing.importer_errors import SHAPE_ERRORS, unexpected_shape
from stackerynb.importing.iam import Split, split_statements, STAR
from stackerynb.cfn.intrinsics import references, referenced_ids
from stackerynb.importing.permissions import (
    Grants, managed_name, role_grants, sam_function_grants, sam_policy_table,
)
from stackerynb.importing.sam_globals import api_globals, apply_globals
from stackerynb.importing.sam_properties import pass_through
from stackerynb.catalog.kinds import RESOURCE_ATTRIBUTES
from stackerynb.importing.template_reader import Template

MAX_ROUNDS = 100
FUNCTION_TYPES = ("AWS::Serverless::Function", "AWS::Lambda::Function")
API_TYPES = {"Api": ("AWS::Serverless::Api", "AWS::ApiGateway::RestApi"), "HttpApi": ("AWS::Serverless::HttpApi",)}


@dataclass
class NodePlan:
    """A resource (or SAM event) that becomes a node."""

    logical_id: str
    kind: str
    settings: dict
    type: str
    notes: list[str] = field(default_factory=list)
    origin: str | None = None  # for nodes made from a SAM event / implicit API


@dataclass
class WirePlan:
    """A wire between two planned nodes (logical ids), with its access levels and origins."""

    source: str
    target: str
    levels: list[str] | None = None  # None: the profile's default
    why: list[str] = field(default_factory=list)
    settings: dict = field(default_factory=dict)  # wire settings (catalog wire_settings)


@dataclass
class Round:
    """One pass over the template with a fixed set of resources forced raw."""

    template: Template
    resources: dict[str, dict]  # Globals applied, names used as references read as Refs
    forced_raw: dict[str, str]
    pristine: dict[str, dict] = field(default_factory=dict)  # Globals applied only: what raw keeps
    aliases: list = field(default_factory=list)  # (physical name value, logical id, reference)
    nodes: dict[str, NodePlan] = field(default_factory=dict)
    raw: dict[str, str] = field(default_factory=dict)  # logical id -> why it stays raw
    absorbed: dict[str, str] = field(default_factory=dict)  # logical id -> what it became
    wires: dict[tuple[str, str], WirePlan] = field(default_factory=dict)
    extra_raw: dict[str, dict] = field(default_factory=dict)  # generated raw resources
    generic: dict[str, str] = field(default_factory=dict)  # not curated: logical id -> resource node id
    extra_origin: dict[str, str] = field(default_factory=dict)
    notes: dict[str, list[str]] = field(default_factory=dict)
    demote: dict[str, str] = field(default_factory=dict)
    events: dict[str, EventPlan] = field(default_factory=dict)
    grants: dict[str, Grants] = field(default_factory=dict)
    replacements: dict[str, tuple] = field(default_factory=dict)  # absorbed id -> (what, node it went to)
    connector_grants: dict[str, list] = field(default_factory=dict)  # function -> connector statements
    source_origins: dict[tuple, str] = field(default_factory=dict)  # (node, setting) -> who set it
    rule_wires: dict[str, tuple] = field(default_factory=dict)  # absorbed rule -> (bus, target) wire

    # ------------------------------------------------------------ helpers
    @property
    def parameters(self) -> dict:
        return self.template.data.get("Parameters") or {}

    def note(self, logical_id: str, text: str) -> None:
        bucket = self.notes.setdefault(logical_id, [])
        if text not in bucket:
            bucket.append(text)

    def demote_node(self, logical_id: str, reason: str) -> None:
        if logical_id in self.resources and logical_id not in self.demote:
            self.demote[logical_id] = reason

    def kind_of(self, logical_id: str) -> str | None:
        plan = self.nodes.get(logical_id)
        return plan.kind if plan else None

    def add_wire(self, source: str, target: str, why: str, levels: list[str] | None = None) -> WirePlan:
        key = (source, target)
        wire = self.wires.get(key)
        if wire is None:
            wire = self.wires[key] = WirePlan(source, target, list(levels) if levels is not None else None)
        elif levels is not None:
            if wire.levels is None:
                wire.levels = list(levels)
            else:
                wire.levels.extend(lvl for lvl in levels if lvl not in wire.levels)
        if why not in wire.why:
            wire.why.append(why)
        return wire

    def set_source_setting(self, logical_id: str, name: str, value, origin: str) -> None:
        plan = self.nodes[logical_id]
        spec = catalog_kind(plan.kind).settings[name]
        why = spec.check(value)
        if why:
            self.note(logical_id, f"{origin}: {name} {value!r} not carried ({why})")
            return
        first = self.source_origins.get((logical_id, name))
        if first is not None and plan.settings.get(name) != value:
            self.note(logical_id, f"{origin}: {name} {value!r} differs from {plan.settings[name]!r} set by "
                      f"{first}; kept the first")
            return
        plan.settings[name] = value
        self.source_origins[(logical_id, name)] = origin

    # --------------------------------------------------------------- steps
    def run(self) -> "Round":
        self.classify()
        if self.demote:
            return self
        self.plan_functions()
        self.plan_state_machines()
        if self.demote:
            return self
        self.plan_events()
        self.plan_resources()
        if self.demote:
            return self
        absorb.absorb_all(self)
        if self.demote:
            return self
        self.plan_permissions()
        self.check_raw_references()
        return self

    def classify(self) -> None:
        """Every resource: a candidate node (settings converted), absorbable, or raw."""
        table = import_map()
        for lid, resource in self.resources.items():
            rtype = resource["Type"]
            props = resource.get("Properties") or {}
            if lid in self.forced_raw:
                self.raw[lid] = self.forced_raw[lid]
                continue
            spec = table["types"].get(rtype)
            if spec is not None and any(p in props for p in spec.get("absorbed_if", ())):
                continue  # decided by absorb.absorb_all (a rule with an event pattern: wires)
            if spec is None:
                if rtype in table["absorbed"]:
                    continue  # decided by absorb.absorb_all
                self.raw[lid] = f"no node kind for {rtype}"
                continue
            reasons = self._attribute_reasons(resource)
            if spec.get("unsupported"):
                reasons.append(spec["unsupported"])
            if spec.get("placement") == "must":
                reasons.append(f"a {spec['kind']} must sit in a virtual network node, and importing "
                               "networks (subnets, routes) is not supported, so it stays raw")
            conversion = convert_settings(lid, spec, props, self.parameters, frozenset(self.resources))
            dropped, unsupported = leftover_properties(spec, props)
            # what the kind does not model is kept verbatim (CloudFormation form) in `properties`
            kept, untranslated = pass_through(rtype, props, unsupported + dropped)
            missing = [p for p in unsupported if p in untranslated]
            if not has_main_resource(spec["kind"]):  # nothing to write kept properties on
                kept, untranslated, missing = {}, unsupported + dropped, unsupported
                if any(a in resource for a in RESOURCE_ATTRIBUTES):
                    reasons.append(f"a {spec['kind']} node has no resource of its own to keep its attributes on")
            if missing:
                reasons.append(f"{', '.join(missing)} cannot be carried by a {spec['kind']} node")
            reasons.extend(conversion.raw_reasons)
            if reasons:
                self.raw[lid] = "; ".join(reasons)
                continue
            notes = list(conversion.notes)
            left_out = [p for p in dropped if p in untranslated]
            if left_out:
                notes.append(f"left out: {', '.join(left_out)}")
            if kept:
                notes.append(f"kept verbatim: {', '.join(kept)}")
            settings = dict(conversion.settings)
            if kept:
                settings["properties"] = kept
            attributes = {a: resource[a] for a in RESOURCE_ATTRIBUTES if a in resource}
            if attributes:
                settings["attributes"] = attributes
            self.nodes[lid] = NodePlan(lid, spec["kind"], settings, rtype, notes)

    @staticmethod
    def _attribute_reasons(resource: dict) -> list[str]:
        reasons = []
        if "Condition" in resource:
            # what the kit generates for a node (role, log group, wires) is unconditional
            reasons.append(f"it exists only under condition {resource['Condition']}")
        metadata = resource.get("Metadata")
        if isinstance(metadata, dict) and ("BuildMethod" in metadata or "Dockerfile" in metadata):
            how = metadata.get("BuildMethod") or "a Dockerfile"
            reasons.append(f"it is built by sam build ({how}); a function node deploys its code folder as it is")
        return reasons

    def plan_functions(self) -> None:
        """Events and permissions of function candidates; demote those that cannot be nodes."""
        implicit = import_map()["implicit_apis"]
        baseline = sam_policy_table()["baseline_managed_policies"]
        for lid, plan in list(self.nodes.items()):
            if plan.kind != "function":
                continue
            props = self.resources[lid].get("Properties") or {}
            try:
                if plan.type == "AWS::Serverless::Function":
                    events = plan_events(lid, props, self.resources, self.parameters, implicit)
                    grants = sam_function_grants(lid, props, self.resources)
                else:
                    events = EventPlan()
                    grants = role_grants(lid, props.get("Role"), self.resources)
            except SHAPE_ERRORS as exc:
                self.demote_node(lid, unexpected_shape(exc))
                continue
            reasons = list(events.raw_reasons) + list(grants.problems)
            others = [m for m in grants.managed if managed_name(m) not in baseline]
            if others:
                reasons.append(f"managed polic{'ies' if len(others) > 1 else 'y'} "
                               f"{', '.join(managed_name(m) for m in others)} cannot be attached to a function node")
            if reasons:
                self.demote_node(lid, "; ".join(reasons))
                continue
            self.events[lid] = events
            self.grants[lid] = grants

    def plan_state_machines(self) -> None:
        """Kept properties and permissions of state machine candidates (state_machines.py)."""
        for lid, plan in list(self.nodes.items()):
            if plan.kind == "state_machine" and lid in self.resources:
                state_machines.plan(self, lid, plan, self.resources[lid].get("Properties") or {})

    def plan_events(self) -> None:
        """Event wires, new timer nodes, implicit APIs and API routes."""
        implicit = import_map()["implicit_apis"]
        # A raw SAM function with implicit API events keeps SAM's implicit API: nodes cannot share it.
        raw_implicit = set()
        for lid, resource in self.resources.items():
            if resource["Type"] == "AWS::Serverless::Function" and lid not in self.nodes:
                events = (resource.get("Properties") or {}).get("Events")
                for event in events.values() if isinstance(events, dict) else ():
                    if isinstance(event, dict) and event.get("Type") in implicit:
                        props = event.get("Properties") or {}
                        if ("RestApiId" if event["Type"] == "Api" else "ApiId") not in props:
                            raw_implicit.add(event["Type"])
        routes: dict[str, dict[str, list]] = {}
        for fid, events in self.events.items():
            self.extra_raw.update(events.raw_resources)
            for rid in events.raw_resources:
                self.extra_origin[rid] = f"{fid} event"
            for note in events.notes:
                self.note(fid, note)
            for new in events.new_nodes:
                self.nodes[new.node_id] = NodePlan(new.node_id, new.kind, dict(new.settings), "SAM event",
                                                   list(new.notes), origin=new.origin)
            for wire in events.wires:
                for note in wire.notes:
                    self.note(fid, note)
                if wire.api_type:
                    if wire.implicit_api:
                        if wire.api_type in raw_implicit:
                            self.demote_node(fid, f"its {wire.api_type} event uses SAM's implicit API, which a "
                                             "function kept raw also uses")
                            continue
                        self._implicit_api(wire.source, wire.api_type)
                    elif wire.source not in self.nodes or self.resources[wire.source]["Type"] not in API_TYPES[wire.api_type]:
                        why = self.raw.get(wire.source, "it is not an API of that type")
                        self.demote_node(fid, f"event {wire.event}: its API {wire.source} stays raw ({why})")
                        continue
                    routes.setdefault(wire.source, {}).setdefault(fid, []).append(wire.route)
                    self.add_wire(wire.source, fid, f"{fid} event {wire.event} ({wire.api_type} "
                                  f"{wire.route[0]} {wire.route[1]})")
                    continue
                if self.kind_of(wire.source) != wire.source_kind:
                    why = self.raw.get(wire.source) or self.demote.get(wire.source) or "not a node"
                    self.demote_node(fid, f"event {wire.event}: its source {wire.source} stays raw ({why})")
                    continue
                for name, value in wire.source_settings.items():
                    self.set_source_setting(wire.source, name, value, f"{fid} event {wire.event}")
                self.add_wire(wire.source, fid, f"{fid} event {wire.event}")
        for api, by_function in routes.items():
            self._routes(api, by_function)

    def _implicit_api(self, api_id: str, api_type: str) -> None:
        if api_id in self.nodes:
            return
        settings: dict[str, Any] = {"stage": "Prod" if api_type == "Api" else "live"}
        glob = api_globals(self.template.data, api_type)
        notes = [f"SAM creates this {api_type} for events without an API of their own"]
        if glob:
            spec = import_map()["types"]["AWS::Serverless::" + api_type]
            conversion = convert_settings(api_id, spec, glob, self.parameters)
            dropped, unsupported = leftover_properties(spec, glob)
            reasons = conversion.raw_reasons + ([f"Globals {', '.join(unsupported)}"] if unsupported else [])
            if reasons:
                # every function on the implicit API must then stay raw (SAM makes the API)
                for fid, events in self.events.items():
                    if any(w.implicit_api and w.api_type == api_type for w in events.wires):
                        self.demote_node(fid, f"the implicit {api_type}'s Globals cannot be carried: {'; '.join(reasons)}")
                return
            settings.update(conversion.settings)
            notes.extend(conversion.notes)
        self.nodes[api_id] = NodePlan(api_id, "rest_api", settings, f"implicit {api_type}", notes,
                                      origin=f"implicit {api_type}")

    def _routes(self, api: str, by_function: dict[str, list]) -> None:
        chosen: dict[str, str] = {}
        for fid, pairs in by_function.items():
            route = route_prefix([path for _, path in pairs])
            exact = all(method == "ANY" and path.rstrip("/") == route.rstrip("/") for method, path in pairs)
            # Routes compile exact unless they end in /*; paths below the prefix need the greedy form.
            chosen[fid] = route if exact else route.rstrip("/") + "/*"
            if not exact:
                shown = ", ".join(f"{m} {p}" for m, p in pairs)
                self.note(fid, f"{shown} became route {chosen[fid]} (any method, greedy path)")
        conflicts = []
        items = sorted(chosen.items(), key=lambda kv: kv[1])
        for i, (fa, ra) in enumerate(items):
            for fb, rb in items[i + 1:]:
                ra, rb = ra.removesuffix("/*") or "/", rb.removesuffix("/*") or "/"
                a_parts, b_parts = ra.strip("/").split("/"), rb.strip("/").split("/")
                if ra == "/" or rb == "/" or b_parts[:len(a_parts)] == a_parts or a_parts[:len(b_parts)] == b_parts:
                    conflicts.append(f"{fa} ({ra}) and {fb} ({rb})")
        if conflicts:
            shown = "; ".join(conflicts[:3]) + (f"; and {len(conflicts) - 3} more" if len(conflicts) > 3 else "")
            reason = "a rest_api node gives each function one greedy route, and these overlap: " + shown
            if api in self.resources:
                self.demote_node(api, reason)
            for fid in by_function:
                self.demote_node(fid, f"its API {api} cannot be a node: {reason}")
            return
        self.nodes[api].settings["routes"] = dict(sorted(chosen.items()))

    def plan_resources(self) -> None:
        """Relationships resources state themselves: dead-letter queues, topic subscriptions,
        timer targets, secrets' generated values."""
        for lid, plan in list(self.nodes.items()):
            if lid not in self.nodes:
                continue  # absorbed meanwhile as another queue's dead-letter queue
            try:
                self._plan_resource(lid, plan)
            except SHAPE_ERRORS as exc:
                self.demote_node(lid, unexpected_shape(exc))

    def _plan_resource(self, lid: str, plan: NodePlan) -> None:
        props = (self.resources.get(lid) or {}).get("Properties") or {}
        if plan.type == "AWS::SQS::Queue" and "RedrivePolicy" in props:
            absorb.dead_letter(self, lid, props["RedrivePolicy"])
        elif plan.type == "AWS::SNS::Topic" and props.get("Subscription"):
            for sub in props["Subscription"] if isinstance(props["Subscription"], list) else []:
                target = _single_ref(sub.get("Endpoint"), self.resources) if isinstance(sub, dict) else None
                protocol = sub.get("Protocol") if isinstance(sub, dict) else None
                expected = {"sqs": "queue", "lambda": "function"}.get(protocol)
                if target is None or expected is None or self.kind_of(target) != expected:
                    self.demote_node(lid, f"its {protocol} subscription to {sub.get('Endpoint')!r} cannot be a wire")
                    break
                self.add_wire(lid, target, f"{lid} Subscription ({protocol})")
        elif plan.type == "AWS::S3::Bucket":
            bucket_notifications.plan(self, lid, plan, props)
        elif plan.type == "AWS::ApiGatewayV2::Api":
            http_apis.api_properties(self, lid, plan, props)
        elif plan.type == "AWS::Events::EventBus":
            event_rules.bus_properties(self, lid, plan, props)
        elif plan.type == "AWS::Events::Rule":
            absorb.timer_targets(self, lid, props)
        elif plan.type == "AWS::SecretsManager::Secret":
            generate = props.get("GenerateSecretString")
            if isinstance(generate, dict) and set(generate) - {"PasswordLength"}:
                self.demote_node(lid, f"GenerateSecretString {', '.join(sorted(set(generate) - {'PasswordLength'}))} "
                                 "have no secret setting")
            if "SecretString" in props:
                self.demote_node(lid, "its value is written in the template (SecretString); a secret "
                                 "node never holds its value in the template")

    def plan_permissions(self) -> None:
        """Wires and residual statements from each function's grants, connectors and env vars.

        A permission wire that would close a loop of wires (a function reading the bucket whose
        events invoke it) is left out, its statements kept as residual ones instead: a loop
        of wires is refused as an endless event loop, and the access is the same."""
        saved = (copy.deepcopy(self.wires), dict(self.extra_raw), dict(self.extra_origin),
                 copy.deepcopy(self.notes))
        blocked: set[tuple[str, str]] = set()
        while True:
            self._permissions_once(blocked)
            loop = _find_loop(self.wires)
            if loop is None:
                break
            cut = next(((a, b) for a, b in zip(loop, loop[1:] + loop[:1])
                        if any(w.startswith(("permissions", "environment")) for w in self.wires[(a, b)].why)
                        and not any(w.startswith(("event", "connector")) or " event " in w
                                    for w in self.wires[(a, b)].why)), None)
            if cut is None:
                break  # a loop of event wires: the stack reports it as a problem
            blocked.add(cut)
            self.wires, self.extra_raw, self.extra_origin, self.notes = (
                copy.deepcopy(saved[0]), dict(saved[1]), dict(saved[2]), copy.deepcopy(saved[3]))
        for fid, target in sorted(blocked):
            self.note(fid, f"its access to {target} stays a raw policy statement, not a wire: the wire would "
                      f"close a loop of wires ({target} also triggers {fid})")

    def _permissions_once(self, blocked: set[tuple[str, str]]) -> None:
        node_kinds = {lid: plan.kind for lid, plan in self.nodes.items()}
        resource_ids = frozenset(self.resources) | frozenset(self.nodes)
        residual_extra = sam_policy_table().get("managed_policy_residuals") or {}
        for fid, grants in self.grants.items():
            try:
                self._function_permissions(fid, grants, node_kinds, resource_ids, residual_extra, blocked)
            except SHAPE_ERRORS as exc:
                self.demote_node(fid, unexpected_shape(exc))

    def _function_permissions(self, fid, grants, node_kinds, resource_ids, residual_extra, blocked) -> None:
        # a function's access to itself (and blocked wires) stays a raw statement: no wire for it
        kinds = {lid: kind for lid, kind in node_kinds.items() if (fid, lid) not in blocked and lid != fid}
        statements = list(grants.statements) + absorb.connector_statements(self, fid)
        for managed in grants.managed:
            statements.extend(copy.deepcopy(residual_extra.get(managed_name(managed), [])))
        split = split_statements(statements, self.nodes[fid].kind, kinds, resource_ids, grants.fixed_levels)
        for target, levels in split.levels.items():
            self.add_wire(fid, target, "permissions: " + ", ".join(grants.sources or ["connector"]), levels)
        if split.residual:
            policy_id = f"{fid}ImportedPolicy"
            self.extra_raw[policy_id] = {"Type": "AWS::IAM::Policy", "Properties": {
                "PolicyName": "imported-permissions",
                "PolicyDocument": {"Version": "2012-10-17", "Statement": split.residual},
                "Roles": [{"Ref": f"{fid}Role"}],
            }}
            self.replacements[f"{fid}Role"] = ("role", fid)
            self.extra_origin[policy_id] = f"{fid} permissions"
            self.note(fid, f"{len(split.residual)} statement(s) no wire covers are kept in raw policy {policy_id}")
        self._environment_wires(fid, split, blocked)

    def _environment_wires(self, fid: str, split: Split, blocked=frozenset()) -> None:
        props = self.resources.get(fid, {}).get("Properties") or {}
        variables = (props.get("Environment") or {}).get("Variables") if isinstance(props.get("Environment"), dict) else None
        if not isinstance(variables, dict):
            return
        for name, raw in variables.items():
            targets = {t for t, _ in references(raw) if t in self.resources}
            if len(targets) != 1:
                if targets:
                    self.note(fid, f"environment variable {name} refers to {', '.join(sorted(targets))}: not carried")
                continue
            target = targets.pop()
            if (fid, target) in blocked:
                self.note(fid, f"environment variable {name} (from {target}) not carried: its wire would close a loop")
                continue
            kind = self.kind_of(target)
            if (fid, target) in self.wires:
                self.note(fid, f"environment variable {name} (from {target}) is given by the wire to {target}")
                continue
            profile = wire_profile("function", kind) if kind else None
            if profile is None or profile.event or profile.principal != "source":
                self.note(fid, f"environment variable {name} refers to {target}, which is not a node a function "
                          "can be wired to: not carried")
                continue
            granted = split.granted.get(target, frozenset()) | split.granted.get(STAR, frozenset())
            from stackerynb.importing.iam import action_covered, level_actions
            levels = [lvl for lvl in profile.access
                      if any(action_covered(a, granted) for a in level_actions(profile, lvl))]
            free = [lvl for lvl in profile.access if not level_actions(profile, lvl)]
            if levels or free:
                self.add_wire(fid, target, f"environment variable {name}", levels or free)
                self.note(fid, f"environment variable {name} (from {target}) is given by the wire to {target}")
            else:
                self.note(fid, f"environment variable {name} refers to {target}, but the template grants no access "
                          f"to it; not wired (a wire would grant access the original did not)")

    def check_raw_references(self) -> None:
        """Nodes that raw resources need as they were are demoted; so are absorbed resources
        raw ones refer to without a compiled stand-in."""
        table = import_map()["types"]
        raw_resources = {lid: self.pristine.get(lid, self.resources[lid]) for lid in self.raw}
        raw_resources.update(self.extra_raw)
        raw_sam = [lid for lid, r in raw_resources.items() if str(r.get("Type")).startswith("AWS::Serverless::")]
        for rid, resource in raw_resources.items():
            rtype = resource.get("Type")
            generated = rid in self.extra_raw
            for name, attribute in references(resource):
                if name in self.nodes and name in self.resources:
                    plan = self.nodes[name]
                    spec = table.get(plan.type) or {}
                    if rtype in (spec.get("referenced_by_raw") or ()):
                        self.demote_node(name, f"raw {rtype} {rid} builds on it, and a {plan.kind} node "
                                         "would generate its own")
                    elif not generated and (spec.get("ref_compatible") is False or not has_main_resource(plan.kind)):
                        self.demote_node(name, f"raw resource {rid} refers to it, and the {plan.kind} node "
                                         "compiles to another resource type")
                    elif attribute and attributes(plan.kind) and attribute not in attributes(plan.kind):
                        self.demote_node(name, f"raw resource {rid} uses its attribute {attribute}, which "
                                         f"the compiled {plan.kind} does not have")
                elif name in self.absorbed:
                    if name not in self.replacements and not generated:
                        self.demote_node(name, f"raw resource {rid} refers to it")
                elif (name not in self.resources and name not in self.parameters and name not in self.extra_raw
                      and name not in self.nodes):
                    owner = self._implicit_owner(name)
                    if owner and not any(name.startswith(r) for r in raw_sam):
                        self.demote_node(owner, f"raw resource {rid} refers to {name}, which SAM generates for it")
            if not generated:
                for name_value, lid, _ in self.aliases:
                    if lid in self.nodes and lid != rid and rewrite(resource, [(name_value, lid, {"Ref": lid})], rid) != resource:
                        self.demote_node(lid, f"raw resource {rid} uses its physical name, which only a raw "
                                         "resource keeps (a node's name is the compiler's)")
            for dep in _depends_on(resource):
                if dep in self.absorbed and dep not in self.replacements:
                    self.note(rid, f"DependsOn {dep} dropped ({dep} became {self.absorbed[dep]})")

    def _implicit_owner(self, name: str) -> str | None:
        """The node whose SAM-generated resource ``name`` would be (``MyApiProdStage``,
        ``MyFunctionAliaslive``, ``MyApi.Stage``), unless the compiler makes that id too."""
        owners = [lid for lid in self.nodes if lid in self.resources and name.startswith(lid)
                  and self.nodes[lid].type.startswith("AWS::Serverless::")]
        if not owners:
            return None
        owner = max(owners, key=len)
        return None if is_derived(owner, self.nodes[owner].kind, name) else owner


def _find_loop(wires: dict) -> list[str] | None:
    """Some loop of wires (as the node ids along it), or None."""
    graph: dict[str, list[str]] = {}
    for source, target in wires:
        graph.setdefault(source, []).append(target)
    state: dict[str, int] = {}
    for start in list(graph):
        if state.get(start):
            continue
        path, iters = [start], [iter(graph.get(start, ()))]
        state[start] = 1
        while iters:
            nxt = next(iters[-1], None)
            if nxt is None:
                state[path.pop()] = 2
                iters.pop()
            elif state.get(nxt) == 1:
                return path[path.index(nxt):]
            elif not state.get(nxt):
                state[nxt] = 1
                path.append(nxt)
                iters.append(iter(graph.get(nxt, ())))
    return None


def _depends_on(resource: dict) -> list[str]:
    value = resource.get("DependsOn")
    if isinstance(value, str):
        return [value]
    return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []


def _single_ref(value, resources) -> str | None:
    ids = [i for i in referenced_ids(value) if i in resources]
    return ids[0] if len(ids) == 1 else None


# Where physical names used as references are read as Refs (see aliases.py).
_ALIASED = {"AWS::Serverless::Function": ("Policies", "Environment"), "AWS::Lambda::Function": ("Environment",),
            "AWS::IAM::Role": ("Policies",), "AWS::IAM::Policy": ("PolicyDocument",),
            "AWS::IAM::ManagedPolicy": ("PolicyDocument",)}


def _with_aliases(resources: dict[str, dict]) -> dict[str, dict]:
    found = name_aliases(resources)
    if not found:
        return resources
    out = {}
    for lid, resource in resources.items():
        props = resource.get("Properties")
        keys = [k for k in _ALIASED.get(resource.get("Type"), ()) if isinstance(props, dict) and k in props]
        if keys:
            resource = dict(resource)
            resource["Properties"] = {k: rewrite(v, found, lid) if k in keys else v for k, v in props.items()}
        out[lid] = resource
    return out


def plan_import(template: Template) -> Round:
    """Rounds until nothing more is demoted; the final round is the plan."""
    pristine = apply_globals(template.data)
    resources = _with_aliases(pristine)
    aliases = name_aliases(pristine)
    forced: dict[str, str] = {}
    for _ in range(MAX_ROUNDS):
        current = Round(template, resources, dict(forced), pristine=pristine, aliases=aliases).run()
        if not current.demote:
            return current
        forced.update(current.demote)
    raise StackError(f"{template.filename}: the import did not settle after {MAX_ROUNDS} rounds")  # pragma: no cover
