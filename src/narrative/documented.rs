//! Keeps docs/profiles.md true: the variables it lists are exactly those a
//! template can read, for a built-in profile and for a profile that
//! declares its own text blocks, tables and figures.

use std::collections::BTreeSet;

use serde_json::Value;

/// Maps whose keys depend on the profile or the facts, written `<id>` or
/// `<name>` in the document.
const KEYED: &[&str] = &["f", "money", "text"];

/// Lists of score-tree nodes: every one is documented once, as `node`.
const NODE_LISTS: &[&str] = &[
    "score.roots[]",
    "score.adjustments[]",
    "score.not_applicable[]",
    "score.excluded[]",
    "node.children[]",
    "node.leaves[]",
];

/// Every path of the context, in the document's notation.
pub(super) fn paths(context: &Value) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    walk(context, String::new(), &mut out);
    out
}

fn walk(value: &Value, path: String, out: &mut BTreeSet<String>) {
    let path = if NODE_LISTS.contains(&path.as_str()) {
        "node".to_string()
    } else {
        path
    };
    if !path.is_empty() {
        out.insert(path.clone());
    }
    let join = |key: &str| {
        if path.is_empty() {
            key.to_string()
        } else {
            format!("{path}.{key}")
        }
    };
    match value {
        Value::Object(map) if KEYED.contains(&path.as_str()) => {
            for item in map.values() {
                walk(item, join("<id>"), out);
            }
        }
        Value::Object(map) => {
            for (key, item) in map {
                walk(item, join(key), out);
            }
        }
        Value::Array(items) => {
            for item in items {
                walk(item, format!("{path}[]"), out);
            }
        }
        _ => {}
    }
}

/// The variables docs/profiles.md lists: the first `code` of each row of
/// the table under "## Template variables".
pub(super) fn documented(doc: &str) -> BTreeSet<String> {
    let section = doc
        .split("\n## Template variables")
        .nth(1)
        .expect("docs/profiles.md has a Template variables section");
    let section = section.split("\n## ").next().unwrap_or(section);
    section
        .lines()
        .filter(|line| line.starts_with("| `"))
        .filter_map(|line| line.split('`').nth(1))
        .map(|name| name.replace("<name>", "<id>"))
        .collect()
}
