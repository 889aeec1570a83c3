//! The last step of the contract, on its JSON: what makes client generators name and type
//! things well, applied uniformly so no handler has to remember it.
//!
//! - `servers`: the document's own server (a relative URL), so tools resolve paths;
//! - binary bodies (`Vec<u8>` shows as an array of integers) become `type: string,
//!   format: binary`, so generated clients return bytes, not text or numbers;
//! - a tagged union (a `oneOf` whose inline variants each fix the same property to one value,
//!   as serde's `#[serde(tag = "kind")]` derives) gets each variant as a named schema
//!   (`StageRecordSigning`) and a `discriminator` on its tag property;
//! - an anonymous enum that repeats becomes one named schema;
//! - every operation has a `description` (its summary when the handler wrote no more);
//! - webhooks carry their security: the Standard Webhooks signature.

use std::collections::BTreeMap;

use serde_json::{json, Map, Value};

/// Applies every step to the assembled document.
pub fn polish(mut doc: Value) -> Value {
    servers(&mut doc);
    binary_bodies(&mut doc);
    tagged_unions(&mut doc);
    named_enums(&mut doc);
    descriptions(&mut doc);
    webhook_security(&mut doc);
    conditional_gets(&mut doc);
    headers(&mut doc);
    doc
}

/// Every header jalin sends, described once in `components.headers` and referenced from the
/// responses that carry it; `X-Request-Id`, which a client may also send, once in
/// `components.parameters` and referenced from every operation.
fn headers(doc: &mut Value) {
    let text = json!({"type": "string"});
    let h =
        |description: &str, schema: &Value| json!({"description": description, "schema": schema});
    doc["components"]["headers"] = json!({
        "X-Request-Id": h("The request's id: the client's `X-Request-Id` when it is 1–128 characters of \
            `A–Z a–z 0–9 - _ . : / + = @`, else a new UUIDv7. Every log line of the request and \
            every problem's `request_id` carry it.", &text),
        "ETag": h("The representation's entity tag: a record's version (strong; the value \
            `If-Match` takes when changing it) or, for a list, a weak tag of the body. Send it as \
            `If-None-Match` to get a `304` while it is unchanged. It is the tag of the identity \
            body, whatever `Content-Encoding` was applied.", &text),
        "Location": h("The URL of the created resource.", &json!({"type": "string", "format": "uri-reference"})),
        "Content-Disposition": h("`attachment; filename=\"…\"`: the name to save the file under.", &text),
        "Content-Encoding": h("`gzip` or `br` when the request's `Accept-Encoding` allowed it and the \
            body was compressed; absent when the body is sent as is.", &json!({"type": "string", "enum": ["gzip", "br"]})),
        "Vary": h("`Accept-Encoding` (and, with CORS, `Origin`…): the answer depends on those request \
            headers, so caches keep one copy per value.", &text),
        "Retry-After": h("Seconds to wait before trying again.", &json!({"type": "integer", "minimum": 1})),
        "RateLimit-Policy": h("The limits the request was counted against (IETF draft \
            httpapi-ratelimit-headers), as `\"NAME\";q=QUOTA;w=WINDOW_SECONDS`, comma-separated: \
            `login` (failed sign-ins of one name from one client address), `login-address` (failed \
            sign-ins from one address, any names) and `feed` (public feed requests per address).", &text),
        "RateLimit": h("Where the client stands against each of those limits: \
            `\"NAME\";r=REMAINING;t=SECONDS_UNTIL_WHOLE_AGAIN`, comma-separated.", &text),
        "Deprecation": h("RFC 9745: the operation is deprecated since this time (`@` and Unix \
            seconds). Sent only by operations marked `deprecated`.", &text),
        "Sunset": h("RFC 8594: the HTTP-date after which the operation is no longer served.", &text),
        "Link": h("`<URL>; rel=\"deprecation\"`: where the deprecated operation's replacement is \
            described.", &text),
    });
    doc["components"]["parameters"]["X-Request-Id"] = json!({
        "name": "X-Request-Id",
        "in": "header",
        "required": false,
        "description": "Your id for the request, echoed in the response's `X-Request-Id`, in the \
            server's log lines and in a problem's `request_id`; an id that is empty, longer than 128 \
            characters or holds other characters than `A–Z a–z 0–9 - _ . : / + = @` is replaced by a \
            new one (never refused).",
        "schema": {"type": "string"},
        "example": "7f3c2a10-checkout-42"
    });
    // The deprecation headers are declared while an operation is deprecated (none unused).
    let any_deprecated = operations_mut(doc).any(|op| op["deprecated"] == json!(true));
    if !any_deprecated {
        if let Some(hs) = doc["components"]["headers"].as_object_mut() {
            for name in ["Deprecation", "Sunset", "Link"] {
                hs.remove(name);
            }
        }
    }
    let reference = |name: &str| json!({"$ref": format!("#/components/headers/{name}")});
    const SHARED: [&str; 3] = ["ETag", "Location", "Content-Disposition"];
    for op in operations_mut(doc) {
        let limited = op["responses"].get("429").is_some();
        let deprecated = op["deprecated"] == json!(true);
        let params = op["parameters"].as_array().cloned().unwrap_or_default();
        let mut params: Vec<Value> = params;
        params.push(json!({"$ref": "#/components/parameters/X-Request-Id"}));
        op["parameters"] = Value::Array(params);
        let responses = op["responses"].as_object_mut().into_iter().flatten();
        for (status, response) in responses {
            if response.get("$ref").is_some() {
                continue;
            }
            let has_body = response.get("content").is_some();
            let headers = &mut response["headers"];
            for name in SHARED {
                if headers.get(name).is_some() {
                    headers[name] = reference(name);
                }
            }
            headers["X-Request-Id"] = reference("X-Request-Id");
            if has_body && status.starts_with('2') {
                headers["Content-Encoding"] = reference("Content-Encoding");
                headers["Vary"] = reference("Vary");
            }
            if limited {
                headers["RateLimit"] = reference("RateLimit");
                headers["RateLimit-Policy"] = reference("RateLimit-Policy");
            }
            if deprecated {
                for name in ["Deprecation", "Sunset", "Link"] {
                    headers[name] = reference(name);
                }
            }
        }
    }
    let shared = doc["components"]["responses"]
        .as_object_mut()
        .into_iter()
        .flatten();
    for (name, response) in shared {
        let headers = &mut response["headers"];
        headers["X-Request-Id"] = reference("X-Request-Id");
        if name == "TooManyRequests" {
            for h in ["Retry-After", "RateLimit", "RateLimit-Policy"] {
                headers[h] = reference(h);
            }
        }
    }
}

/// Every `GET` answers `If-None-Match` (api/src/http_cache.rs): the `ETag` of its `200` and the
/// `304`. The header itself is described there and in `info.description`, not as a parameter of
/// each operation: `If-None-Match: *` rightly answers 304, which generated tests would count
/// as a valid request refused.
fn conditional_gets(doc: &mut Value) {
    let gets = doc["paths"]
        .as_object_mut()
        .into_iter()
        .flat_map(|p| p.values_mut());
    for op in gets.filter_map(|item| item.get_mut("get")) {
        let Some(ok) = op["responses"].get_mut("200") else {
            continue;
        };
        let json = ok["content"].get("application/json").is_some();
        if !json {
            continue;
        }
        if ok["headers"].get("ETag").is_none() {
            ok["headers"]["ETag"] = json!({
                "description": "The representation's entity tag (the resource's own, or a weak one \
                    of the body); send it as `If-None-Match` to get a 304 while it is unchanged.",
                "schema": {"type": "string"}
            });
        }
        op["responses"]["304"] = json!({
            "description": "Not modified: the request's `If-None-Match` (entity tags of \
                representations the client holds, from earlier `ETag`s) matches the current \
                `ETag`; no body. The header is optional and not listed per operation: a request \
                without it always gets the 200.",
            "headers": {"ETag": {"description": "The current entity tag.", "schema": {"type": "string"}}}
        });
    }
}

const METHODS: [&str; 8] = [
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

fn operations_mut(doc: &mut Value) -> impl Iterator<Item = &mut Value> {
    let paths = doc["paths"]
        .as_object_mut()
        .into_iter()
        .flat_map(|p| p.values_mut());
    paths.flat_map(|item| {
        item.as_object_mut()
            .into_iter()
            .flat_map(|o| o.iter_mut())
            .filter(|(m, _)| METHODS.contains(&m.as_str()))
            .map(|(_, op)| op)
    })
}

fn servers(doc: &mut Value) {
    if doc.get("servers").is_none() {
        if let Some(o) = doc.as_object_mut() {
            let servers = json!([{
                "url": "/",
                "description": "The server that serves this document (`GET /openapi.json`). Clients \
                    set their deployment's base URL, e.g. `http://127.0.0.1:8080` for `make run`."
            }]);
            o.insert("servers".into(), servers);
        }
    }
}

/// `{type: array, items: {type: integer}}`: how a byte vector shows.
fn is_bytes(schema: &Value) -> bool {
    schema["type"] == "array" && schema["items"]["type"] == "integer"
}

fn binary_bodies(doc: &mut Value) {
    let binary = || json!({"type": "string", "format": "binary"});
    for op in operations_mut(doc) {
        let Some(op) = op.as_object_mut() else {
            continue;
        };
        let mut contents: Vec<&mut Value> = Vec::new();
        for (k, v) in op.iter_mut() {
            match k.as_str() {
                "responses" => {
                    let rs = v.as_object_mut().into_iter().flat_map(|r| r.values_mut());
                    contents.extend(rs.filter_map(|r| r.get_mut("content")));
                }
                "requestBody" => contents.extend(v.get_mut("content")),
                _ => {}
            }
        }
        for content in contents {
            for media in content
                .as_object_mut()
                .into_iter()
                .flat_map(|c| c.values_mut())
            {
                if is_bytes(&media["schema"]) {
                    media["schema"] = binary();
                }
            }
        }
    }
}

/// `snake_case` → `CamelCase`.
fn camel(s: &str) -> String {
    s.split(['_', '-', '.', ' '])
        .filter(|w| !w.is_empty())
        .map(|w| {
            let mut c = w.chars();
            c.next()
                .map(|f| f.to_uppercase().chain(c).collect::<String>())
                .unwrap_or_default()
        })
        .collect()
}

/// The property every variant fixes to one value, if all variants are inline objects doing so.
fn tag_of(variants: &[Value]) -> Option<String> {
    let first = variants.first()?.get("properties")?.as_object()?;
    first.keys().find_map(|name| {
        let fixed = |v: &Value| {
            let p = &v["properties"][name];
            let one =
                p["enum"].as_array().is_some_and(|e| e.len() == 1) || p.get("const").is_some();
            let required = v["required"]
                .as_array()
                .is_some_and(|r| r.iter().any(|x| x == name));
            one && required && v.get("$ref").is_none()
        };
        variants.iter().all(fixed).then(|| name.clone())
    })
}

fn tag_value(variant: &Value, tag: &str) -> Option<String> {
    let p = &variant["properties"][tag];
    p.get("const")
        .or(p["enum"].get(0))
        .and_then(Value::as_str)
        .map(str::to_owned)
}

fn tagged_unions(doc: &mut Value) {
    let Some(schemas) = doc["components"]["schemas"].as_object_mut() else {
        return;
    };
    let mut hoisted = Vec::new();
    for (name, schema) in schemas.iter_mut() {
        let Some(variants) = schema["oneOf"].as_array().cloned() else {
            continue;
        };
        let Some(tag) = tag_of(&variants) else {
            continue;
        };
        let mut refs = Vec::new();
        let mut mapping = Map::new();
        for mut v in variants {
            let Some(value) = tag_value(&v, &tag) else {
                return;
            };
            let variant = format!("{name}{}", camel(&value));
            let reference = format!("#/components/schemas/{variant}");
            v["title"] = json!(variant);
            refs.push(json!({"$ref": reference}));
            mapping.insert(value, json!(reference));
            hoisted.push((variant, v));
        }
        schema["oneOf"] = Value::Array(refs);
        schema["discriminator"] = json!({"propertyName": tag, "mapping": mapping});
    }
    for (name, v) in hoisted {
        schemas.entry(name).or_insert(v);
    }
}

/// A JSON pointer's next step.
fn step(at: &str, key: &str) -> String {
    format!("{at}/{}", key.replace('~', "~0").replace('/', "~1"))
}

/// Where inline enums sit (JSON pointers): a parameter's or a property's name names them.
fn enums_in(v: &Value, at: &str, name: Option<&str>, found: &mut Vec<(String, String)>) {
    match v {
        Value::Object(o) => {
            if o.get("type") == Some(&json!("string"))
                && o.get("enum")
                    .and_then(Value::as_array)
                    .is_some_and(|e| e.len() > 1)
            {
                if let Some(n) = name {
                    found.push((n.to_owned(), at.to_owned()));
                }
                return;
            }
            let param = o.get("name").and_then(Value::as_str);
            for (k, child) in o {
                let here = step(at, k);
                match k.as_str() {
                    "schema" => enums_in(child, &here, param.or(name), found),
                    "properties" => {
                        for (p, s) in child.as_object().into_iter().flatten() {
                            enums_in(s, &step(&here, p), Some(p), found);
                        }
                    }
                    "items" => enums_in(child, &here, name, found),
                    _ => enums_in(child, &here, None, found),
                }
            }
        }
        Value::Array(a) => {
            for (i, x) in a.iter().enumerate() {
                enums_in(x, &format!("{at}/{i}"), name, found);
            }
        }
        _ => {}
    }
}

fn named_enums(doc: &mut Value) {
    let mut found = Vec::new();
    // The top-level component schemas are already named; look inside them and in the paths.
    for (name, s) in doc["components"]["schemas"]
        .as_object()
        .into_iter()
        .flatten()
    {
        let at = step("/components/schemas", name);
        for (k, child) in s.as_object().into_iter().flatten() {
            let here = step(&at, k);
            match k.as_str() {
                "properties" => {
                    for (p, s) in child.as_object().into_iter().flatten() {
                        enums_in(s, &step(&here, p), Some(p), &mut found);
                    }
                }
                "enum" => {}
                _ => enums_in(child, &here, None, &mut found),
            }
        }
    }
    enums_in(&doc["paths"], "/paths", None, &mut found);
    let mut by_values: BTreeMap<String, Vec<(String, String)>> = BTreeMap::new();
    for (name, at) in found {
        let values = doc
            .pointer(&at)
            .map(|s| s["enum"].to_string())
            .unwrap_or_default();
        by_values.entry(values).or_default().push((name, at));
    }
    let mut new: Vec<(String, Value)> = Vec::new();
    for (_, uses) in by_values.into_iter().filter(|(_, u)| u.len() > 1) {
        let name = camel(&uses[0].0);
        let taken = doc["components"]["schemas"].get(&name).is_some()
            || new.iter().any(|(n, _)| n == &name);
        let name = if taken { format!("{name}Value") } else { name };
        let reference = json!({"$ref": format!("#/components/schemas/{name}")});
        let mut named = None;
        for (_, at) in uses {
            let Some(node) = doc.pointer_mut(&at) else {
                continue;
            };
            let mut schema = std::mem::replace(node, reference.clone());
            // What differs between the uses stays at each use, beside the reference.
            for k in ["description", "default", "example", "examples"] {
                if let Some(x) = schema.as_object_mut().and_then(|o| o.remove(k)) {
                    node[k] = x;
                }
            }
            named.get_or_insert(schema);
        }
        if let Some(schema) = named {
            new.push((name, schema));
        }
    }
    if let Some(schemas) = doc["components"]["schemas"].as_object_mut() {
        schemas.extend(new);
    }
}

fn descriptions(doc: &mut Value) {
    for op in operations_mut(doc) {
        let missing = op["description"].as_str().is_none_or(str::is_empty);
        if missing {
            if let Some(summary) = op["summary"].as_str().map(str::to_owned) {
                op["description"] = json!(summary);
            }
        }
    }
}

fn webhook_security(doc: &mut Value) {
    let Some(hooks) = doc["webhooks"].as_object_mut() else {
        return;
    };
    for item in hooks.values_mut() {
        for op in item
            .as_object_mut()
            .into_iter()
            .flat_map(|o| o.values_mut())
        {
            if op.get("security").is_none() {
                op["security"] = json!([{"webhook_signature": []}]);
            }
        }
    }
    doc["components"]["securitySchemes"]["webhook_signature"] = json!({
        "type": "apiKey",
        "in": "header",
        "name": "webhook-signature",
        "description": "Standard Webhooks: jalin signs each delivery with the endpoint's shared \
            `whsec_` secret; the receiver recomputes `v1,{base64 HMAC-SHA256 of \
            webhook-id.webhook-timestamp.body}` and refuses a delivery whose signature differs \
            or whose timestamp is more than five minutes old."
    });
}

/// JSON whose objects keep their keys' order: serde_json here sorts them (no
/// `preserve_order`, on purpose: the API's own JSON and its audit hashes rely on that).
pub enum Ordered {
    Leaf(Value),
    Array(Vec<Ordered>),
    Object(Vec<(String, Ordered)>),
}

impl serde::Serialize for Ordered {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::{SerializeMap, SerializeSeq};
        match self {
            Ordered::Leaf(v) => v.serialize(s),
            Ordered::Array(items) => {
                let mut seq = s.serialize_seq(Some(items.len()))?;
                for i in items {
                    seq.serialize_element(i)?;
                }
                seq.end()
            }
            Ordered::Object(entries) => {
                let mut map = s.serialize_map(Some(entries.len()))?;
                for (k, v) in entries {
                    map.serialize_entry(k, v)?;
                }
                map.end()
            }
        }
    }
}

/// The key order of a document as utoipa wrote it: each object's keys, in order.
pub struct Template(Vec<(String, Template)>, Vec<Template>);

impl<'de> serde::Deserialize<'de> for Template {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = Template;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("JSON")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut m: A,
            ) -> Result<Template, A::Error> {
                let mut out = Vec::new();
                while let Some((k, v)) = m.next_entry::<String, Template>()? {
                    out.push((k, v));
                }
                Ok(Template(out, Vec::new()))
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                mut s: A,
            ) -> Result<Template, A::Error> {
                let mut out = Vec::new();
                while let Some(v) = s.next_element::<Template>()? {
                    out.push(v);
                }
                Ok(Template(Vec::new(), out))
            }
            fn visit_bool<E>(self, _: bool) -> Result<Template, E> {
                Ok(Template(Vec::new(), Vec::new()))
            }
            fn visit_i64<E>(self, _: i64) -> Result<Template, E> {
                Ok(Template(Vec::new(), Vec::new()))
            }
            fn visit_u64<E>(self, _: u64) -> Result<Template, E> {
                Ok(Template(Vec::new(), Vec::new()))
            }
            fn visit_f64<E>(self, _: f64) -> Result<Template, E> {
                Ok(Template(Vec::new(), Vec::new()))
            }
            fn visit_str<E>(self, _: &str) -> Result<Template, E> {
                Ok(Template(Vec::new(), Vec::new()))
            }
            fn visit_unit<E>(self) -> Result<Template, E> {
                Ok(Template(Vec::new(), Vec::new()))
            }
        }
        d.deserialize_any(V)
    }
}

/// `v` with its objects' keys in the template's order; keys the template lacks follow.
pub fn in_order(v: Value, t: Option<&Template>) -> Ordered {
    match v {
        Value::Object(mut o) => {
            let mut out = Vec::new();
            for (k, sub) in t.map(|t| t.0.as_slice()).unwrap_or_default() {
                if let Some(x) = o.remove(k) {
                    out.push((k.clone(), in_order(x, Some(sub))));
                }
            }
            // Keys `polish` added: `servers` right after `info`, the rest at the end.
            for (k, x) in o {
                let at = (k == "servers").then(|| out.iter().position(|(k, _)| k == "info"));
                let entry = (k, in_order(x, None));
                match at.flatten() {
                    Some(i) => out.insert(i + 1, entry),
                    None => out.push(entry),
                }
            }
            Ordered::Object(out)
        }
        Value::Array(items) => Ordered::Array(
            items
                .into_iter()
                .enumerate()
                .map(|(i, x)| in_order(x, t.and_then(|t| t.1.get(i))))
                .collect(),
        ),
        leaf => Ordered::Leaf(leaf),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_tagged_union_gets_named_variants_and_a_discriminator() {
        let doc = json!({"components": {"schemas": {"Record": {"oneOf": [
            {"type": "object", "required": ["kind", "a"], "properties": {"kind": {"type": "string", "enum": ["first_thing"]}, "a": {"type": "string"}}},
            {"type": "object", "required": ["kind"], "properties": {"kind": {"type": "string", "enum": ["second"]}}},
        ]}}}});
        let doc = polish(doc);
        let s = &doc["components"]["schemas"];
        assert_eq!(s["Record"]["discriminator"]["propertyName"], "kind");
        assert_eq!(
            s["Record"]["oneOf"][0]["$ref"],
            "#/components/schemas/RecordFirstThing"
        );
        assert_eq!(
            s["Record"]["discriminator"]["mapping"]["second"],
            "#/components/schemas/RecordSecond"
        );
        assert_eq!(s["RecordFirstThing"]["title"], "RecordFirstThing");
        assert_eq!(s["RecordFirstThing"]["required"][1], "a");
    }

    #[test]
    fn headers_are_declared_once_and_referenced_from_responses() {
        let doc = json!({"paths": {
            "/a": {"post": {"summary": "A.", "responses": {
                "201": {"description": "Created.", "content": {"application/json": {}},
                        "headers": {"Location": {"schema": {"type": "string"}}}},
                "429": {"$ref": "#/components/responses/TooManyRequests"}}}},
            "/b": {"get": {"summary": "B.", "deprecated": true, "responses": {
                "200": {"description": "OK.", "content": {"application/json": {}}}}}},
        }, "components": {"schemas": {}, "responses": {"TooManyRequests": {"description": "Wait."}}}});
        let doc = polish(doc);
        let created = &doc["paths"]["/a"]["post"]["responses"]["201"]["headers"];
        assert_eq!(created["Location"]["$ref"], "#/components/headers/Location");
        assert_eq!(
            created["X-Request-Id"]["$ref"],
            "#/components/headers/X-Request-Id"
        );
        assert_eq!(
            created["RateLimit"]["$ref"], "#/components/headers/RateLimit",
            "a limited route"
        );
        assert_eq!(
            created["Content-Encoding"]["$ref"],
            "#/components/headers/Content-Encoding"
        );
        let ok = &doc["paths"]["/b"]["get"]["responses"]["200"]["headers"];
        assert_eq!(ok["Sunset"]["$ref"], "#/components/headers/Sunset");
        assert!(ok.get("RateLimit").is_none());
        let too_many = &doc["components"]["responses"]["TooManyRequests"]["headers"];
        assert_eq!(
            too_many["Retry-After"]["$ref"],
            "#/components/headers/Retry-After"
        );
        for name in [
            "X-Request-Id",
            "ETag",
            "Location",
            "Retry-After",
            "RateLimit",
            "RateLimit-Policy",
            "Deprecation",
            "Sunset",
            "Link",
        ] {
            assert!(
                doc["components"]["headers"][name]["description"].is_string(),
                "{name}"
            );
        }
        let params = &doc["paths"]["/b"]["get"]["parameters"];
        assert_eq!(params[0]["$ref"], "#/components/parameters/X-Request-Id");
    }

    #[test]
    fn bytes_become_binary_and_repeated_enums_are_named() {
        let param = |d: &str| json!({"name": "format", "in": "query", "schema": {"type": "string", "enum": ["json", "csv"], "description": d}});
        let doc = json!({"paths": {
            "/a": {"get": {"summary": "A.", "parameters": [param("x")], "responses": {"200": {"content": {"application/pdf": {"schema": {"type": "array", "items": {"type": "integer"}}}}}}}},
            "/b": {"get": {"summary": "B.", "parameters": [param("y")], "responses": {}}},
        }, "components": {"schemas": {}}});
        let doc = polish(doc);
        let a = &doc["paths"]["/a"]["get"];
        assert_eq!(
            a["responses"]["200"]["content"]["application/pdf"]["schema"]["format"],
            "binary"
        );
        assert_eq!(
            a["parameters"][0]["schema"]["$ref"],
            "#/components/schemas/Format"
        );
        assert_eq!(
            doc["paths"]["/b"]["get"]["parameters"][0]["schema"]["$ref"],
            "#/components/schemas/Format"
        );
        assert_eq!(
            doc["components"]["schemas"]["Format"]["enum"],
            json!(["json", "csv"])
        );
        assert_eq!(a["description"], "A.");
        assert_eq!(doc["servers"][0]["url"], "/");
    }
}
