//! Settings: what an extension asks an organization to configure, in both dialects.

use super::diag::{join, Diags};
use super::names::{check_secret_key, SettingKey};
use super::yaml::{Node, Pos};
use serde::{Deserialize, Serialize};

/// The type of a setting, which decides its control in the wizard and how values are checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SettingType {
    /// One line of text.
    String,
    /// Several lines of text.
    Text,
    /// Any number.
    Number,
    /// A whole number.
    Integer,
    /// Yes or no.
    Boolean,
    /// One of `options`.
    Select,
    /// Any of `options`.
    Multiselect,
    /// An http(s) URL.
    Url,
    /// An email address.
    Email,
    /// A secret value, stored encrypted and never shown again.
    Secret,
    /// Multi-line text with `{{ variables }}`.
    Template,
    /// A JSON object.
    Object,
    /// One of the organization's projects.
    Project,
    /// Free text naming an issue type.
    IssueType,
    /// Free text naming a workflow status.
    WorkflowStatus,
    /// Free text naming a board.
    Board,
    /// Free text naming a priority.
    Priority,
}

impl SettingType {
    /// Every type name a manifest may use.
    pub const NAMES: &'static [&'static str] = &[
        "string",
        "text",
        "number",
        "integer",
        "boolean",
        "select",
        "multiselect",
        "url",
        "email",
        "secret",
        "template",
        "object",
        "project",
        "issue_type",
        "workflow_status",
        "board",
        "priority",
    ];

    /// Parses a type name.
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "string" => Self::String,
            "text" => Self::Text,
            "number" => Self::Number,
            "integer" => Self::Integer,
            "boolean" => Self::Boolean,
            "select" => Self::Select,
            "multiselect" => Self::Multiselect,
            "url" => Self::Url,
            "email" => Self::Email,
            "secret" => Self::Secret,
            "template" => Self::Template,
            "object" => Self::Object,
            "project" => Self::Project,
            "issue_type" => Self::IssueType,
            "workflow_status" => Self::WorkflowStatus,
            "board" => Self::Board,
            "priority" => Self::Priority,
            _ => return None,
        })
    }

    /// The name as written in manifests.
    pub fn name(self) -> &'static str {
        Self::NAMES[self as usize]
    }
}

/// Where a setting's value lives.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum SettingScope {
    /// Per project (the project wizard).
    #[default]
    Installation,
    /// Once per organization for this extension (the org-level wizard).
    Extension,
}

/// One choice of a select.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SelectOption {
    /// Stored value.
    pub value: String,
    /// Shown label.
    pub label: String,
}

/// Show (and require) a field only when another field has a value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShowWhen {
    /// Key of the other field.
    pub field: String,
    /// The value that shows this field.
    pub equals: String,
    /// Where `field` was written (for cross-checks).
    #[serde(skip)]
    pub pos: Pos,
}

/// A setting, after validation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Setting {
    /// Key (`api_url`, or UPPER_SNAKE for secrets).
    pub key: String,
    /// Label shown in the wizard.
    pub label: String,
    /// Longer help.
    pub description: Option<String>,
    /// Placeholder in the input.
    pub placeholder: Option<String>,
    /// Link to documentation.
    pub help_url: Option<String>,
    /// Type.
    pub kind: SettingType,
    /// Whether the value goes to the secret store.
    pub secret: bool,
    /// Whether a value is needed.
    pub required: bool,
    /// Default value, as text.
    pub default: Option<String>,
    /// Choices of a select.
    pub options: Vec<SelectOption>,
    /// Smallest number allowed.
    pub min: Option<f64>,
    /// Largest number allowed.
    pub max: Option<f64>,
    /// Regular expression the value must match.
    pub pattern: Option<String>,
    /// Longest text allowed.
    pub max_length: Option<u32>,
    /// Installation or extension scope.
    pub scope: SettingScope,
    /// Conditional display.
    pub show_when: Option<ShowWhen>,
    /// Bytes of random secret generated when left empty.
    pub auto_generate: Option<u32>,
    /// Template variables (type template).
    pub variables: Vec<String>,
    /// Variables a template must use.
    pub required_variables: Vec<String>,
    /// Where the setting was declared (for later cross-checks).
    #[serde(skip)]
    pub pos: Pos,
    /// YAML path of the declaration.
    #[serde(skip)]
    pub path: String,
}

const FIELDS: &[&str] = &[
    "key",
    "label",
    "name",
    "type",
    "description",
    "placeholder",
    "help_url",
    "helpUrl",
    "required",
    "default",
    "options",
    "min",
    "max",
    "pattern",
    "max_length",
    "maxLength",
    "scope",
    "show_when",
    "showWhen",
    "auto_generate",
    "autoGenerate",
    "secret",
    "oauth",
    "variables",
    "validation",
    "env",
];

fn is_valid_url(s: &str) -> bool {
    let rest = s
        .strip_prefix("https://")
        .or_else(|| s.strip_prefix("http://"));
    rest.is_some_and(|r| {
        let host = r.split(['/', '?', '#']).next().unwrap_or_default();
        !host.is_empty() && !host.contains(char::is_whitespace)
    })
}

/// Checks `value` against the type of `setting` (not `required`, not `show_when`). Used for
/// defaults here and, through the wizard, for the values people enter.
pub fn check_value(setting: &Setting, value: &str) -> Result<(), String> {
    let v = value.trim();
    match setting.kind {
        SettingType::Number => {
            let n: f64 = v
                .parse()
                .ok()
                .filter(|n: &f64| n.is_finite())
                .ok_or("Enter a number.")?;
            check_range(setting, n)?;
        }
        SettingType::Integer => {
            let n: i64 = v.parse().map_err(|_| "Enter a whole number.")?;
            check_range(setting, n as f64)?;
        }
        SettingType::Boolean if !matches!(v, "true" | "false") => {
            return Err("Choose yes or no.".into());
        }
        SettingType::Select if !setting.options.iter().any(|o| o.value == v) => {
            return Err("Choose one of the options.".into());
        }
        SettingType::Multiselect => {
            for part in v.split(',').map(str::trim).filter(|p| !p.is_empty()) {
                if !setting.options.iter().any(|o| o.value == part) {
                    return Err(format!("{part:?} is not one of the options."));
                }
            }
        }
        SettingType::Url if !is_valid_url(v) => {
            return Err("Enter a full URL starting with https://.".into());
        }
        SettingType::Email => {
            crate::model::account::Email::parse(v).map_err(|e| e.to_string())?;
        }
        SettingType::Object => match serde_json::from_str::<serde_json::Value>(v) {
            Ok(serde_json::Value::Object(_)) => {}
            _ => return Err("Enter a JSON object, like {\"key\": \"value\"}.".into()),
        },
        SettingType::Template => {
            for var in &setting.required_variables {
                if !value.contains(&format!("{{{{ {var} }}}}"))
                    && !value.contains(&format!("{{{{{var}}}}}"))
                {
                    return Err(format!("The template must use {{{{ {var} }}}}."));
                }
            }
        }
        _ => {}
    }
    if let Some(max) = setting.max_length {
        if value.chars().count() > max as usize {
            return Err(format!("Use at most {max} characters."));
        }
    }
    if let Some(pattern) = &setting.pattern {
        if let Ok(re) = regex_lite::Regex::new(&format!("^(?:{pattern})$")) {
            if !re.is_match(value) {
                return Err("This does not have the expected format.".into());
            }
        }
    }
    Ok(())
}

fn check_range(setting: &Setting, n: f64) -> Result<(), String> {
    if let Some(min) = setting.min {
        if n < min {
            return Err(format!("Enter {min} or more."));
        }
    }
    if let Some(max) = setting.max {
        if n > max {
            return Err(format!("Enter {max} or less."));
        }
    }
    Ok(())
}

/// Reads one setting. `key_hint` is the map key (dialect 1.0 `configuration`), else the `key` field
/// is used; `force_secret` marks entries of a `secrets:` list.
pub fn decode(
    d: &mut Diags,
    node: &Node,
    path: &str,
    key_hint: Option<(&str, Pos)>,
    force_secret: bool,
) -> Option<Setting> {
    let entries = d.map(node, path)?;
    let f = d.fields(entries, path, FIELDS);
    let (raw_key, key_pos) = match key_hint {
        Some((k, pos)) => (k.to_string(), pos),
        None => match f.get("key") {
            Some(k) => (d.nonempty(k, &join(path, "key"))?, k.pos),
            None => {
                d.error(path, node.pos, "a setting needs a key");
                return None;
            }
        },
    };
    // After a bad type the setting is still read (as text), so that its other problems are
    // reported too and references to it do not fail as well.
    let fallback = if force_secret {
        SettingType::Secret
    } else {
        SettingType::String
    };
    let mut type_known = true;
    let kind = match f.get("type") {
        Some(t) => match d.text(t, &join(path, "type")) {
            None => {
                type_known = false;
                fallback
            }
            Some(name) => match SettingType::parse(&name) {
                Some(k) => k,
                None if name == "password" => {
                    d.warn(
                        &join(path, "type"),
                        t.pos,
                        "type \"password\" is read as \"secret\"",
                    );
                    SettingType::Secret
                }
                None => {
                    d.error(
                        &join(path, "type"),
                        t.pos,
                        format!(
                            "unknown type {name:?}; use one of {}",
                            SettingType::NAMES.join(", ")
                        ),
                    );
                    type_known = false;
                    fallback
                }
            },
        },
        None => fallback,
    };
    let secret_flag = f
        .get("secret")
        .and_then(|n| d.boolean(n, &join(path, "secret")))
        .unwrap_or(false);
    let secret = force_secret || kind == SettingType::Secret || secret_flag;
    let mut key = raw_key.clone();
    if secret {
        if check_secret_key(&key).is_err() && check_secret_key(&key.to_uppercase()).is_ok() {
            key = key.to_uppercase();
            d.warn(
                path,
                key_pos,
                format!("secret keys are UPPER_SNAKE: {raw_key:?} is read as {key:?}"),
            );
        } else if let Err(e) = SettingKey::parse(&key, true) {
            d.error(path, key_pos, e);
        }
    } else if let Err(e) = SettingKey::parse(&key, false) {
        // With an unknown type an UPPER_SNAKE key may be meant for a secret: one error is enough.
        if type_known || check_secret_key(&key).is_err() {
            d.error(path, key_pos, e);
        }
    }
    let text = |d: &mut Diags, names: &[&str]| -> Option<String> {
        let n = f.any(names)?;
        d.text(n, &join(path, names[0]))
    };
    let label = text(d, &["label", "name"]).unwrap_or_else(|| key.clone());
    if label.chars().count() > 120 {
        d.error(
            &join(path, "label"),
            f.get("label").map_or(node.pos, |n| n.pos),
            "a label has at most 120 characters",
        );
    }
    let description = text(d, &["description"]);
    let placeholder = text(d, &["placeholder"]);
    let help_url = text(d, &["help_url", "helpUrl"]);
    if let (Some(u), Some(n)) = (&help_url, f.any(&["help_url", "helpUrl"])) {
        if !is_valid_url(u) {
            d.error(
                &join(path, "help_url"),
                n.pos,
                format!("{u:?} is not a URL"),
            );
        }
    }
    let required = f
        .get("required")
        .and_then(|n| d.boolean(n, &join(path, "required")))
        .unwrap_or(false);
    let mut options = Vec::new();
    if let Some(opts) = f.get("options") {
        let opath = join(path, "options");
        if let Some(items) = d.seq(opts, &opath) {
            for (i, item) in items.iter().enumerate() {
                let ipath = format!("{opath}[{i}]");
                if let Some(s) = item.as_str() {
                    options.push(SelectOption {
                        value: s.to_string(),
                        label: s.to_string(),
                    });
                } else if let Some(entries) = d.map(item, &ipath) {
                    let of = d.fields(entries, &ipath, &["value", "label"]);
                    let Some(value) = of
                        .get("value")
                        .and_then(|v| d.text(v, &join(&ipath, "value")))
                    else {
                        d.error(&ipath, item.pos, "an option needs a value");
                        continue;
                    };
                    let label = of
                        .get("label")
                        .and_then(|v| d.text(v, &join(&ipath, "label")))
                        .unwrap_or_else(|| value.clone());
                    if options.iter().any(|o: &SelectOption| o.value == value) {
                        d.error(
                            &ipath,
                            item.pos,
                            format!("option {value:?} appears more than once"),
                        );
                    }
                    options.push(SelectOption { value, label });
                }
            }
        }
    }
    if matches!(kind, SettingType::Select | SettingType::Multiselect) && options.is_empty() {
        d.error(
            path,
            key_pos,
            format!("a {} setting needs options", kind.name()),
        );
    }
    let min = f.get("min").and_then(|n| d.number(n, &join(path, "min")));
    let max = f.get("max").and_then(|n| d.number(n, &join(path, "max")));
    if let (Some(lo), Some(hi), Some(n)) = (min, max, f.get("max")) {
        if lo > hi {
            d.error(
                &join(path, "max"),
                n.pos,
                format!("max ({hi}) is smaller than min ({lo})"),
            );
        }
    }
    let pattern = text(d, &["pattern"]);
    if let (Some(p), Some(n)) = (&pattern, f.get("pattern")) {
        if let Err(e) = regex_lite::Regex::new(p) {
            d.error(
                &join(path, "pattern"),
                n.pos,
                format!("not a valid regular expression: {e}"),
            );
        }
    }
    let mut max_length = f
        .any(&["max_length", "maxLength"])
        .and_then(|n| d.integer(n, &join(path, "max_length")))
        .and_then(|n| u32::try_from(n).ok());
    let scope = match f.get("scope") {
        Some(n) => match d.text(n, &join(path, "scope")).as_deref() {
            Some("installation") | Some("project") => SettingScope::Installation,
            Some("extension") | Some("organization") => SettingScope::Extension,
            Some(other) => {
                d.error(
                    &join(path, "scope"),
                    n.pos,
                    format!("scope must be installation or extension, not {other:?}"),
                );
                SettingScope::Installation
            }
            None => SettingScope::Installation,
        },
        None => SettingScope::Installation,
    };
    let show_when = f.any(&["show_when", "showWhen"]).and_then(|n| {
        let spath = join(path, "show_when");
        let entries = d.map(n, &spath)?;
        let sf = d.fields(entries, &spath, &["field", "equals"]);
        let (field, pos) = match sf.get("field") {
            Some(v) => (d.nonempty(v, &join(&spath, "field"))?, v.pos),
            None => {
                d.error(&spath, n.pos, "show_when needs a field");
                return None;
            }
        };
        let equals = match sf.get("equals") {
            Some(v) => d.text(v, &join(&spath, "equals"))?,
            None => {
                d.error(&spath, n.pos, "show_when needs equals");
                return None;
            }
        };
        Some(ShowWhen { field, equals, pos })
    });
    let auto_generate = f.any(&["auto_generate", "autoGenerate"]).and_then(|n| {
        let apath = join(path, "auto_generate");
        let entries = d.map(n, &apath)?;
        let af = d.fields(entries, &apath, &["length"]);
        let len = af
            .get("length")
            .and_then(|l| d.integer(l, &join(&apath, "length")))
            .unwrap_or(32);
        if !(16..=256).contains(&len) {
            d.error(
                &join(&apath, "length"),
                n.pos,
                "length must be between 16 and 256 bytes",
            );
            return None;
        }
        if !secret {
            d.error(&apath, n.pos, "auto_generate is only for secret settings");
            return None;
        }
        Some(len as u32)
    });
    if f.has("oauth") {
        if secret {
            d.warn(
                &join(path, "oauth"),
                f.get("oauth").map_or(node.pos, |n| n.pos),
                "OAuth connect is not available yet: the wizard asks for the token instead",
            );
        } else {
            d.error(
                &join(path, "oauth"),
                f.get("oauth").map_or(node.pos, |n| n.pos),
                "oauth is only for secret settings",
            );
        }
    }
    let mut variables = Vec::new();
    let mut required_variables = Vec::new();
    if let Some(v) = f.get("variables") {
        variables = d
            .texts(v, &join(path, "variables"))
            .into_iter()
            .map(|(t, _)| t)
            .collect();
    }
    if let Some(v) = f.get("validation") {
        let vpath = join(path, "validation");
        if let Some(entries) = d.map(v, &vpath) {
            let vf = d.fields(entries, &vpath, &["max_length", "required_variables"]);
            if let Some(m) = vf
                .get("max_length")
                .and_then(|n| d.integer(n, &join(&vpath, "max_length")))
            {
                max_length = u32::try_from(m).ok();
            }
            if let Some(r) = vf.get("required_variables") {
                required_variables = d
                    .texts(r, &join(&vpath, "required_variables"))
                    .into_iter()
                    .map(|(t, _)| t)
                    .collect();
            }
        }
    }
    if matches!(
        kind,
        SettingType::IssueType
            | SettingType::WorkflowStatus
            | SettingType::Board
            | SettingType::Priority
    ) {
        d.warn(
            &join(path, "type"),
            f.get("type").map_or(node.pos, |n| n.pos),
            format!("type {:?} is asked as free text for now", kind.name()),
        );
    }
    let mut setting = Setting {
        key,
        label,
        description,
        placeholder,
        help_url,
        kind: if secret { SettingType::Secret } else { kind },
        secret,
        required,
        default: None,
        options,
        min,
        max,
        pattern,
        max_length,
        scope,
        show_when,
        auto_generate,
        variables,
        required_variables,
        pos: key_pos,
        path: path.to_string(),
    };
    if let Some(n) = f.get("default") {
        let dpath = join(path, "default");
        if secret {
            d.error(&dpath, n.pos, "secrets cannot have a default value");
        } else if let Some(text) = d.text(n, &dpath) {
            if let Err(e) = check_value(&setting, &text) {
                d.error(
                    &dpath,
                    n.pos,
                    format!("default {text:?} does not fit type {}: {e}", kind.name()),
                );
            } else {
                setting.default = Some(text);
            }
        }
    }
    Some(setting)
}
