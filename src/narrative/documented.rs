//! Keeps docs/profiles.md true: the variables it lists are exactly those a
//! template can read, for a built-in profile and for a profile that
//! declares its own text blocks, tables and figures.

use std::collections::BTreeSet;

use serde_json::Value;

/// Maps whose keys depend on the profile or the facts, written `<id>` or
/// `<name>` in the document.
const KEYED: &[&str] = &["f", "money", "text", "budgets", "reasons"];

/// Lists of score-tree nodes: every one is documented once, as `node`.
const NODE_LISTS: &[&str] = &[
    "score.roots[]",
    "score.adjustments[]",
    "score.not_applicable[]",
    "score.excluded[]",
    "node.children[]",
    "node.leaves[]",
];

/// Where a deduction sits: documented once, as `deduction`, and the
/// kind-specific values of a leaf or a deduction once, as `detail`.
const DEDUCTIONS: &[&str] = &["deductions[]", "node.leaf.deduction"];

/// Every path of the context, in the document's notation.
pub(super) fn paths(context: &Value) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    walk(context, String::new(), &mut out);
    out
}

fn walk(value: &Value, path: String, out: &mut BTreeSet<String>) {
    let path = if NODE_LISTS.contains(&path.as_str()) {
        "node".to_string()
    } else if DEDUCTIONS.contains(&path.as_str()) {
        "deduction".to_string()
    } else if path == "node.leaf.detail" || path == "deduction.detail" {
        "detail".to_string()
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

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;
    use crate::facts::FactsFile;
    use crate::figures::Figures;
    use crate::profile::Profile;
    use crate::scoring::ScoreSheet;

    /// The context's paths for one facts file under one profile.
    fn context_paths(profile: &Profile, facts: &str) -> BTreeSet<String> {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let path = root.join(facts);
        let facts = FactsFile::load(&path).unwrap();
        let figures = Figures::compute(&facts, &profile.figures);
        let sheet = ScoreSheet::compute(&profile.framework, &facts, &figures).unwrap();
        let declared = crate::declared::read(profile, &facts).unwrap();
        let json = super::super::context::json(&facts, &figures, &sheet, profile, &declared);
        paths(&json)
    }

    #[test]
    fn documented_variables_are_the_context() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut real = BTreeSet::new();
        // Between them these fill every optional part of the context: a
        // not-applicable leaf, a conversion, bonus and penalty items, text
        // blocks, assets, a unit without 三公 items.
        for (profile, facts) in [
            ("hunan-2024", "data/example.toml"),
            ("hunan-2020", "tests/fixtures/ref000.toml"),
            ("henan-2022", "tests/fixtures/ref001.toml"),
            ("hunan-2024", "tests/fixtures/ref002.toml"),
        ] {
            real.extend(context_paths(&Profile::builtin(profile).unwrap(), facts));
        }
        let custom = Profile::from_dir(&root.join("tests/fixtures/custom-profile")).unwrap();
        real.extend(context_paths(&custom, "tests/fixtures/custom-facts.toml"));
        let jiangxi = Profile::from_dir(&root.join("tests/fixtures/jiangxi-2025")).unwrap();
        real.extend(context_paths(&jiangxi, "tests/fixtures/jiangxi-facts.toml"));

        let doc = std::fs::read_to_string(root.join("docs/profiles.md")).unwrap();
        let documented = documented(&doc);
        let undocumented: Vec<_> = real.difference(&documented).collect();
        let stale: Vec<_> = documented.difference(&real).collect();
        assert!(
            undocumented.is_empty() && stale.is_empty(),
            "docs/profiles.md is out of step with the template context.\n\
             Not documented: {undocumented:#?}\nDocumented but not in the context: {stale:#?}"
        );
    }
}
