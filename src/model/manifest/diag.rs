//! Diagnostics: what is wrong with a manifest, where (YAML path, line, column), and how bad.

use super::yaml::{Node, Pos};
use serde::{Deserialize, Serialize};

/// How bad a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// The manifest cannot be used until this is fixed.
    Error,
    /// Worth fixing; the manifest still works.
    Warning,
}

/// One finding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Diagnostic {
    /// Error or warning.
    pub severity: Severity,
    /// YAML path, e.g. `extension.configuration.API_KEY.type` or `triggers[0].event`.
    pub path: String,
    /// 1-based line.
    pub line: u32,
    /// 1-based column.
    pub column: u32,
    /// What is wrong, for a publisher.
    pub message: String,
}

impl std::fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let path = if self.path.is_empty() {
            "(document)"
        } else {
            &self.path
        };
        write!(
            f,
            "{path}: {} (line {}, col {})",
            self.message, self.line, self.column
        )
    }
}

/// Collects diagnostics while a manifest is read.
#[derive(Debug, Default)]
pub struct Diags {
    /// Everything found so far, in the order found.
    pub list: Vec<Diagnostic>,
}

impl Diags {
    /// Records an error at `pos`.
    pub fn error(&mut self, path: &str, pos: Pos, message: impl Into<String>) {
        self.push(Severity::Error, path, pos, message.into());
    }

    /// Records a warning at `pos`.
    pub fn warn(&mut self, path: &str, pos: Pos, message: impl Into<String>) {
        self.push(Severity::Warning, path, pos, message.into());
    }

    fn push(&mut self, severity: Severity, path: &str, pos: Pos, message: String) {
        self.list.push(Diagnostic {
            severity,
            path: path.to_string(),
            line: pos.line,
            column: pos.column,
            message,
        });
    }

    /// Whether any error was recorded.
    pub fn has_errors(&self) -> bool {
        self.list.iter().any(|d| d.severity == Severity::Error)
    }

    /// The entries of a mapping node, or an error naming what was found instead.
    pub fn map<'a>(&mut self, node: &'a Node, path: &str) -> Option<&'a [(Node, Node)]> {
        match node.as_map() {
            Some(m) => Some(m),
            None if node.is_null() => Some(&[]),
            None => {
                self.error(
                    path,
                    node.pos,
                    format!(
                        "must be a mapping (key: value lines), not {}",
                        node.kind_name()
                    ),
                );
                None
            }
        }
    }

    /// The items of a sequence node, or an error naming what was found instead.
    pub fn seq<'a>(&mut self, node: &'a Node, path: &str) -> Option<&'a [Node]> {
        match node.as_seq() {
            Some(s) => Some(s),
            None if node.is_null() => Some(&[]),
            None => {
                self.error(
                    path,
                    node.pos,
                    format!("must be a list, not {}", node.kind_name()),
                );
                None
            }
        }
    }

    /// The text of a scalar node, or an error naming what was found instead.
    pub fn text(&mut self, node: &Node, path: &str) -> Option<String> {
        match node.as_str() {
            Some(s) => Some(s.to_string()),
            None => {
                self.error(
                    path,
                    node.pos,
                    format!("must be a single value, not {}", node.kind_name()),
                );
                None
            }
        }
    }

    /// A non-empty text value.
    pub fn nonempty(&mut self, node: &Node, path: &str) -> Option<String> {
        let text = self.text(node, path)?;
        if text.trim().is_empty() || node.is_null() {
            self.error(path, node.pos, "must not be empty");
            return None;
        }
        Some(text)
    }

    /// A boolean (`true`/`false`).
    pub fn boolean(&mut self, node: &Node, path: &str) -> Option<bool> {
        match self.text(node, path)?.as_str() {
            "true" | "True" | "TRUE" => Some(true),
            "false" | "False" | "FALSE" => Some(false),
            other => {
                self.error(
                    path,
                    node.pos,
                    format!("must be true or false, not {other:?}"),
                );
                None
            }
        }
    }

    /// A whole number.
    pub fn integer(&mut self, node: &Node, path: &str) -> Option<i64> {
        let text = self.text(node, path)?;
        match text.trim().parse::<i64>() {
            Ok(n) => Some(n),
            Err(_) => {
                self.error(
                    path,
                    node.pos,
                    format!("must be a whole number, not {text:?}"),
                );
                None
            }
        }
    }

    /// A number.
    pub fn number(&mut self, node: &Node, path: &str) -> Option<f64> {
        let text = self.text(node, path)?;
        match text.trim().parse::<f64>() {
            Ok(n) if n.is_finite() => Some(n),
            _ => {
                self.error(path, node.pos, format!("must be a number, not {text:?}"));
                None
            }
        }
    }

    /// A list of text values (a single value is refused with a hint).
    pub fn texts(&mut self, node: &Node, path: &str) -> Vec<(String, Node)> {
        let Some(items) = self.seq(node, path) else {
            return Vec::new();
        };
        let mut out = Vec::new();
        for (i, item) in items.iter().enumerate() {
            if let Some(t) = self.text(item, &format!("{path}[{i}]")) {
                out.push((t, item.clone()));
            }
        }
        out
    }

    /// Checks a mapping's keys: duplicates are errors, keys outside `known` are warnings. Returns
    /// the first value of each key, for lookups.
    pub fn fields<'a>(
        &mut self,
        entries: &'a [(Node, Node)],
        path: &str,
        known: &[&str],
    ) -> Fields<'a> {
        let mut seen: Vec<(&'a str, &'a Node)> = Vec::new();
        for (k, v) in entries {
            let Some(name) = k.as_str() else {
                self.error(path, k.pos, "keys must be single values");
                continue;
            };
            let child = join(path, name);
            if seen.iter().any(|(n, _)| *n == name) {
                self.error(&child, k.pos, format!("{name:?} appears more than once"));
                continue;
            }
            if !known.contains(&name) {
                self.warn(
                    &child,
                    k.pos,
                    format!("unknown field {name:?} is kept but not used"),
                );
            }
            seen.push((name, v));
        }
        Fields { seen }
    }
}

/// The fields of one mapping, looked up by name.
#[derive(Debug)]
pub struct Fields<'a> {
    seen: Vec<(&'a str, &'a Node)>,
}

impl<'a> Fields<'a> {
    /// The value of `name`, if present and not null.
    pub fn get(&self, name: &str) -> Option<&'a Node> {
        self.seen
            .iter()
            .find(|(n, v)| *n == name && !v.is_null())
            .map(|(_, v)| *v)
    }

    /// The value of `name`, if present, even when null (for required fields written empty).
    pub fn present(&self, name: &str) -> Option<&'a Node> {
        self.seen.iter().find(|(n, _)| *n == name).map(|(_, v)| *v)
    }

    /// The value of the first of `names` present (for aliases such as `showWhen`).
    pub fn any(&self, names: &[&str]) -> Option<&'a Node> {
        names.iter().find_map(|n| self.get(n))
    }

    /// Whether `name` is present at all (even as null).
    pub fn has(&self, name: &str) -> bool {
        self.seen.iter().any(|(n, _)| *n == name)
    }
}

/// `parent.child`, or `child` at the root.
pub fn join(parent: &str, child: &str) -> String {
    if parent.is_empty() {
        child.to_string()
    } else {
        format!("{parent}.{child}")
    }
}
