//! A TOML document as a tree where every key and value keeps its place in
//! the source, and a small field reader over it that records *every* problem
//! instead of stopping at the first (serde's derive stops at the first).

use std::fmt;

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use toml::Spanned;

use crate::error::{ContentError, ErrorKind};

/// A TOML value whose children all carry their byte spans.
#[derive(Debug)]
pub(crate) enum Node {
    Str(String),
    Int(i64),
    Float,
    Bool(bool),
    Array(Vec<Spanned<Node>>),
    Table(Vec<(Spanned<String>, Spanned<Node>)>),
}

impl Node {
    pub(crate) fn type_name(&self) -> &'static str {
        match self {
            Node::Str(_) => "text",
            Node::Int(_) => "a whole number",
            Node::Float => "a decimal number",
            Node::Bool(_) => "true or false",
            Node::Array(_) => "a list",
            Node::Table(_) => "a table",
        }
    }
}

impl<'de> Deserialize<'de> for Node {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(NodeVisitor)
    }
}

struct NodeVisitor;

impl<'de> Visitor<'de> for NodeVisitor {
    type Value = Node;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a TOML value")
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Node, E> {
        Ok(Node::Bool(v))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Node, E> {
        Ok(Node::Int(v))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Node, E> {
        Ok(Node::Int(i64::try_from(v).unwrap_or(i64::MAX)))
    }
    fn visit_f64<E: de::Error>(self, _: f64) -> Result<Node, E> {
        Ok(Node::Float)
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Node, E> {
        Ok(Node::Str(v.to_owned()))
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<Node, E> {
        Ok(Node::Str(v))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Node, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element::<Spanned<Node>>()? {
            items.push(item);
        }
        Ok(Node::Array(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Node, A::Error> {
        let mut entries = Vec::new();
        while let Some(key) = map.next_key::<Spanned<String>>()? {
            let value = map.next_value::<Spanned<Node>>()?;
            entries.push((key, value));
        }
        Ok(Node::Table(entries))
    }
}

/// One source file being read: its name, its text (for line numbers) and
/// the list every problem goes into.
pub(crate) struct FileCtx<'a> {
    pub name: &'a str,
    line_starts: Vec<usize>,
    pub errors: &'a mut Vec<ContentError>,
}

impl<'a> FileCtx<'a> {
    pub(crate) fn new(name: &'a str, text: &str, errors: &'a mut Vec<ContentError>) -> Self {
        let mut line_starts = vec![0];
        line_starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        FileCtx { name, line_starts, errors }
    }

    /// 1-based line of a byte offset.
    pub(crate) fn line(&self, offset: usize) -> usize {
        self.line_starts.partition_point(|&start| start <= offset)
    }

    pub(crate) fn error(&mut self, offset: usize, kind: ErrorKind, message: impl Into<String>) {
        let line = Some(self.line(offset));
        self.errors.push(ContentError { file: self.name.to_owned(), line, kind, message: message.into() });
    }
}

/// Reads the fields of one table, remembering which were used so the rest
/// can be reported as unknown.
pub(crate) struct Fields<'n> {
    what: &'static str,
    at: usize,
    entries: &'n [(Spanned<String>, Spanned<Node>)],
    used: Vec<bool>,
}

impl<'n> Fields<'n> {
    /// `what` names the table in messages ("exercise", "step"); `node` must
    /// be a table, otherwise a type error is recorded and `None` returned.
    pub(crate) fn of(ctx: &mut FileCtx, what: &'static str, node: &'n Spanned<Node>) -> Option<Self> {
        match node.get_ref() {
            Node::Table(entries) => {
                Some(Fields { what, at: node.span().start, entries, used: vec![false; entries.len()] })
            }
            other => {
                ctx.error(
                    node.span().start,
                    ErrorKind::WrongType,
                    format!("{what} should be a table, found {}", other.type_name()),
                );
                None
            }
        }
    }

    pub(crate) fn at(&self) -> usize {
        self.at
    }

    fn take(&mut self, key: &str) -> Option<&'n Spanned<Node>> {
        let index = self.entries.iter().position(|(k, _)| k.get_ref() == key)?;
        self.used[index] = true;
        Some(&self.entries[index].1)
    }

    /// A field that must be present; a missing one is reported at the table.
    pub(crate) fn required(&mut self, ctx: &mut FileCtx, key: &str) -> Option<&'n Spanned<Node>> {
        let found = self.take(key);
        if found.is_none() {
            ctx.error(self.at, ErrorKind::MissingField, format!("{} is missing the field `{key}`", self.what));
        }
        found
    }

    pub(crate) fn optional(&mut self, key: &str) -> Option<&'n Spanned<Node>> {
        self.take(key)
    }

    /// Reports every field not read, with the fields this table can have.
    pub(crate) fn finish(self, ctx: &mut FileCtx, known: &[&str]) {
        for ((key, _), used) in self.entries.iter().zip(self.used) {
            if !used {
                ctx.error(
                    key.span().start,
                    ErrorKind::UnknownField,
                    format!(
                        "unknown field `{}` in {} (expected one of: {})",
                        key.get_ref(),
                        self.what,
                        known.join(", ")
                    ),
                );
            }
        }
    }
}

pub(crate) fn as_str<'n>(ctx: &mut FileCtx, field: &str, node: &'n Spanned<Node>) -> Option<&'n str> {
    match node.get_ref() {
        Node::Str(s) => Some(s),
        other => {
            ctx.error(
                node.span().start,
                ErrorKind::WrongType,
                format!("`{field}` should be text, found {}", other.type_name()),
            );
            None
        }
    }
}

pub(crate) fn as_int(ctx: &mut FileCtx, field: &str, node: &Spanned<Node>) -> Option<i64> {
    match node.get_ref() {
        Node::Int(n) => Some(*n),
        other => {
            ctx.error(
                node.span().start,
                ErrorKind::WrongType,
                format!("`{field}` should be a whole number, found {}", other.type_name()),
            );
            None
        }
    }
}

pub(crate) fn as_bool(ctx: &mut FileCtx, field: &str, node: &Spanned<Node>) -> Option<bool> {
    match node.get_ref() {
        Node::Bool(b) => Some(*b),
        other => {
            ctx.error(
                node.span().start,
                ErrorKind::WrongType,
                format!("`{field}` should be true or false, found {}", other.type_name()),
            );
            None
        }
    }
}

pub(crate) fn as_array<'n>(ctx: &mut FileCtx, field: &str, node: &'n Spanned<Node>) -> Option<&'n [Spanned<Node>]> {
    match node.get_ref() {
        Node::Array(items) => Some(items),
        other => {
            ctx.error(
                node.span().start,
                ErrorKind::WrongType,
                format!("`{field}` should be a list, found {}", other.type_name()),
            );
            None
        }
    }
}

/// A list of texts; wrong-typed items are reported and skipped.
pub(crate) fn as_str_list<'n>(
    ctx: &mut FileCtx,
    field: &str,
    node: &'n Spanned<Node>,
) -> Option<Vec<Spanned<&'n str>>> {
    let items = as_array(ctx, field, node)?;
    let mut out = Vec::with_capacity(items.len());
    for item in items {
        if let Some(s) = as_str(ctx, field, item) {
            out.push(Spanned::new(item.span(), s));
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_map_to_one_based_lines() {
        let text = "a = 1\nb = 2\n\nc = 3";
        let mut errors = Vec::new();
        let ctx = FileCtx::new("f.toml", text, &mut errors);
        assert_eq!(ctx.line(0), 1);
        assert_eq!(ctx.line(5), 1); // the newline ends line 1
        assert_eq!(ctx.line(6), 2);
        assert_eq!(ctx.line(12), 3);
        assert_eq!(ctx.line(13), 4);
        assert_eq!(ctx.line(text.len()), 4);
    }

    #[test]
    fn the_tree_keeps_spans_of_keys_and_values() {
        let text = "[[prompt]]\nid = \"p-x\"\nlevel = 2\n";
        let root: Node = toml::from_str(text).unwrap();
        let Node::Table(top) = root else { panic!("root is a table") };
        let Node::Array(prompts) = top[0].1.get_ref() else { panic!("an array of tables") };
        let Node::Table(fields) = prompts[0].get_ref() else { panic!("a table") };
        let (key, value) = &fields[1];
        assert_eq!(key.get_ref(), "level");
        assert_eq!(&text[key.span()], "level");
        assert!(matches!(value.get_ref(), Node::Int(2)));
        let mut errors = Vec::new();
        let ctx = FileCtx::new("f.toml", text, &mut errors);
        assert_eq!(ctx.line(prompts[0].span().start), 1, "an entry starts at its [[header]]");
        assert_eq!(ctx.line(value.span().start), 3);
    }
}
