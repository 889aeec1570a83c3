//! Classifies the differences between two versions of the contract: what a generated client
//! built against the old one would break on (removals and narrowings), and what is additive.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Report {
    pub breaking: Vec<String>,
    pub additive: Vec<String>,
}

impl Report {
    pub fn is_breaking(&self) -> bool {
        !self.breaking.is_empty()
    }
}

const METHODS: [&str; 8] = [
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

fn operations(doc: &Value) -> BTreeMap<String, &Value> {
    let mut out = BTreeMap::new();
    if let Some(paths) = doc["paths"].as_object() {
        for (path, item) in paths {
            for m in METHODS {
                if let Some(op) = item.get(m) {
                    out.insert(format!("{} {path}", m.to_uppercase()), op);
                }
            }
        }
    }
    out
}

/// Where a component schema is used: in requests, in responses, or both.
#[derive(Default)]
struct Usage {
    request: BTreeSet<String>,
    response: BTreeSet<String>,
}

fn collect_refs(v: &Value, out: &mut BTreeSet<String>) {
    match v {
        Value::Object(map) => {
            if let Some(Value::String(r)) = map.get("$ref") {
                if let Some(name) = r.strip_prefix("#/components/schemas/") {
                    out.insert(name.to_owned());
                }
                if let Some(name) = r.strip_prefix("#/components/responses/") {
                    out.insert(format!("responses/{name}"));
                }
            }
            map.values().for_each(|v| collect_refs(v, out));
        }
        Value::Array(items) => items.iter().for_each(|v| collect_refs(v, out)),
        _ => {}
    }
}

/// Follows references transitively through component schemas and responses.
fn closure(doc: &Value, mut names: BTreeSet<String>) -> BTreeSet<String> {
    let mut queue: Vec<String> = names.iter().cloned().collect();
    while let Some(name) = queue.pop() {
        let node = match name.strip_prefix("responses/") {
            Some(r) => &doc["components"]["responses"][r],
            None => &doc["components"]["schemas"][&name],
        };
        let mut found = BTreeSet::new();
        collect_refs(node, &mut found);
        for f in found {
            if names.insert(f.clone()) {
                queue.push(f);
            }
        }
    }
    names
        .into_iter()
        .filter(|n| !n.starts_with("responses/"))
        .collect()
}

fn usage(doc: &Value) -> Usage {
    let (mut req, mut res) = (BTreeSet::new(), BTreeSet::new());
    for op in operations(doc).values() {
        collect_refs(&op["requestBody"], &mut req);
        collect_refs(&op["parameters"], &mut req);
        collect_refs(&op["responses"], &mut res);
    }
    Usage {
        request: closure(doc, req),
        response: closure(doc, res),
    }
}

fn type_of(schema: &Value) -> Option<String> {
    match &schema["type"] {
        Value::Null => None,
        t => Some(t.to_string()),
    }
}

fn string_set(v: &Value) -> BTreeSet<String> {
    v.as_array()
        .map(|a| a.iter().map(|x| x.to_string()).collect())
        .unwrap_or_default()
}

/// Compares two schemas at `at`; `request`/`response` say which directions they travel.
fn compare_schema(
    at: &str,
    old: &Value,
    new: &Value,
    request: bool,
    response: bool,
    r: &mut Report,
) {
    if let (Some(a), Some(b)) = (type_of(old), type_of(new)) {
        if a != b {
            r.breaking
                .push(format!("{at}: type changed from {a} to {b}"));
        }
    }
    let (old_enum, new_enum) = (string_set(&old["enum"]), string_set(&new["enum"]));
    for gone in old_enum.difference(&new_enum) {
        r.breaking.push(format!("{at}: enum value {gone} removed"));
    }
    if !old_enum.is_empty() {
        for added in new_enum.difference(&old_enum) {
            r.additive.push(format!("{at}: enum value {added} added"));
        }
    }
    let (old_req, new_req) = (string_set(&old["required"]), string_set(&new["required"]));
    let empty = serde_json::Map::new();
    let old_props = old["properties"].as_object().unwrap_or(&empty);
    let new_props = new["properties"].as_object().unwrap_or(&empty);
    for (name, old_p) in old_props {
        let key = format!("\"{name}\"");
        match new_props.get(name) {
            None => r.breaking.push(format!("{at}.{name}: field removed")),
            Some(new_p) => {
                if response && old_req.contains(&key) && !new_req.contains(&key) {
                    r.breaking.push(format!(
                        "{at}.{name}: required response field became optional"
                    ));
                }
                if request && !old_req.contains(&key) && new_req.contains(&key) {
                    r.breaking.push(format!(
                        "{at}.{name}: optional request field became required"
                    ));
                }
                compare_schema(&format!("{at}.{name}"), old_p, new_p, request, response, r);
            }
        }
    }
    for (name, _) in new_props
        .iter()
        .filter(|(n, _)| !old_props.contains_key(*n))
    {
        let key = format!("\"{name}\"");
        if request && new_req.contains(&key) {
            r.breaking
                .push(format!("{at}.{name}: new required request field"));
        } else {
            r.additive.push(format!("{at}.{name}: field added"));
        }
    }
    if let (Some(a), Some(b)) = (old.get("items"), new.get("items")) {
        compare_schema(&format!("{at}[]"), a, b, request, response, r);
    }
}

/// The schema a `$ref` to a component schema names (itself when it is no reference), so an
/// inline schema that became a named one compares as the same.
fn resolve<'a>(doc: &'a Value, schema: &'a Value) -> &'a Value {
    match schema["$ref"]
        .as_str()
        .and_then(|r| r.strip_prefix("#/components/schemas/"))
    {
        Some(name) => &doc["components"]["schemas"][name],
        None => schema,
    }
}

/// An operation's parameters by `in:name`, a `$ref` to `components.parameters` resolved.
fn params<'a>(doc: &'a Value, op: &'a Value) -> BTreeMap<String, &'a Value> {
    op["parameters"]
        .as_array()
        .map(|ps| {
            ps.iter()
                .map(|p| {
                    let p = p["$ref"]
                        .as_str()
                        .and_then(|r| r.strip_prefix('#'))
                        .and_then(|at| doc.pointer(at))
                        .unwrap_or(p);
                    (
                        format!(
                            "{}:{}",
                            p["in"].as_str().unwrap_or(""),
                            p["name"].as_str().unwrap_or("")
                        ),
                        p,
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

/// An operation anyone may call: no security requirement, or an empty one among them.
fn is_public(op: &Value) -> bool {
    match op["security"].as_array() {
        None => true,
        Some(reqs) => reqs
            .iter()
            .any(|r| r.as_object().is_some_and(|o| o.is_empty())),
    }
}

/// What changed from `old` to `new`.
pub fn compare(old: &Value, new: &Value) -> Report {
    let mut r = Report::default();
    let (old_ops, new_ops) = (operations(old), operations(new));
    for (key, old_op) in &old_ops {
        let Some(new_op) = new_ops.get(key) else {
            r.breaking.push(format!("{key}: operation removed"));
            continue;
        };
        if old_op["operationId"] != new_op["operationId"] {
            r.breaking.push(format!(
                "{key}: operationId changed from {} to {} (generated clients rename the method)",
                old_op["operationId"], new_op["operationId"]
            ));
        }
        if is_public(old_op) && !is_public(new_op) {
            r.breaking
                .push(format!("{key}: now requires authentication"));
        }
        let (op_old, op_new) = (params(old, old_op), params(new, new_op));
        for (name, p) in &op_old {
            match op_new.get(name) {
                None => r.breaking.push(format!("{key}: parameter {name} removed")),
                Some(np) => {
                    if p["required"] != Value::Bool(true) && np["required"] == Value::Bool(true) {
                        r.breaking
                            .push(format!("{key}: parameter {name} became required"));
                    }
                    compare_schema(
                        &format!("{key} parameter {name}"),
                        resolve(old, &p["schema"]),
                        resolve(new, &np["schema"]),
                        true,
                        false,
                        &mut r,
                    );
                }
            }
        }
        for (name, p) in op_new.iter().filter(|(n, _)| !op_old.contains_key(*n)) {
            if p["required"] == Value::Bool(true) {
                r.breaking
                    .push(format!("{key}: new required parameter {name}"));
            } else {
                r.additive.push(format!("{key}: parameter {name} added"));
            }
        }
        let old_codes: BTreeSet<&String> = old_op["responses"]
            .as_object()
            .map(|m| m.keys().collect())
            .unwrap_or_default();
        let new_codes: BTreeSet<&String> = new_op["responses"]
            .as_object()
            .map(|m| m.keys().collect())
            .unwrap_or_default();
        for gone in old_codes
            .iter()
            .filter(|c| c.starts_with('2') && !new_codes.contains(*c))
        {
            r.breaking
                .push(format!("{key}: success response {gone} removed"));
        }
    }
    for key in new_ops.keys().filter(|k| !old_ops.contains_key(*k)) {
        r.additive.push(format!("{key}: operation added"));
    }

    let (old_use, new_use) = (usage(old), usage(new));
    let empty = serde_json::Map::new();
    let old_schemas = old["components"]["schemas"].as_object().unwrap_or(&empty);
    let new_schemas = new["components"]["schemas"].as_object().unwrap_or(&empty);
    for (name, old_s) in old_schemas {
        match new_schemas.get(name) {
            None => r.breaking.push(format!("schema {name}: removed")),
            Some(new_s) => {
                let request = old_use.request.contains(name) || new_use.request.contains(name);
                let response = old_use.response.contains(name) || new_use.response.contains(name);
                compare_schema(
                    &format!("schema {name}"),
                    old_s,
                    new_s,
                    request,
                    response,
                    &mut r,
                );
            }
        }
    }
    for name in new_schemas.keys().filter(|n| !old_schemas.contains_key(*n)) {
        r.additive.push(format!("schema {name}: added"));
    }
    r
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn doc(region_props: Value, required: Value, kind_enum: Value, params: Value) -> Value {
        json!({
            "openapi": "3.1.0",
            "paths": {
                "/v1/regions": {"get": {
                    "operationId": "listRegions",
                    "parameters": params,
                    "responses": {"200": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Region"}}}}}
                }},
            },
            "components": {"schemas": {
                "Region": {"type": "object", "properties": region_props, "required": required},
                "RegionKind": {"type": "string", "enum": kind_enum}
            }}
        })
    }

    fn base() -> Value {
        doc(
            json!({"code": {"type": "string"}, "kind": {"$ref": "#/components/schemas/RegionKind"}}),
            json!(["code", "kind"]),
            json!(["province", "regency", "city"]),
            json!([{"name": "limit", "in": "query", "required": false, "schema": {"type": "integer"}}]),
        )
    }

    #[test]
    fn an_identical_contract_has_no_changes() {
        assert_eq!(compare(&base(), &base()), Report::default());
    }

    #[test]
    fn removing_a_response_field_is_breaking() {
        let new = doc(
            json!({"kind": {"$ref": "#/components/schemas/RegionKind"}}),
            json!(["kind"]),
            json!(["province", "regency", "city"]),
            json!([{"name": "limit", "in": "query", "required": false, "schema": {"type": "integer"}}]),
        );
        let r = compare(&base(), &new);
        assert!(
            r.breaking
                .iter()
                .any(|b| b.contains("Region.code: field removed")),
            "{r:?}"
        );
    }

    #[test]
    fn a_required_response_field_becoming_optional_is_breaking() {
        let mut new = base();
        new["components"]["schemas"]["Region"]["required"] = json!(["kind"]);
        let r = compare(&base(), &new);
        assert_eq!(
            r.breaking,
            ["schema Region.code: required response field became optional"]
        );
    }

    #[test]
    fn removing_an_enum_value_is_breaking_and_adding_one_additive() {
        let mut new = base();
        new["components"]["schemas"]["RegionKind"]["enum"] =
            json!(["province", "regency", "city", "village"]);
        let r = compare(&base(), &new);
        assert!(!r.is_breaking(), "{r:?}");
        assert_eq!(
            r.additive,
            ["schema RegionKind: enum value \"village\" added"]
        );
        new["components"]["schemas"]["RegionKind"]["enum"] = json!(["province", "regency"]);
        assert!(compare(&base(), &new).breaking[0].contains("enum value \"city\" removed"));
    }

    #[test]
    fn a_parameter_enum_named_as_a_component_is_the_same_enum() {
        let kind = |schema: Value| json!([{"name": "kind", "in": "query", "schema": schema}]);
        let inline = json!({"type": "string", "enum": ["province", "regency", "city"]});
        let named = json!({"$ref": "#/components/schemas/RegionKind"});
        let old = doc(
            json!({}),
            json!([]),
            json!(["province", "regency", "city"]),
            kind(inline),
        );
        let new = doc(
            json!({}),
            json!([]),
            json!(["province", "regency", "city"]),
            kind(named.clone()),
        );
        assert!(
            !compare(&old, &new).is_breaking(),
            "{:?}",
            compare(&old, &new)
        );
        let narrower = doc(
            json!({}),
            json!([]),
            json!(["province", "city"]),
            kind(named),
        );
        assert!(compare(&old, &narrower).breaking[0].contains("enum value \"regency\" removed"));
    }

    #[test]
    fn removing_an_operation_or_requiring_a_parameter_is_breaking() {
        let mut new = base();
        new["paths"]["/v1/regions"]["get"]["parameters"][0]["required"] = json!(true);
        assert!(
            compare(&base(), &new).breaking[0].contains("parameter query:limit became required")
        );
        let empty = json!({"openapi": "3.1.0", "paths": {}, "components": {"schemas": base()["components"]["schemas"].clone()}});
        assert_eq!(
            compare(&base(), &empty).breaking,
            ["GET /v1/regions: operation removed"]
        );
    }

    #[test]
    fn adding_operations_fields_and_optional_parameters_is_additive() {
        let mut new = base();
        new["components"]["schemas"]["Region"]["properties"]["name"] = json!({"type": "string"});
        new["paths"]["/v1/regions"]["get"]["parameters"]
            .as_array_mut()
            .unwrap()
            .push(json!({"name": "kind", "in": "query", "required": false, "schema": {"type": "string"}}));
        new["paths"]["/v1/countries"] =
            json!({"get": {"operationId": "listCountries", "responses": {}}});
        let r = compare(&base(), &new);
        assert!(!r.is_breaking(), "{r:?}");
        assert_eq!(r.additive.len(), 3, "{r:?}");
    }

    #[test]
    fn requiring_authentication_is_breaking() {
        let mut old = base();
        old["paths"]["/v1/regions"]["get"]["security"] = json!([{}]);
        let mut new = base();
        new["paths"]["/v1/regions"]["get"]["security"] = json!([{"bearer": []}]);
        assert_eq!(
            compare(&old, &new).breaking,
            ["GET /v1/regions: now requires authentication"]
        );
        assert!(!compare(&new, &old).is_breaking());
    }

    #[test]
    fn a_changed_field_type_is_breaking() {
        let mut new = base();
        new["components"]["schemas"]["Region"]["properties"]["code"] = json!({"type": "integer"});
        assert!(compare(&base(), &new).breaking[0].contains("type changed"));
    }
}
