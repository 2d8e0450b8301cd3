//! The data directory and the platform administrator's first credential.
//!
//! On an empty store one administrator's credential is made, and only the server whose record
//! the store took writes it to `DATA_DIR/admin.token` (0600): of servers starting together on
//! one PostgreSQL database, one wins and the others write nothing. The secret is on disk
//! before its digest is stored, in a file of this attempt's own (`admin.token.ID.pending`),
//! which becomes `admin.token` once the store has taken the record and is removed if another
//! server's was taken first. A crash between the two steps leaves the pending file; the next
//! start settles it: renamed if it holds the stored administrator's credential, removed if not
//! (once the store has an administrator, no other credential can become it).

use std::io::Write as _;
use std::os::unix::fs::{DirBuilderExt as _, OpenOptionsExt as _};
use std::path::{Path, PathBuf};

use anyhow::Context as _;
use chrono::Utc;
use govshare_model::Role;
use govshare_store::{IdentityStore, TokenRecord};

use crate::auth;

/// The file the administrator's credential is read from.
const TOKEN_FILE: &str = "admin.token";
const PENDING_PREFIX: &str = "admin.token.";
const PENDING_SUFFIX: &str = ".pending";

/// Makes `dir` (and its missing parents) if it does not exist, readable by the server's user
/// alone: it holds credentials and records. An existing directory is left as it is.
pub(super) fn data_directory(dir: &Path) -> anyhow::Result<()> {
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
        .with_context(|| format!("creating the data directory {}", dir.display()))
}

/// On the first start, creates the platform administrator's credential; returns its secret if
/// this server's record is the one the store took (see the module's documentation).
pub(super) async fn bootstrap_admin(
    store: &dyn IdentityStore,
    data_dir: &Path,
) -> anyhow::Result<Option<String>> {
    data_directory(data_dir)?;
    if store.admin_bootstrapped().await? {
        settle_pending(store, data_dir).await?;
        return Ok(None);
    }
    let (token, id) = auth::new_token();
    let pending = data_dir.join(format!("{PENDING_PREFIX}{id}{PENDING_SUFFIX}"));
    write_secret(&pending, &token)?;
    let record = TokenRecord {
        id,
        digest: auth::token_digest(&token),
        department: None,
        roles: vec![Role::Admin],
        name: "platform administrator".into(),
        created_at: Utc::now(),
        expires_at: None,
        revoked_at: None,
    };
    // On an error the record may have been stored or not: the pending file stays for the
    // next start to settle.
    if store.bootstrap_admin_token(record).await? {
        publish(&pending, data_dir)?;
        Ok(Some(token))
    } else {
        std::fs::remove_file(&pending)
            .with_context(|| format!("removing {}", pending.display()))?;
        Ok(None)
    }
}

/// Writes `secret` to the new file `path` (0600) and syncs it and its directory.
fn write_secret(path: &Path, secret: &str) -> anyhow::Result<()> {
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
        .with_context(|| format!("writing {}", path.display()))?;
    writeln!(file, "{secret}").with_context(|| format!("writing {}", path.display()))?;
    file.sync_all()
        .with_context(|| format!("writing {}", path.display()))?;
    sync_directory(path)
}

/// Renames the pending file to `DIR/admin.token`, durably.
fn publish(pending: &Path, data_dir: &Path) -> anyhow::Result<()> {
    let path = data_dir.join(TOKEN_FILE);
    std::fs::rename(pending, &path).with_context(|| format!("writing {}", path.display()))?;
    sync_directory(&path)
}

fn sync_directory(path: &Path) -> anyhow::Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    std::fs::File::open(dir)
        .and_then(|d| d.sync_all())
        .with_context(|| format!("syncing the directory {}", dir.display()))
}

/// The pending files a crash left in `data_dir`.
fn pending_files(data_dir: &Path) -> anyhow::Result<Vec<PathBuf>> {
    let entries = std::fs::read_dir(data_dir)
        .with_context(|| format!("reading the data directory {}", data_dir.display()))?;
    let mut found = Vec::new();
    for entry in entries {
        let entry = entry.with_context(|| format!("reading {}", data_dir.display()))?;
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if name.starts_with(PENDING_PREFIX) && name.ends_with(PENDING_SUFFIX) {
            found.push(entry.path());
        }
    }
    Ok(found)
}

/// Finishes what a crash during the first start left: the pending file of the stored
/// administrator's credential becomes `admin.token`; any other one is removed.
async fn settle_pending(store: &dyn IdentityStore, data_dir: &Path) -> anyhow::Result<()> {
    for pending in pending_files(data_dir)? {
        let secret = std::fs::read_to_string(&pending)
            .with_context(|| format!("reading {}", pending.display()))?;
        let stored = store
            .token_by_digest(&auth::token_digest(secret.trim()))
            .await?;
        let administrator = stored.is_some_and(|t| {
            t.department.is_none() && t.roles.contains(&Role::Admin) && t.is_valid_at(Utc::now())
        });
        if administrator && !data_dir.join(TOKEN_FILE).exists() {
            publish(&pending, data_dir)?;
            tracing::warn!(
                file = %data_dir.join(TOKEN_FILE).display(),
                "the administrator's credential of an interrupted first start was written"
            );
        } else {
            std::fs::remove_file(&pending)
                .with_context(|| format!("removing {}", pending.display()))?;
        }
    }
    Ok(())
}
