//! Profiles: what a bureau standardises — the framework, the section
//! templates and their order, and the Typst page layout. Built-in profiles
//! are the folders of `templates/` embedded in the binary; a bureau's own is
//! a folder of the same shape.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::error::{Error, ProfileLimit, Result, TomlFile};
use crate::framework::Framework;

mod builtin {
    include!(concat!(env!("OUT_DIR"), "/builtin_files.rs"));
}

/// Shared Typst library folder, served to every profile as `lib/`.
const LIB: &str = "lib";

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct ProfileToml {
    name: String,
    description: Option<String>,
    title: String,
    framework: String,
    main: String,
    #[serde(default)]
    money_grouping: bool,
    annex: AnnexSpec,
    sections: Vec<SectionSpec>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AnnexSpec {
    pub label: String,
    /// `{year}` and `{unit}` are replaced.
    pub title: String,
    /// The first-level indicator (a leaf, such as 预算执行率) whose 分值 and
    /// 得分 the annex prints in its budget block rather than among the
    /// indicator rows, as the provincial tables do. Absent: every indicator
    /// is a row.
    pub budget_indicator: Option<String>,
    /// The tera template that words a row's 偏差原因分析及改进措施, rendered
    /// with the row's deduction as `d`; the built-in wording by default.
    #[serde(default = "default_note")]
    pub note: String,
}

fn default_note() -> String {
    "lib/annex_note.tera".into()
}

/// One narrative section. Its heading is written in its template, beside
/// the text it heads, like the headings inside it.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SectionSpec {
    /// What `--section` selects.
    pub id: String,
    /// Path of the tera template inside the profile.
    pub template: String,
}

#[derive(Debug, Clone)]
pub struct Profile {
    pub id: String,
    pub name: String,
    pub description: Option<String>,
    /// Report title; `{year}` and `{unit}` are replaced.
    pub title: String,
    pub money_grouping: bool,
    pub annex: AnnexSpec,
    pub sections: Vec<SectionSpec>,
    pub framework: Framework,
    /// (path, source) of every tera file of the profile and of the shared
    /// `lib/`, so a section template can import or include any of them.
    pub templates: Vec<(String, String)>,
    /// Files the Typst engine may read, by virtual path.
    pub typst_files: BTreeMap<String, Vec<u8>>,
    /// Virtual path of the Typst entry file.
    pub main: String,
    /// The folder it was read from, canonical, so nothing is written into
    /// it; `None` for a built-in profile.
    pub dir: Option<PathBuf>,
}

impl Profile {
    pub fn builtin_ids() -> Vec<&'static str> {
        let mut ids: Vec<&str> = builtin::FILES
            .iter()
            .filter_map(|(path, _)| path.strip_suffix("/profile.toml"))
            .collect();
        ids.dedup();
        ids
    }

    /// A built-in profile by id, or a profile folder by path.
    pub fn resolve(name: &str) -> Result<Self> {
        if Self::builtin_ids().contains(&name) {
            return Self::builtin(name);
        }
        let path = Path::new(name);
        if path.is_dir() {
            return Self::from_dir(path);
        }
        Err(Error::UnknownProfile {
            name: name.to_string(),
            valid: Self::builtin_ids().into_iter().map(String::from).collect(),
        })
    }

    pub fn builtin(id: &str) -> Result<Self> {
        let prefix = format!("{id}/");
        let files = builtin::FILES
            .iter()
            .filter_map(|(path, bytes)| {
                path.strip_prefix(&prefix)
                    .map(|rel| (rel.to_string(), bytes.to_vec()))
            })
            .collect();
        Self::from_files(id, Path::new("templates").join(id), files)
    }

    /// Reads a bureau's profile folder. Only regular files inside it whose
    /// extension a profile can use are read, within the limits above;
    /// symbolic links are skipped so a profile cannot pull in files from
    /// elsewhere.
    pub fn from_dir(dir: &Path) -> Result<Self> {
        let mut walk = Walk {
            root: dir,
            files: BTreeMap::new(),
            entries: 0,
            bytes: 0,
        };
        walk.dir(dir, 0)?;
        let files = walk.files;
        let id = dir
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| dir.display().to_string());
        let mut profile = Self::from_files(&id, dir.to_path_buf(), files)?;
        profile.dir = Some(std::fs::canonicalize(dir).map_err(|source| Error::Io {
            path: dir.to_path_buf(),
            source,
        })?);
        Ok(profile)
    }

    fn from_files(id: &str, origin: PathBuf, mut files: BTreeMap<String, Vec<u8>>) -> Result<Self> {
        let error = |message: String| Error::Profile {
            profile: id.to_string(),
            message,
        };
        let text = |files: &BTreeMap<String, Vec<u8>>, name: &str| -> Result<String> {
            let bytes = files
                .get(name)
                .ok_or_else(|| error(format!("缺少文件 {name}。")))?;
            String::from_utf8(bytes.clone())
                .map_err(|_| error(format!("文件 {name} 不是 UTF-8 编码。")))
        };
        let manifest_path = origin.join("profile.toml");
        let manifest_text = text(&files, "profile.toml")?;
        let manifest: ProfileToml = toml::from_str(&manifest_text)
            .map_err(|err| Error::toml(TomlFile::Profile, &manifest_path, &manifest_text, &err))?;
        let framework_text = text(&files, &manifest.framework)?;
        let framework = Framework::parse(&origin.join(&manifest.framework), &framework_text)?;
        for section in &manifest.sections {
            if !files.contains_key(&section.template) {
                return Err(error(format!("缺少章节模板文件 {}。", section.template)));
            }
        }
        let mut ids: Vec<&str> = manifest.sections.iter().map(|s| s.id.as_str()).collect();
        ids.sort_unstable();
        if let Some(dup) = ids.windows(2).find(|w| w[0] == w[1]) {
            return Err(error(format!("章节 id「{}」重复。", dup[0])));
        }
        if !files.contains_key(&manifest.annex.note) && manifest.annex.note != default_note() {
            return Err(error(format!(
                "缺少附表说明模板文件 {}。",
                manifest.annex.note
            )));
        }
        if !files.contains_key(&manifest.main) {
            return Err(error(format!("缺少排版入口文件 {}。", manifest.main)));
        }
        // A profile folder's own lib/ files win over the shared ones.
        for (path, bytes) in lib_files() {
            files.entry(path).or_insert(bytes);
        }
        let templates = files
            .keys()
            .filter(|path| path.ends_with(".tera"))
            .map(|path| Ok((path.clone(), text(&files, path)?)))
            .collect::<Result<Vec<_>>>()?;
        Ok(Profile {
            id: id.to_string(),
            name: manifest.name,
            description: manifest.description,
            title: manifest.title,
            money_grouping: manifest.money_grouping,
            annex: manifest.annex,
            sections: manifest.sections,
            framework,
            templates,
            typst_files: files,
            main: manifest.main,
            dir: None,
        })
    }

    /// The report's title for a unit and year.
    pub fn report_title(&self, year: i32, unit: &str) -> String {
        fill_pattern(&self.title, year, unit)
    }

    /// The annex's title for a unit and year.
    pub fn annex_title(&self, year: i32, unit: &str) -> String {
        fill_pattern(&self.annex.title, year, unit)
    }

    pub fn section_ids(&self) -> Vec<String> {
        self.sections.iter().map(|s| s.id.clone()).collect()
    }
}

/// Replaces `{year}` and `{unit}` in a title pattern of `profile.toml`.
fn fill_pattern(pattern: &str, year: i32, unit: &str) -> String {
    pattern
        .replace("{year}", &year.to_string())
        .replace("{unit}", unit)
}

/// The shared Typst library (`lib/…`) alone, for documents that belong to no
/// profile, such as the batch summary.
pub fn lib_files() -> BTreeMap<String, Vec<u8>> {
    let lib = format!("{LIB}/");
    builtin::FILES
        .iter()
        .filter(|(path, _)| path.starts_with(&lib))
        .map(|(path, bytes)| (path.to_string(), bytes.to_vec()))
        .collect()
}

/// Extensions of the files a profile folder can use: its manifest and
/// framework, section templates, the Typst layout and what Typst may load
/// (images and data). Other files are not read.
const PROFILE_EXTENSIONS: &[&str] = &[
    "toml", "tera", "typ", "png", "jpg", "jpeg", "gif", "svg", "webp", "json", "yaml", "yml",
    "csv", "xml", "txt", "bib",
];
/// How deep folders may nest below a profile folder.
pub const MAX_PROFILE_DEPTH: usize = 8;
/// How many entries (files and folders, read or skipped) a profile folder
/// may hold, so a wrong `--profile /usr` stops at once.
pub const MAX_PROFILE_ENTRIES: usize = 1000;
/// How many bytes the files read from a profile folder may add up to.
pub const MAX_PROFILE_BYTES: u64 = 32 * 1024 * 1024;

/// A walk of a profile folder, keeping count against the limits.
struct Walk<'a> {
    root: &'a Path,
    files: BTreeMap<String, Vec<u8>>,
    entries: usize,
    bytes: u64,
}

impl Walk<'_> {
    fn limit(&self, limit: ProfileLimit) -> Error {
        Error::ProfileLimit {
            dir: self.root.to_path_buf(),
            limit,
        }
    }

    /// Reads the profile files under `dir`, `depth` folders below the root.
    /// Symbolic links and hidden entries (`.git`) are skipped.
    fn dir(&mut self, dir: &Path, depth: usize) -> Result<()> {
        let io = |path: &Path| {
            let path = path.to_path_buf();
            move |source| Error::Io { path, source }
        };
        if depth > MAX_PROFILE_DEPTH {
            return Err(self.limit(ProfileLimit::Depth(MAX_PROFILE_DEPTH)));
        }
        for entry in std::fs::read_dir(dir).map_err(io(dir))? {
            let entry = entry.map_err(io(dir))?;
            self.entries += 1;
            if self.entries > MAX_PROFILE_ENTRIES {
                return Err(self.limit(ProfileLimit::Entries(MAX_PROFILE_ENTRIES)));
            }
            let path = entry.path();
            if entry.file_name().to_string_lossy().starts_with('.') {
                continue;
            }
            let kind = entry.file_type().map_err(io(&path))?;
            if kind.is_dir() {
                self.dir(&path, depth + 1)?;
            } else if kind.is_file() && is_profile_file(&path) {
                let bytes = crate::input::read(&path)?;
                self.bytes += bytes.len() as u64;
                if self.bytes > MAX_PROFILE_BYTES {
                    return Err(self.limit(ProfileLimit::Bytes(MAX_PROFILE_BYTES)));
                }
                let rel = path
                    .strip_prefix(self.root)
                    .expect("walked from root")
                    .components()
                    .map(|c| c.as_os_str().to_string_lossy())
                    .collect::<Vec<_>>()
                    .join("/");
                self.files.insert(rel, bytes);
            }
        }
        Ok(())
    }
}

fn is_profile_file(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| PROFILE_EXTENSIONS.contains(&e.to_ascii_lowercase().as_str()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_profiles_load() {
        let ids = Profile::builtin_ids();
        assert!(ids.contains(&"hunan-2024"), "{ids:?}");
        for id in ids {
            let p = Profile::builtin(id).unwrap();
            assert!(p.typst_files.contains_key(&p.main));
            assert!(p.typst_files.contains_key("lib/gongwen.typ"));
            assert!(!p.sections.is_empty());
        }
    }

    #[test]
    fn unknown_profile_lists_builtins() {
        let msg = Profile::resolve("no-such-profile").unwrap_err().to_string();
        assert!(msg.contains("hunan-2024"), "{msg}");
    }
}
