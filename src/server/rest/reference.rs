//! Reads the generated OpenAPI document into the reference the `/api` page shows.

use crate::model::api_doc::{ApiField, ApiOperation, ApiReference, ApiSchema};
use serde_json::Value;

fn text(v: &Value, key: &str) -> String {
    v.get(key)
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string()
}

/// A schema's type in short: `string`, `integer`, `[VersionInfo]`, `VersionInfo?`.
fn kind(schema: &Value) -> String {
    if let Some(r) = schema.get("$ref").and_then(Value::as_str) {
        return r.rsplit('/').next().unwrap_or(r).to_string();
    }
    for key in ["oneOf", "anyOf"] {
        if let Some(alts) = schema.get(key).and_then(Value::as_array) {
            let named: Vec<String> = alts
                .iter()
                .filter(|a| a.get("type").and_then(Value::as_str) != Some("null"))
                .map(kind)
                .collect();
            let optional = named.len() < alts.len();
            return format!("{}{}", named.join(" | "), if optional { "?" } else { "" });
        }
    }
    let (base, optional) = match schema.get("type") {
        Some(Value::String(t)) => (t.clone(), false),
        Some(Value::Array(ts)) => {
            let named: Vec<&str> = ts
                .iter()
                .filter_map(Value::as_str)
                .filter(|t| *t != "null")
                .collect();
            (named.join(" | "), named.len() < ts.len())
        }
        _ => ("object".to_string(), false),
    };
    let base = match base.as_str() {
        "array" => format!("[{}]", schema.get("items").map(kind).unwrap_or_default()),
        "string" => match schema.get("format").and_then(Value::as_str) {
            Some("binary") => "file".to_string(),
            _ => base,
        },
        "integer" | "number" => "number".to_string(),
        _ => base,
    };
    format!("{base}{}", if optional { "?" } else { "" })
}

fn content_kind(content: &Value) -> Option<(String, String)> {
    let (ct, media) = content.as_object()?.iter().next()?;
    Some((
        ct.clone(),
        media.get("schema").map(kind).unwrap_or_default(),
    ))
}

fn properties(schema: &Value) -> Vec<ApiField> {
    let required: Vec<&str> = schema
        .get("required")
        .and_then(Value::as_array)
        .map(|r| r.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    schema
        .get("properties")
        .and_then(Value::as_object)
        .map(|props| {
            props
                .iter()
                .map(|(name, p)| ApiField {
                    name: name.clone(),
                    location: String::new(),
                    kind: kind(p),
                    required: required.contains(&name.as_str()),
                    description: text(p, "description"),
                })
                .collect()
        })
        .unwrap_or_default()
}

/// The reference of the document generated from the code, served from `base_url`.
pub fn reference(base_url: &str) -> ApiReference {
    let doc: Value = serde_json::from_str(super::openapi_json()).unwrap_or_default();
    let mut operations = Vec::new();
    if let Some(paths) = doc.get("paths").and_then(Value::as_object) {
        for (path, item) in paths {
            let Some(item) = item.as_object() else {
                continue;
            };
            for (method, op) in item {
                let security = op.get("security").and_then(Value::as_array);
                let (token, credential, scopes) = match security {
                    None => ("none", String::new(), Vec::new()),
                    Some(options) => {
                        let anonymous = options
                            .iter()
                            .any(|o| o.as_object().is_some_and(|m| m.is_empty()));
                        let named = options
                            .iter()
                            .filter_map(Value::as_object)
                            .find_map(|m| m.iter().next());
                        let credential = named.map(|(n, _)| n.clone()).unwrap_or_default();
                        let scopes = named
                            .and_then(|(_, s)| s.as_array())
                            .into_iter()
                            .flatten()
                            .filter_map(Value::as_str)
                            .map(str::to_string)
                            .collect();
                        (
                            if anonymous { "optional" } else { "required" },
                            credential,
                            scopes,
                        )
                    }
                };
                operations.push(ApiOperation {
                    method: method.to_ascii_uppercase(),
                    path: path.clone(),
                    tag: op
                        .get("tags")
                        .and_then(|t| t.get(0))
                        .and_then(Value::as_str)
                        .unwrap_or_default()
                        .to_string(),
                    summary: text(op, "summary"),
                    description: text(op, "description"),
                    token: token.to_string(),
                    credential,
                    scopes,
                    parameters: op
                        .get("parameters")
                        .and_then(Value::as_array)
                        .map(|ps| {
                            ps.iter()
                                .map(|p| ApiField {
                                    name: text(p, "name"),
                                    location: text(p, "in"),
                                    kind: p.get("schema").map(kind).unwrap_or_default(),
                                    required: p
                                        .get("required")
                                        .and_then(Value::as_bool)
                                        .unwrap_or(false),
                                    description: text(p, "description"),
                                })
                                .collect()
                        })
                        .unwrap_or_default(),
                    request: op
                        .get("requestBody")
                        .and_then(|b| b.get("content"))
                        .and_then(content_kind),
                    responses: op
                        .get("responses")
                        .and_then(Value::as_object)
                        .map(|rs| {
                            rs.iter()
                                .map(|(status, r)| {
                                    (
                                        status.clone(),
                                        text(r, "description"),
                                        r.get("content")
                                            .and_then(content_kind)
                                            .map(|(_, shape)| shape),
                                    )
                                })
                                .collect()
                        })
                        .unwrap_or_default(),
                });
            }
        }
    }
    let schemas = doc
        .pointer("/components/schemas")
        .and_then(Value::as_object)
        .map(|all| {
            all.iter()
                .map(|(name, s)| {
                    let parts: Vec<&Value> = match s.get("allOf").and_then(Value::as_array) {
                        Some(parts) => parts.iter().collect(),
                        None => vec![s],
                    };
                    ApiSchema {
                        name: name.clone(),
                        description: text(s, "description"),
                        properties: parts.iter().flat_map(|p| properties(p)).collect(),
                        includes: parts
                            .iter()
                            .filter_map(|p| p.get("$ref").map(kind))
                            .collect(),
                    }
                })
                .collect()
        })
        .unwrap_or_default();
    ApiReference {
        title: text(&doc["info"], "title"),
        version: text(&doc["info"], "version"),
        description: text(&doc["info"], "description"),
        base_url: base_url.trim_end_matches('/').to_string(),
        operations,
        schemas,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_reference_lists_every_operation_with_its_token_use() {
        let r = reference("http://localhost:3000/");
        assert_eq!(r.base_url, "http://localhost:3000");
        let find = |m: &str, p: &str| {
            r.operations
                .iter()
                .find(|o| o.method == m && o.path == p)
                .unwrap_or_else(|| panic!("{m} {p} missing"))
        };
        let publish = find("POST", "/api/v1/extensions");
        assert_eq!(publish.token, "required");
        assert_eq!(publish.scopes, vec!["publish"]);
        assert_eq!(publish.credential, "token");
        assert_eq!(
            publish.request,
            Some(("multipart/form-data".into(), "PublishForm".into()))
        );
        assert!(publish.responses.iter().any(|(s, _, _)| s == "429"));
        let search = find("GET", "/api/v1/extensions");
        assert_eq!(search.token, "none");
        assert!(search
            .parameters
            .iter()
            .any(|p| p.name == "q" && p.location == "query"));
        assert_eq!(find("GET", "/api/v1/extensions/{key}").token, "optional");
        assert_eq!(r.operations.len(), 12);
        let events = find("POST", "/api/v1/projects/{org}/{project}/events");
        assert_eq!(events.credential, "org_token");
        assert_eq!(events.scopes, vec!["events:write"]);
        assert_eq!(
            find("GET", "/api/v1/installation").credential,
            "runtime_token"
        );
        let version = r.schemas.iter().find(|s| s.name == "VersionInfo").unwrap();
        assert!(version
            .properties
            .iter()
            .any(|p| p.name == "yank_reason" && !p.required));
        assert_eq!(publish.anchor(), "post-api-v1-extensions");
    }
}
