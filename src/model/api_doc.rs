//! The REST API's reference as the `/api` page shows it: read on the server from the OpenAPI
//! document that is generated from the handlers.

use serde::{Deserialize, Serialize};

/// The whole reference.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiReference {
    /// Title.
    pub title: String,
    /// API version.
    pub version: String,
    /// What the API is, in Markdown-free text.
    pub description: String,
    /// Where the API is served.
    pub base_url: String,
    /// Every operation, in the document's order of paths.
    pub operations: Vec<ApiOperation>,
    /// The bodies' shapes.
    pub schemas: Vec<ApiSchema>,
}

/// One method on one path.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiOperation {
    /// `GET`, `POST`, …
    pub method: String,
    /// Path with `{parameters}`.
    pub path: String,
    /// Tag.
    pub tag: String,
    /// One line.
    pub summary: String,
    /// More, if any.
    pub description: String,
    /// Whether a token is needed (`required`), accepted (`optional`) or not used (`none`).
    pub token: String,
    /// Which credential: `token` (personal), `org_token` or `runtime_token`.
    pub credential: String,
    /// Scopes the token needs.
    pub scopes: Vec<String>,
    /// Parameters.
    pub parameters: Vec<ApiField>,
    /// The request body: content type and shape.
    pub request: Option<(String, String)>,
    /// Responses: status, description, shape.
    pub responses: Vec<(String, String, Option<String>)>,
}

impl ApiOperation {
    /// An id for links (`get-api-v1-extensions-key`).
    pub fn anchor(&self) -> String {
        let mut id = self.method.to_ascii_lowercase();
        for c in self.path.chars() {
            if c.is_ascii_alphanumeric() {
                id.push(c.to_ascii_lowercase());
            } else if !id.ends_with('-') {
                id.push('-');
            }
        }
        id.trim_end_matches('-').to_string()
    }
}

/// A parameter or a property.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiField {
    /// Name.
    pub name: String,
    /// Where it goes (`path`, `query`) or, for a property, empty.
    pub location: String,
    /// Its type, in short (`string`, `[VersionInfo]`, `FindingInfo?`).
    pub kind: String,
    /// Required.
    pub required: bool,
    /// What it is.
    pub description: String,
}

/// A named body shape.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiSchema {
    /// Name.
    pub name: String,
    /// What it is.
    pub description: String,
    /// Its fields.
    pub properties: Vec<ApiField>,
    /// Shapes whose fields it includes.
    pub includes: Vec<String>,
}
