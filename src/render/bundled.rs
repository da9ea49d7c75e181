//! The bundled font files. They are compiled into the binary compressed
//! (build.rs), which takes about a third off its size, but unpacking them
//! costs more time than a whole report takes. So the first run unpacks
//! each into a cache folder, named by its content hash, and every run maps
//! the unpacked copies from there: the operating system then reads only
//! the pages Typst touches, as it does for a binary's own data. Where no
//! cache can be written, each run unpacks into memory instead: slower, the
//! same bytes.

use std::fs::File;
use std::io::{Read as _, Write as _};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use typst::foundations::Bytes;

/// One font file as build.rs embedded it.
pub struct Packed {
    /// Its file name under `fonts/`.
    pub name: &'static str,
    /// Its size unpacked.
    pub size: usize,
    /// Its content hash (FNV-1a, hex), which names the cached copy.
    pub hash: &'static str,
    /// Raw deflate.
    pub data: &'static [u8],
}

include!(concat!(env!("OUT_DIR"), "/bundled_fonts.rs"));

/// The embedded font named `name` (a file name under `fonts/`).
pub fn packed(name: &str) -> Option<&'static Packed> {
    FONTS.iter().find(|font| font.name == name)
}

/// Where unpacked fonts are kept: `$ZPBG_CACHE_DIR`, else the user's cache
/// folder (`$XDG_CACHE_HOME` or `~/.cache` on Unix, `%LOCALAPPDATA%` on
/// Windows) under `zpbg`.
pub fn cache_dir() -> Option<PathBuf> {
    let var = |name: &str| std::env::var_os(name).filter(|value| !value.is_empty());
    if let Some(dir) = var("ZPBG_CACHE_DIR") {
        return Some(PathBuf::from(dir).join("fonts"));
    }
    let base = if cfg!(windows) {
        var("LOCALAPPDATA").map(PathBuf::from)
    } else {
        var("XDG_CACHE_HOME")
            .map(PathBuf::from)
            .or_else(|| var("HOME").map(|home| PathBuf::from(home).join(".cache")))
    }?;
    Some(base.join("zpbg").join("fonts"))
}

impl Packed {
    /// The font's bytes: mapped from the cache in `dir`, unpacked there
    /// first if it is not yet; unpacked in memory if `dir` is `None` or
    /// cannot be written.
    pub fn bytes(&self, dir: Option<&Path>) -> Bytes {
        if let Some(dir) = dir {
            let path = dir.join(format!("{}-{}", self.hash, self.name));
            if let Some(map) = self.map(&path) {
                return Bytes::new(map);
            }
            let data = self.unpack();
            if store(dir, &path, &data).is_ok()
                && let Some(map) = self.map(&path)
            {
                return Bytes::new(map);
            }
            return Bytes::new(data);
        }
        Bytes::new(self.unpack())
    }

    fn unpack(&self) -> Vec<u8> {
        let mut data = Vec::with_capacity(self.size);
        flate2::read::DeflateDecoder::new(self.data)
            .read_to_end(&mut data)
            .expect("build.rs compressed this font");
        data
    }

    /// The cached copy at `path`, if it is there whole. Copies are written
    /// under another name and renamed into place, so one of the right size
    /// is complete.
    fn map(&self, path: &Path) -> Option<memmap2::Mmap> {
        let file = File::open(path).ok()?;
        if file.metadata().ok()?.len() != self.size as u64 {
            return None;
        }
        // SAFETY: zpbg never changes a cached copy once it is in place; it
        // replaces one only by renaming a new file over it, which leaves
        // this mapping on the old file. Another program truncating the
        // file under us could still fault, as with any mapped file.
        unsafe { memmap2::Mmap::map(&file) }.ok()
    }
}

/// Writes `data` to `path` through a temporary file in `dir`, so runs that
/// unpack the same font at once never see each other's half-written copy.
fn store(dir: &Path, path: &Path, data: &[u8]) -> std::io::Result<()> {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    std::fs::create_dir_all(dir)?;
    let temp = dir.join(format!(
        ".{}.{}-{}.partial",
        path.file_name().and_then(|n| n.to_str()).unwrap_or("font"),
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    ));
    let written = File::create(&temp)
        .and_then(|mut file| file.write_all(data).and_then(|()| file.sync_all()))
        .and_then(|()| std::fs::rename(&temp, path));
    if written.is_err() {
        let _ = std::fs::remove_file(&temp);
    }
    written
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp_dir(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("zpbg-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        dir
    }

    #[test]
    fn every_font_under_fonts_is_embedded_and_unpacks_to_its_file() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fonts");
        let mut files: Vec<String> = std::fs::read_dir(&root)
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .filter(|n| n.ends_with(".otf") || n.ends_with(".ttf"))
            .collect();
        files.sort();
        let names: Vec<&str> = FONTS.iter().map(|f| f.name).collect();
        assert_eq!(names, files);
        for font in FONTS {
            let original = std::fs::read(root.join(font.name)).unwrap();
            assert!(
                font.data.len() < original.len(),
                "{} not smaller",
                font.name
            );
            assert_eq!(font.size, original.len());
            assert!(font.unpack() == original, "{} unpacks wrong", font.name);
        }
    }

    #[test]
    fn the_cache_is_filled_once_then_mapped_and_a_short_copy_is_replaced() {
        let dir = temp_dir("font-cache");
        let font = packed("NotoSerifHebrew-Regular.ttf").unwrap();
        let original = font.unpack();
        assert_eq!(font.bytes(Some(&dir)).as_slice(), original.as_slice());
        let cached = dir.join(format!("{}-{}", font.hash, font.name));
        assert_eq!(std::fs::read(&cached).unwrap(), original);
        // No temporary file is left behind.
        assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 1);

        // A copy cut short (a full disk, a killed run) is not used but
        // written again.
        std::fs::write(&cached, &original[..100]).unwrap();
        assert_eq!(font.bytes(Some(&dir)).as_slice(), original.as_slice());
        assert_eq!(std::fs::read(&cached).unwrap(), original);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn without_a_writable_cache_fonts_unpack_in_memory() {
        let dir = temp_dir("font-cache-blocked");
        // A file where the folder should be: nothing can be created there.
        std::fs::write(&dir, b"").unwrap();
        let font = packed("NotoSerifHebrew-Bold.ttf").unwrap();
        assert_eq!(font.bytes(Some(&dir.join("fonts"))).len(), font.size);
        assert_eq!(font.bytes(None).len(), font.size);
        std::fs::remove_file(&dir).unwrap();
    }
}
