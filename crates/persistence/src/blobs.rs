//! The file store for attachment content, addressed by SHA-256: the same file uploaded twice is kept
//! once, and a write is safe to repeat. Local disk by default; an S3-compatible store can implement
//! the same trait.
//!
//! Content is staged in a temporary file while it arrives (memory stays flat whatever the size), then
//! kept under its hash before the database transaction that records it: a record never points at a
//! missing file. A failed request can leave an unreferenced file behind; [`BlobStore::unreferenced`]
//! candidates are collected by the maintenance sweep.

use sha2::{Digest, Sha256};
use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::time::SystemTime;
use tempfile::NamedTempFile;

pub trait BlobStore: Send + Sync {
    /// A temporary file to write content into, for [`BlobStore::keep`].
    fn stage(&self) -> io::Result<NamedTempFile>;
    /// Keeps a staged file under `key`, the hex SHA-256 of its content (computed while it was written).
    fn keep(&self, staged: NamedTempFile, key: &str) -> io::Result<()>;
    /// Stores `bytes` and returns their key.
    fn put(&self, bytes: &[u8]) -> io::Result<String> {
        let mut staged = self.stage()?;
        staged.write_all(bytes)?;
        let key = hex::encode(Sha256::digest(bytes));
        self.keep(staged, &key)?;
        Ok(key)
    }
    /// The content stored under `key`.
    fn get(&self, key: &str) -> io::Result<Vec<u8>>;
    /// Keys last written before `before`, and stale staged files (which it removes); the caller
    /// deletes the keys no record refers to.
    fn written_before(&self, before: SystemTime) -> io::Result<Vec<String>>;
    fn delete(&self, key: &str) -> io::Result<()>;
}

/// Files in a directory, fanned out by the first two hex digits of their key; staged files in
/// `staging/` on the same filesystem, so that keeping one is a rename.
#[derive(Debug, Clone)]
pub struct LocalDiskStore {
    root: PathBuf,
}

impl LocalDiskStore {
    /// A store in `root`, created if missing.
    pub fn open(root: impl Into<PathBuf>) -> io::Result<LocalDiskStore> {
        let root = root.into();
        fs::create_dir_all(root.join("staging"))?;
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
    fn stage(&self) -> io::Result<NamedTempFile> {
        NamedTempFile::new_in(self.root.join("staging"))
    }

    fn keep(&self, staged: NamedTempFile, key: &str) -> io::Result<()> {
        let path = self.path_of(key)?;
        if path.exists() {
            // Fresh again: the orphan sweep must not take it while its new record is being written.
            fs::File::options()
                .append(true)
                .open(&path)?
                .set_modified(SystemTime::now())?;
            return Ok(());
        }
        let directory = path.parent().unwrap_or(&self.root);
        fs::create_dir_all(directory)?;
        // Synced, then renamed: a crash never leaves half a file under a key.
        staged.as_file().sync_all()?;
        staged.persist(&path).map_err(|error| error.error)?;
        sync_directory(directory);
        Ok(())
    }

    fn get(&self, key: &str) -> io::Result<Vec<u8>> {
        fs::read(self.path_of(key)?)
    }

    fn written_before(&self, before: SystemTime) -> io::Result<Vec<String>> {
        let is_old = |path: &Path| {
            fs::metadata(path)
                .and_then(|m| m.modified())
                .is_ok_and(|modified| modified < before)
        };
        for staged in fs::read_dir(self.root.join("staging"))? {
            let path = staged?.path();
            if is_old(&path) {
                let _ = fs::remove_file(path);
            }
        }
        let mut keys = Vec::new();
        for fan in fs::read_dir(&self.root)? {
            let fan = fan?;
            let name = fan.file_name().to_string_lossy().into_owned();
            if name.len() != 2 || !fan.file_type()?.is_dir() {
                continue;
            }
            for file in fs::read_dir(fan.path())? {
                let file = file?;
                let key = file.file_name().to_string_lossy().into_owned();
                if self.path_of(&key).is_ok() && is_old(&file.path()) {
                    keys.push(key);
                }
            }
        }
        Ok(keys)
    }

    fn delete(&self, key: &str) -> io::Result<()> {
        match fs::remove_file(self.path_of(key)?) {
            Err(error) if error.kind() == io::ErrorKind::NotFound => Ok(()),
            other => other,
        }
    }
}

/// Makes a rename durable; best effort where directories cannot be opened.
fn sync_directory(directory: &Path) {
    if let Ok(handle) = fs::File::open(directory) {
        let _ = handle.sync_all();
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
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
        let fan = dir.path().join("files").join(&key[..2]);
        assert_eq!(fs::read_dir(fan).unwrap().count(), 1);
        assert_eq!(
            fs::read_dir(dir.path().join("files/staging"))
                .unwrap()
                .count(),
            0,
            "no staged file is left behind"
        );
        assert!(store.get("../../etc/passwd").is_err());
        assert_eq!(
            store.get(&"0".repeat(64)).unwrap_err().kind(),
            io::ErrorKind::NotFound
        );
    }

    #[test]
    fn old_files_are_listed_and_stale_staging_is_cleared() {
        let dir = tempfile::tempdir().unwrap();
        let store = LocalDiskStore::open(dir.path()).unwrap();
        let key = store.put(b"abc").unwrap();
        let staged = store.stage().unwrap();
        let (_, left_behind) = staged.keep().unwrap();
        let later = SystemTime::now() + Duration::from_secs(3600);
        assert!(store
            .written_before(SystemTime::now() - Duration::from_secs(3600))
            .unwrap()
            .is_empty());
        assert_eq!(store.written_before(later).unwrap(), vec![key.clone()]);
        assert!(
            !left_behind.exists(),
            "a crashed upload's staged file is removed"
        );
        store.delete(&key).unwrap();
        store.delete(&key).unwrap();
        assert!(store.get(&key).is_err());
    }
}
