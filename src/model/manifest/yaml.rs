//! A YAML document as a tree that remembers where every node came from (line and column), keeps
//! mapping entries in order with duplicates, and is built under limits so that hostile input —
//! huge documents, deep nesting, alias bombs — gives a clear error instead of exhausting memory.

use saphyr_parser::{Event, Parser, ScalarStyle, Span};

/// Largest manifest accepted, in bytes.
pub const MAX_BYTES: usize = 1024 * 1024;
/// Deepest nesting of sequences and mappings accepted.
pub const MAX_DEPTH: usize = 64;
/// Most nodes a document may have, aliases expanded.
pub const MAX_NODES: usize = 100_000;

/// A position in the source: 1-based line and column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub struct Pos {
    /// 1-based line.
    pub line: u32,
    /// 1-based column.
    pub column: u32,
}

impl Pos {
    fn from_span(span: &Span) -> Self {
        // saphyr counts lines from 1 and columns from 0.
        Self {
            line: span.start.line() as u32,
            column: span.start.col() as u32 + 1,
        }
    }
}

/// What a node holds.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// A scalar, with whether it was quoted (quoted scalars are always strings).
    Scalar {
        /// The text.
        text: String,
        /// Written in quotes or as a block.
        quoted: bool,
    },
    /// A sequence.
    Seq(Vec<Node>),
    /// A mapping, in source order; duplicate keys are kept so they can be reported.
    Map(Vec<(Node, Node)>),
}

/// One node with its position.
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    /// The content.
    pub value: Value,
    /// Where it starts.
    pub pos: Pos,
}

/// Why a document could not be read as YAML at all.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct YamlError {
    /// What went wrong.
    pub message: String,
    /// Where.
    pub pos: Pos,
}

impl Node {
    /// The scalar text, if this is a scalar.
    pub fn as_str(&self) -> Option<&str> {
        match &self.value {
            Value::Scalar { text, .. } => Some(text),
            _ => None,
        }
    }

    /// Whether this is a plain (unquoted) `null`/`~`/empty scalar.
    pub fn is_null(&self) -> bool {
        matches!(&self.value, Value::Scalar { text, quoted: false } if matches!(text.as_str(), "" | "~" | "null" | "Null" | "NULL"))
    }

    /// The entries, if this is a mapping.
    pub fn as_map(&self) -> Option<&[(Node, Node)]> {
        match &self.value {
            Value::Map(entries) => Some(entries),
            _ => None,
        }
    }

    /// The items, if this is a sequence.
    pub fn as_seq(&self) -> Option<&[Node]> {
        match &self.value {
            Value::Seq(items) => Some(items),
            _ => None,
        }
    }

    /// The value of the first entry whose key is `key`, if this is a mapping.
    pub fn get(&self, key: &str) -> Option<&Node> {
        self.as_map()?
            .iter()
            .find(|(k, _)| k.as_str() == Some(key))
            .map(|(_, v)| v)
    }

    /// A word for the kind of node, for messages ("a list", "a mapping", "text").
    pub fn kind_name(&self) -> &'static str {
        match &self.value {
            Value::Scalar { .. } if self.is_null() => "empty",
            Value::Scalar { .. } => "a single value",
            Value::Seq(_) => "a list",
            Value::Map(_) => "a mapping",
        }
    }
}

enum Frame {
    Seq(Vec<Node>, Pos, usize),
    Map(Vec<(Node, Node)>, Option<Node>, Pos, usize),
}

/// Parses the first document of `source`. An empty document is an empty mapping at line 1.
pub fn parse(source: &str) -> Result<Node, YamlError> {
    if source.len() > MAX_BYTES {
        return Err(YamlError {
            message: format!(
                "the manifest is {} KB; the limit is {} KB",
                source.len() / 1024,
                MAX_BYTES / 1024
            ),
            pos: Pos { line: 1, column: 1 },
        });
    }
    let mut stack: Vec<Frame> = Vec::new();
    let mut anchors: std::collections::HashMap<usize, Node> = std::collections::HashMap::new();
    let mut nodes = 0usize;
    let mut root: Option<Node> = None;
    let mut parser = Parser::new_from_str(source);
    let too_many = |pos: Pos| YamlError {
        message: format!("the document has more than {MAX_NODES} values (aliases included)"),
        pos,
    };

    // Attaches a finished node to its parent; returns the root when the document is complete.
    fn attach(stack: &mut [Frame], node: Node) -> Option<Node> {
        match stack.last_mut() {
            None => Some(node),
            Some(Frame::Seq(items, ..)) => {
                items.push(node);
                None
            }
            Some(Frame::Map(entries, pending, ..)) => {
                match pending.take() {
                    None => *pending = Some(node),
                    Some(key) => entries.push((key, node)),
                }
                None
            }
        }
    }

    while root.is_none() {
        let (event, span) = match parser.next_event() {
            None => break,
            Some(Ok(ev)) => ev,
            Some(Err(e)) => {
                let m = e.marker();
                return Err(YamlError {
                    message: e.info().to_string(),
                    pos: Pos {
                        line: m.line() as u32,
                        column: m.col() as u32 + 1,
                    },
                });
            }
        };
        let pos = Pos::from_span(&span);
        let finished = match event {
            Event::StreamStart | Event::DocumentStart(_) | Event::Nothing => None,
            Event::StreamEnd | Event::DocumentEnd => break,
            Event::Scalar(text, style, anchor, _tag) => {
                nodes += 1;
                if nodes > MAX_NODES {
                    return Err(too_many(pos));
                }
                let node = Node {
                    value: Value::Scalar {
                        text: text.into_owned(),
                        quoted: !matches!(style, ScalarStyle::Plain),
                    },
                    pos,
                };
                if anchor > 0 {
                    anchors.insert(anchor, node.clone());
                }
                attach(&mut stack, node)
            }
            Event::SequenceStart(anchor, _) => {
                check_depth(stack.len(), pos)?;
                stack.push(Frame::Seq(Vec::new(), pos, anchor));
                None
            }
            Event::MappingStart(anchor, _) => {
                check_depth(stack.len(), pos)?;
                stack.push(Frame::Map(Vec::new(), None, pos, anchor));
                None
            }
            Event::SequenceEnd | Event::MappingEnd => {
                let (value, start, anchor) = match stack.pop() {
                    Some(Frame::Seq(items, start, anchor)) => (Value::Seq(items), start, anchor),
                    Some(Frame::Map(entries, _, start, anchor)) => {
                        (Value::Map(entries), start, anchor)
                    }
                    None => continue,
                };
                nodes += 1;
                let node = Node { value, pos: start };
                if anchor > 0 {
                    anchors.insert(anchor, node.clone());
                }
                attach(&mut stack, node)
            }
            Event::Alias(id) => {
                let Some(target) = anchors.get(&id) else {
                    return Err(YamlError {
                        message: "this alias names no anchor defined before it".into(),
                        pos,
                    });
                };
                nodes += count(target, MAX_NODES + 1 - nodes.min(MAX_NODES));
                if nodes > MAX_NODES {
                    return Err(too_many(pos));
                }
                let mut copy = target.clone();
                copy.pos = pos;
                attach(&mut stack, copy)
            }
        };
        if let Some(done) = finished {
            root = Some(done);
        }
    }
    Ok(root.unwrap_or(Node {
        value: Value::Map(Vec::new()),
        pos: Pos { line: 1, column: 1 },
    }))
}

fn check_depth(depth: usize, pos: Pos) -> Result<(), YamlError> {
    if depth >= MAX_DEPTH {
        return Err(YamlError {
            message: format!("values are nested more than {MAX_DEPTH} levels deep"),
            pos,
        });
    }
    Ok(())
}

/// Counts the nodes of `node`, stopping once `budget` is exceeded (so counting is bounded too).
fn count(node: &Node, budget: usize) -> usize {
    let mut seen = 0usize;
    let mut todo = vec![node];
    while let Some(n) = todo.pop() {
        seen += 1;
        if seen > budget {
            return seen;
        }
        match &n.value {
            Value::Scalar { .. } => {}
            Value::Seq(items) => todo.extend(items.iter()),
            Value::Map(entries) => {
                for (k, v) in entries {
                    todo.push(k);
                    todo.push(v);
                }
            }
        }
    }
    seen
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_are_one_based() {
        let doc = parse("a: 1\nb:\n  - x\n  - 'y'\n").unwrap();
        let b = doc.get("b").unwrap();
        assert_eq!(b.pos, Pos { line: 3, column: 3 });
        let items = b.as_seq().unwrap();
        assert_eq!(items[1].as_str(), Some("y"));
        assert_eq!(items[1].pos, Pos { line: 4, column: 5 });
        assert!(matches!(items[1].value, Value::Scalar { quoted: true, .. }));
    }

    #[test]
    fn duplicate_keys_are_kept() {
        let doc = parse("a: 1\na: 2\n").unwrap();
        assert_eq!(doc.as_map().unwrap().len(), 2);
    }

    #[test]
    fn empty_documents_are_empty_mappings() {
        assert_eq!(parse("").unwrap().as_map().map(<[_]>::len), Some(0));
        assert_eq!(
            parse("# only a comment\n")
                .unwrap()
                .as_map()
                .map(<[_]>::len),
            Some(0)
        );
    }

    #[test]
    fn syntax_errors_have_a_position() {
        let err = parse("a: [1, 2\nb: 3\n").unwrap_err();
        assert!(err.pos.line >= 1);
        assert!(!err.message.is_empty());
    }

    #[test]
    fn alias_bombs_are_refused() {
        let mut doc = String::from("a: &a [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 0..8 {
            let prev = if i == 0 {
                "a".to_string()
            } else {
                format!("l{}", i - 1)
            };
            doc.push_str(&format!(
                "l{i}: &l{i} [*{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}]\n"
            ));
        }
        let err = parse(&doc).unwrap_err();
        assert!(err.message.contains("more than"), "{}", err.message);
    }

    #[test]
    fn deep_nesting_is_refused() {
        let doc = "[".repeat(200) + &"]".repeat(200);
        let err = parse(&doc).unwrap_err();
        assert!(err.message.contains("nested"), "{}", err.message);
    }

    #[test]
    fn huge_documents_are_refused_before_parsing() {
        let doc = "a: b\n".repeat(MAX_BYTES / 4);
        let err = parse(&doc).unwrap_err();
        assert!(err.message.contains("limit"), "{}", err.message);
    }
}
