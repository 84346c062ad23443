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
import json
from dataclasses import dataclass, field
from typing import Any

from stackerynb.catalog import kind as catalog_kind, wire_profile
from stackerynb.errors import StackError
from stackerynb.importing import absorb, bucket_notifications, event_rules, http_apis, state_machines
from stackerynb.importing import rest_api_bodies
from stackerynb.importing.aliases import name_aliases, rewrite
from stackerynb.importing.compiled_names import attributes, has_main_resource, is_derived
from stackerynb.importing.convert import convert_settings, import_map, leftover_properties
from stackerynb.importing.function_properties import FunctionProperties, function_properties, made_by_settings
from stackerynb.importing.events import EventPlan, plan_events, route_texts
from stackerynb.importing.importer_errors import SHAPE_ERRORS, unexpected_shape
from stackerynb.importing.iam import STAR, Split, action_covered, level_actions, split_statements
from stackerynb.importing.wire_env import attribute_of
from stackerynb.cfn.intrinsics import PSEUDO_PARAMETERS, is_intrinsic, references, referenced_ids
from stackerynb.importing.permissions import (
    Grants, managed_arn, managed_name, role_grants, sam_function_grants, sam_policy_table,
)
from stackerynb.importing.sam_globals import api_globals, apply_globals
from stackerynb.importing.reconcile import reconcile
from stackerynb.importing.sam_properties import pass_through
from stackerynb.catalog.kinds import RESOURCE_ATTRIBUTES
from stackerynb.cfn.schemas import is_resource_type, property_problems
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
    settings: dict = field(default_factory=dict)  # wire settings (catalog wire_settings), e.g. event
    exact: dict | None = None  # wire settings (actions, resources) when the levels grant more
    env: dict = field(default_factory=dict)  # variable name -> target attribute (wire setting env)


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
    absorbed_into: dict[str, tuple] = field(default_factory=dict)  # logical id -> node ids it went into
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
    implied: dict[str, FunctionProperties] = field(default_factory=dict)  # function -> kept properties
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
            function = function_properties(lid, rtype, props) if rtype in FUNCTION_TYPES else None
            if function is not None:  # functions first: SAM's extra role grants come with them
                reasons.extend(function.raw_reasons)
                reasons.extend(self._alias_uses(lid, function))
                props = {k: v for k, v in props.items() if k not in function.handled}
            dropped, unsupported = leftover_properties(spec, props)
            # what the kind does not model is kept verbatim (CloudFormation form) in `properties`
            also = [p for p in spec.get("also_kept") or () if p in props and p not in unsupported + dropped]
            kept, untranslated = pass_through(rtype, props, unsupported + dropped + also)
            missing = [p for p in unsupported if p in untranslated]
            if not has_main_resource(spec["kind"]):  # nothing to write kept properties on
                kept, untranslated, missing = {}, unsupported + dropped, unsupported
                if any(a in resource for a in RESOURCE_ATTRIBUTES):
                    reasons.append(f"a {spec['kind']} node has no resource of its own to keep its attributes on")
            if missing:
                reasons.append(f"{', '.join(missing)} cannot be carried by a {spec['kind']} node")
            reasons.extend(self._kept_reasons(rtype, props, kept))
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
            if function is not None:
                translated = function.settings(resource).get("properties") or {}
                if isinstance(props.get("Runtime"), str) and settings.get("runtime") != props["Runtime"]:
                    # the nearest offered runtime is the setting; the function keeps its own
                    translated["Runtime"] = props["Runtime"]
                if translated:
                    settings["properties"] = {**settings.get("properties", {}), **translated}
                settings.update(function.node_settings)
                self.implied[lid] = function
            self.nodes[lid] = NodePlan(lid, spec["kind"], settings, rtype, notes)

    def _alias_uses(self, lid: str, function: FunctionProperties) -> list[str]:
        """SAM's ``<id>.Alias`` / ``<id>.Version`` references, which only SAM resolves."""
        if "alias" not in function.node_settings:
            return []
        text = json.dumps(self.template.data)
        used = [f"{lid}.{what}" for what in ("Alias", "Version") if f'"{lid}.{what}' in text or "${" + f"{lid}.{what}" in text]
        return [f"the template refers to {', '.join(used)}, which only SAM resolves"] if used else []

    def _kept_reasons(self, rtype: str, props: dict, kept: dict) -> list[str]:
        """Why properties kept verbatim on a curated node would not compile to what the template
        means: a reference to something the template does not have, or properties its type's
        schema refuses (the resource then stays verbatim, where the same is reported)."""
        missing = sorted(referenced_ids(kept) - set(self.resources) - set(self.parameters))
        if missing:
            return [f"its {', '.join(sorted(kept))} refer{'s' if len(kept) == 1 else ''} to "
                    f"{', '.join(missing)}, which the template does not have"]
        if kept and not rtype.startswith("AWS::Serverless::") and is_resource_type(rtype):
            problems = property_problems(rtype, props)
            if problems:
                return [f"its properties do not follow the {rtype} schema ({problems[0]})"]
        return []

    @staticmethod
    def _attribute_reasons(resource: dict) -> list[str]:
        reasons = []
        if "Condition" in resource:
            # what the kit generates for a node (role, log group, wires) is unconditional
            reasons.append(f"it exists only under condition {resource['Condition']}")
        return reasons

    def plan_functions(self) -> None:
        """Events and permissions of function candidates; demote those that cannot be nodes."""
        implicit = import_map()["implicit_apis"]
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
            implied = self.implied.get(lid)
            if implied is not None and plan.type == "AWS::Serverless::Function" and "Role" not in props:
                grants.statements.extend(implied.statements)  # what SAM adds to the role it makes
                grants.managed.extend(implied.managed)
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
                        key = "RestApiId" if event["Type"] == "Api" else "ApiId"
                        if key not in props:
                            raw_implicit.add(event["Type"])
                        # SAM adds a raw function's routes to its SAM API: that API must stay SAM
                        for api in referenced_ids(props.get(key)) & set(self.nodes):
                            if self.resources.get(api, {}).get("Type", "").startswith("AWS::Serverless::"):
                                self.demote_node(api, f"raw SAM function {lid} adds its event {key} routes to it, "
                                                 "which only SAM does")
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
                planned = self.add_wire(wire.source, fid, f"{fid} event {wire.event}")
                if wire.settings:
                    if planned.settings.get("event") not in (None, wire.settings):
                        self.demote_node(fid, f"event {wire.event}: {wire.source} feeds it twice with other "
                                         "settings, and one wire carries one set")
                        continue
                    planned.settings["event"] = dict(wire.settings)
                if wire.permission:
                    planned.settings["permission"] = dict(wire.permission)
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
        """Each function's routes exactly as its events state them (method and path)."""
        chosen, conflicts = route_texts(by_function)
        if conflicts:
            shown = "; ".join(conflicts[:3]) + (f"; and {len(conflicts) - 3} more" if len(conflicts) > 3 else "")
            reason = "its routes cannot all be served by one rest_api node: " + shown
            if api in self.resources:
                self.demote_node(api, reason)
            for fid in by_function:
                self.demote_node(fid, f"its API {api} cannot be a node: {reason}")
            return
        self.nodes[api].settings["routes"] = dict(sorted(chosen.items()))

    def plan_resources(self) -> None:
        """Relationships resources state themselves: topic subscriptions, timer targets, secrets'
        generated values (a queue's dead-letter queue stays a node its RedrivePolicy names)."""
        for lid, plan in list(self.nodes.items()):
            if lid not in self.nodes:
                continue  # absorbed meanwhile as another queue's dead-letter queue
            try:
                self._plan_resource(lid, plan)
            except SHAPE_ERRORS as exc:
                self.demote_node(lid, unexpected_shape(exc))

    def _plan_resource(self, lid: str, plan: NodePlan) -> None:
        props = (self.resources.get(lid) or {}).get("Properties") or {}
        if plan.type == "AWS::SNS::Topic" and props.get("Subscription"):
            for sub in props["Subscription"] if isinstance(props["Subscription"], list) else []:
                target = _single_ref(sub.get("Endpoint"), self.resources) if isinstance(sub, dict) else None
                protocol = sub.get("Protocol") if isinstance(sub, dict) else None
                expected = {"sqs": "queue", "lambda": "function"}.get(protocol)
                if target is None or expected is None or self.kind_of(target) != expected:
                    self.demote_node(lid, f"its {protocol} subscription to {sub.get('Endpoint')!r} cannot be a wire")
                    break
                if expected == "queue":  # an inline subscription has no RawMessageDelivery: the envelope
                    self.set_source_setting(lid, "raw_delivery", False, f"{lid} Subscription")
                self.add_wire(lid, target, f"{lid} Subscription ({protocol})")
        elif plan.type == "AWS::S3::Bucket":
            bucket_notifications.plan(self, lid, plan, props)
        elif plan.type == "AWS::ApiGatewayV2::Api":
            http_apis.api_properties(self, lid, plan, props)
        elif plan.type == "AWS::ApiGateway::RestApi" and "Body" in props:
            rest_api_bodies.plan(self, lid, plan, props)
        elif plan.type == "AWS::Events::EventBus":
            event_rules.bus_properties(self, lid, plan, props)
        elif plan.type == "AWS::Events::Rule":
            absorb.timer_targets(self, lid, props)
        elif plan.type == "AWS::SecretsManager::Secret":
            generate = props.get("GenerateSecretString")
            options = catalog_kind("secret").settings["generate_options"]
            if isinstance(generate, dict) and set(generate) - {"PasswordLength"}:
                kept = {k: copy.deepcopy(v) for k, v in generate.items() if k != "PasswordLength"}
                if options.check(kept):
                    self.demote_node(lid, f"GenerateSecretString: {options.check(kept)}")
                else:
                    plan.settings["generate_options"] = kept
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
        baseline = sam_policy_table()["baseline_managed_policies"]
        kept_arns = []
        for managed in grants.managed:
            if managed_name(managed) in baseline:
                statements.extend(copy.deepcopy(residual_extra.get(managed_name(managed), [])))
            elif managed_arn(managed) not in kept_arns:
                kept_arns.append(managed_arn(managed))
        split = split_statements(statements, self.nodes[fid].kind, kinds, resource_ids, grants.fixed_levels)
        for target, levels in split.levels.items():
            wire = self.add_wire(fid, target, "permissions: " + ", ".join(grants.sources or ["connector"]), levels)
            wire.exact = split.exact.get(target)
        self._event_wires_granted_by(fid, kept_arns)
        policies = {}
        if split.residual:
            policies["Statement"] = split.residual
            self.note(fid, f"{len(split.residual)} statement(s) no wire covers are kept in its policies setting")
        if kept_arns:
            policies["ManagedPolicyArns"] = kept_arns
            self.note(fid, f"managed polic{'ies' if len(kept_arns) > 1 else 'y'} kept in its policies setting: "
                      + ", ".join(managed_name(m) if isinstance(m, str) else "(computed)" for m in kept_arns))
        if policies:
            self.nodes[fid].settings["policies"] = policies
        else:
            self.nodes[fid].settings.pop("policies", None)
        self._environment_wires(fid, split, blocked)

    def _event_wires_granted_by(self, fid: str, kept_arns: list) -> None:
        """Event wires into ``fid`` whose source's actions the function's kept managed policies
        grant (SAM attaches an execution role policy per pull event source) grant nothing
        themselves: the compiled role is then the template's, not that plus the wire's."""
        managed_actions = sam_policy_table().get("managed_policy_actions") or {}
        granted = frozenset(a.lower() for arn in kept_arns for a in managed_actions.get(managed_name(arn), ()))
        for (source, target), wire in self.wires.items():
            kind = self.kind_of(source)
            profile = wire_profile(kind, "function") if target == fid and kind else None
            if profile is None or profile.principal != "target" or not profile.event:
                continue
            actions = [a for st in profile.statements(None) for a in st.actions]
            if actions and any(action_covered(a.lower(), granted) for a in actions):
                # the template's role had the source's execution policy: what it lacks, it lacked
                wire.exact = {**(wire.exact or {}), "grants": False}

    def _environment_wires(self, fid: str, split: Split, blocked=frozenset()) -> None:
        """Variables that name a wired node's attribute become the wire's ``env``; the others
        keep their values: plain ones in the ``environment`` setting and, when any value is
        computed (a parameter, ``AWS::Region``, a ``Sub`` text, a raw resource), the template's
        whole ``Environment`` in ``properties``, verbatim (parameters stay parameters)."""
        props = self.resources.get(fid, {}).get("Properties") or {}
        variables = (props.get("Environment") or {}).get("Variables") if isinstance(props.get("Environment"), dict) else None
        if not isinstance(variables, dict):
            return
        written = ((self.pristine.get(fid, {}).get("Properties") or {}).get("Environment") or {})
        written_variables = written.get("Variables") if isinstance(written, dict) else None
        verbatim, unknown = [], []
        for name, raw in variables.items():
            missing = referenced_ids(raw) - set(self.resources) - set(self.parameters) - set(PSEUDO_PARAMETERS)
            if missing:  # the template refers to what it does not have: nothing to keep
                self.note(fid, f"environment variable {name} refers to {', '.join(sorted(missing))}, which the "
                          "template does not have: not carried")
                unknown.append(name)
                continue
            targets = {t for t, _ in references(raw) if t in self.resources}
            if isinstance(written_variables, dict) and written_variables.get(name) != raw and (
                    len(targets) != 1 or (fid, next(iter(targets))) in blocked):
                # a physical name read as a reference, which no wire gives: kept as written
                verbatim.append(name)
                continue
            if len(targets) != 1:
                if targets or is_intrinsic(raw):
                    verbatim.append(name)
                continue
            target = targets.pop()
            kind = self.kind_of(target)
            attribute = attribute_of(kind, target, raw) if kind else None
            if attribute is None or (fid, target) in blocked:
                verbatim.append(name)
                continue
            if (fid, target) not in self.wires:
                profile = wire_profile("function", kind)
                if profile is None or profile.event or profile.principal != "source":
                    verbatim.append(name)
                    continue
                granted = split.granted.get(target, frozenset()) | split.granted.get(STAR, frozenset())
                levels = [lvl for lvl in profile.access
                          if any(action_covered(a, granted) for a in level_actions(profile, lvl))]
                free = [lvl for lvl in profile.access if not level_actions(profile, lvl)]
                if not (levels or free):
                    self.note(fid, f"environment variable {name} refers to {target}, but the template grants no "
                              "access to it; kept as a value (a wire would grant access the original did not)")
                    verbatim.append(name)
                    continue
                wire = self.add_wire(fid, target, f"environment variable {name}", levels or free)
                if levels:
                    wire.exact = _exact_for(profile, levels, granted)
            self.wires[(fid, target)].env[name] = attribute
            self.note(fid, f"environment variable {name} ({attribute} of {target}) is given by the wire to {target}")
        if verbatim:
            settings = self.nodes[fid].settings
            # as the template wrote it (physical names stay names, parameters stay parameters)
            environment = copy.deepcopy(written if isinstance(written_variables, dict) else props["Environment"])
            environment["Variables"] = {k: v for k, v in environment["Variables"].items() if k not in unknown}
            table = import_map()["types"]
            for ref in sorted(referenced_ids(environment)):
                plan = self.nodes.get(ref)
                if plan is not None and ref in self.resources and (
                        not has_main_resource(plan.kind) or (table.get(plan.type) or {}).get("ref_compatible") is False):
                    self.demote_node(ref, f"the environment of {fid} refers to it, and the {plan.kind} node "
                                     "compiles to another resource type")
            settings["properties"] = {**(settings.get("properties") or {}), "Environment": environment}
            plain = {k: v for k, v in (settings.get("environment") or {}).items()
                     if k not in verbatim and not (isinstance(v, str) and v.startswith("${"))}
            if plain:
                settings["environment"] = plain
            else:
                settings.pop("environment", None)
            self.note(fid, f"environment variable{'s' if len(verbatim) > 1 else ''} {', '.join(verbatim)} "
                      "computed by the template: its Environment is kept as written (properties)")

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
        plan = self.nodes[owner]
        if plan.kind == "function" and made_by_settings(owner, name, plan.settings) is not None:
            return None if made_by_settings(owner, name, plan.settings) else owner
        return None if is_derived(owner, plan.kind, name) else owner


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
            return reconcile(current)  # the template's values win over the kit's own defaults
        forced.update(current.demote)
    raise StackError(f"{template.filename}: the import did not settle after {MAX_ROUNDS} rounds")  # pragma: no cover


def _exact_for(profile, levels: list[str], granted: frozenset) -> dict | None:
    """Wire ``actions`` for a wire made for an environment variable: only the levels' actions
    the template granted, when that is less than the levels grant."""
    offered = list(dict.fromkeys(a for lvl in levels for st in profile.access.get(lvl, ()) for a in st.actions))
    kept = [a for a in offered if action_covered(a.lower(), granted)]
    return {"actions": kept} if kept and len(kept) < len(offered) else None
