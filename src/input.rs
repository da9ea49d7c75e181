//! Reading one input file (facts, framework, template or any file of a
//! profile folder) within limits: only a regular file, and at most
//! [`MAX_FILE_BYTES`], so a device, a FIFO or a huge file ends in an error
//! instead of a hang or gigabytes of memory.

use std::io::Read;
use std::path::Path;

use crate::error::{Error, Result};

/// The largest input file zpbg reads: 4 MiB, a hundred times a real facts
/// file and more than any template or logo needs.
pub const MAX_FILE_BYTES: u64 = 4 * 1024 * 1024;

/// The bytes of the regular file at `path` (a symbolic link to one is
/// followed), refused when it is anything else or larger than
/// [`MAX_FILE_BYTES`].
pub fn read(path: &Path) -> Result<Vec<u8>> {
    let io = |source| Error::Io {
        path: path.to_path_buf(),
        source,
    };
    // Checked before opening: opening a FIFO waits for a writer.
    let meta = std::fs::metadata(path).map_err(io)?;
    check(path, &meta)?;
    let file = std::fs::File::open(path).map_err(io)?;
    // Checked again on what was opened, in case the path changed meanwhile.
    let meta = file.metadata().map_err(io)?;
    check(path, &meta)?;
    let mut bytes = Vec::with_capacity(usize::try_from(meta.len()).unwrap_or_default());
    // A file that grows while it is read stops one byte past the limit.
    file.take(MAX_FILE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(io)?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(Error::InputTooLarge {
            path: path.to_path_buf(),
            size: None,
            limit: MAX_FILE_BYTES,
        });
    }
    Ok(bytes)
}

/// [`read`], as UTF-8 text.
pub fn read_to_string(path: &Path) -> Result<String> {
    String::from_utf8(read(path)?).map_err(|_| Error::Io {
        path: path.to_path_buf(),
        source: std::io::Error::new(std::io::ErrorKind::InvalidData, "文件不是 UTF-8 编码"),
    })
}

fn check(path: &Path, meta: &std::fs::Metadata) -> Result<()> {
    if !meta.is_file() {
        return Err(Error::NotAFile {
            path: path.to_path_buf(),
            kind: kind(&meta.file_type()),
        });
    }
    if meta.len() > MAX_FILE_BYTES {
        return Err(Error::InputTooLarge {
            path: path.to_path_buf(),
            size: Some(meta.len()),
            limit: MAX_FILE_BYTES,
        });
    }
    Ok(())
}

/// What a file that is not a regular file is, as the error names it.
pub fn kind(file_type: &std::fs::FileType) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if file_type.is_fifo() {
            return "命名管道（FIFO）";
        }
        if file_type.is_char_device() || file_type.is_block_device() {
            return "设备文件";
        }
        if file_type.is_socket() {
            return "套接字";
        }
    }
    if file_type.is_dir() {
        "目录"
    } else if file_type.is_symlink() {
        "符号链接"
    } else if file_type.is_file() {
        "普通文件"
    } else {
        "特殊文件"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn devices_and_directories_are_refused_without_reading() {
        let err = read(Path::new("/dev/zero")).unwrap_err().to_string();
        assert!(err.contains("设备文件"), "{err}");
        let err = read(Path::new("/")).unwrap_err().to_string();
        assert!(err.contains("目录"), "{err}");
    }
}
