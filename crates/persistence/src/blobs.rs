//! The file store for attachment content, addressed by SHA-256: the same file uploaded twice is kept
//! once, and a write is safe to repeat. Local disk by default; an S3-compatible store can implement
//! the same trait.
//!
//! Content is written before the database transaction that records it, so a failed transaction can
//! leave an unreferenced file behind, never a record without its file.

use sha2::{Digest, Sha256};
use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

pub trait BlobStore: Send + Sync {
    /// Stores `bytes` and returns their key (hex SHA-256).
    fn put(&self, bytes: &[u8]) -> io::Result<String>;
    /// The content stored under `key`.
    fn get(&self, key: &str) -> io::Result<Vec<u8>>;
}

/// Files in a directory, fanned out by the first two hex digits of their key.
#[derive(Debug, Clone)]
pub struct LocalDiskStore {
    root: PathBuf,
}

impl LocalDiskStore {
    /// A store in `root`, created if missing.
    pub fn open(root: impl Into<PathBuf>) -> io::Result<LocalDiskStore> {
        let root = root.into();
        fs::create_dir_all(&root)?;
        Ok(LocalDiskStore { root })
    }

    fn path_of(&self, key: &str) -> io::Result<PathBuf> {
        let valid = key.len() == 64 && key.bytes().all(|b| b.is_ascii_hexdigit());
        if !valid {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "not a blob key",
            ));
        }
        Ok(self.root.join(&key[..2]).join(key))
    }
}

impl BlobStore for LocalDiskStore {
    fn put(&self, bytes: &[u8]) -> io::Result<String> {
        let key = hex::encode(Sha256::digest(bytes));
        let path = self.path_of(&key)?;
        if path.exists() {
            return Ok(key);
        }
        let directory = path.parent().unwrap_or(&self.root);
        fs::create_dir_all(directory)?;
        // Written whole to a temporary file, synced, then renamed: a crash never leaves half a file
        // under a key.
        let mut file = tempfile::NamedTempFile::new_in(directory)?;
        file.write_all(bytes)?;
        file.as_file().sync_all()?;
        file.persist(&path).map_err(|error| error.error)?;
        sync_directory(directory);
        Ok(key)
    }

    fn get(&self, key: &str) -> io::Result<Vec<u8>> {
        fs::read(self.path_of(key)?)
    }
}

/// Makes a rename durable; best effort where directories cannot be opened.
fn sync_directory(directory: &Path) {
    if let Ok(handle) = fs::File::open(directory) {
        let _ = handle.sync_all();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    #[allow(clippy::unwrap_used)]
    fn content_is_stored_once_under_its_hash() {
        let dir = tempfile::tempdir().unwrap();
        let store = LocalDiskStore::open(dir.path().join("files")).unwrap();
        let key = store.put(b"abc").unwrap();
        assert_eq!(
            key,
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert_eq!(store.put(b"abc").unwrap(), key);
        assert_eq!(store.get(&key).unwrap(), b"abc");
        assert_eq!(
            fs::read_dir(dir.path().join("files").join(&key[..2]))
                .unwrap()
                .count(),
            1,
            "no temporary file is left behind"
        );
        assert!(store.get("../../etc/passwd").is_err());
        assert_eq!(
            store.get(&"0".repeat(64)).unwrap_err().kind(),
            io::ErrorKind::NotFound
        );
    }
}
