//! Embeds every file under `templates/` in the binary, so built-in profiles
//! are data: adding one means adding a folder, not Rust. Embeds the fonts
//! under `fonts/` compressed, which takes a third off the binary; the
//! program unpacks them once into a cache (`src/render/bundled.rs`).

use std::fmt::Write as _;
use std::io::Write as _;
use std::path::{Path, PathBuf};

fn main() {
    let out = PathBuf::from(std::env::var("OUT_DIR").expect("cargo sets OUT_DIR"));
    embed_templates(&out);
    embed_fonts(&out);
}

fn embed_templates(dest: &Path) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("templates");
    println!("cargo:rerun-if-changed={}", root.display());
    let mut files = Vec::new();
    collect(&root, &mut files);
    files.sort();
    let mut out = String::from("pub static FILES: &[(&str, &[u8])] = &[\n");
    for path in &files {
        println!("cargo:rerun-if-changed={}", path.display());
        let rel = path
            .strip_prefix(&root)
            .expect("under templates/")
            .to_str()
            .expect("template paths are UTF-8")
            .replace('\\', "/");
        writeln!(
            out,
            "    ({rel:?}, include_bytes!({:?})),",
            path.display().to_string()
        )
        .expect("writing to a String");
    }
    out.push_str("];\n");
    std::fs::write(dest.join("builtin_files.rs"), out).expect("writing OUT_DIR");
}

/// Writes each font file compressed (raw deflate) to `OUT_DIR/fonts/` under
/// its content hash, so a rebuild for a changed template compresses
/// nothing, and lists them in `bundled_fonts.rs` with their unpacked size
/// and hash: the program names its cached copy by that hash.
fn embed_fonts(dest: &Path) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fonts");
    println!("cargo:rerun-if-changed={}", root.display());
    let mut fonts: Vec<PathBuf> = std::fs::read_dir(&root)
        .expect("fonts/ is readable")
        .map(|entry| entry.expect("fonts/ entry").path())
        .filter(|path| {
            path.extension()
                .and_then(|ext| ext.to_str())
                .is_some_and(|ext| matches!(ext, "otf" | "ttf" | "ttc" | "otc"))
        })
        .collect();
    fonts.sort();
    let packed_dir = dest.join("fonts");
    std::fs::create_dir_all(&packed_dir).expect("writing OUT_DIR");
    let mut list = String::from("pub static FONTS: &[Packed] = &[\n");
    for path in &fonts {
        println!("cargo:rerun-if-changed={}", path.display());
        let data = std::fs::read(path).expect("font file is readable");
        let hash = format!("{:016x}", fnv1a(&data));
        let packed = packed_dir.join(format!("{hash}.deflate"));
        if !packed.exists() {
            let mut encoder = flate2::write::DeflateEncoder::new(
                Vec::with_capacity(data.len()),
                flate2::Compression::best(),
            );
            encoder.write_all(&data).expect("compressing in memory");
            let bytes = encoder.finish().expect("compressing in memory");
            let partial = packed.with_extension("partial");
            std::fs::write(&partial, bytes).expect("writing OUT_DIR");
            std::fs::rename(&partial, &packed).expect("writing OUT_DIR");
        }
        let name = path
            .file_name()
            .and_then(|name| name.to_str())
            .expect("font file names are UTF-8");
        writeln!(
            list,
            "    Packed {{ name: {name:?}, size: {}, hash: {hash:?}, data: include_bytes!({:?}) }},",
            data.len(),
            packed.display().to_string()
        )
        .expect("writing to a String");
    }
    list.push_str("];\n");
    std::fs::write(dest.join("bundled_fonts.rs"), list).expect("writing OUT_DIR");
}

/// 64-bit FNV-1a: names a font's content; not for security.
fn fnv1a(data: &[u8]) -> u64 {
    data.iter().fold(0xcbf2_9ce4_8422_2325, |hash, &byte| {
        (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3)
    })
}

fn collect(dir: &Path, files: &mut Vec<PathBuf>) {
    let entries = std::fs::read_dir(dir).expect("templates/ is readable");
    for entry in entries {
        let path = entry.expect("templates/ entry").path();
        if path.is_dir() {
            println!("cargo:rerun-if-changed={}", path.display());
            collect(&path, files);
        } else {
            files.push(path);
        }
    }
}
