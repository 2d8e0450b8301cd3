//! Embeds the web console's built files (`console/dist/` at the workspace root):
//! `OUT_DIR/console_assets.rs` lists each file with its URL path, content type and a sha256
//! ETag, its bytes by `include_bytes!`.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use sha2::{Digest as _, Sha256};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let out_dir = PathBuf::from(std::env::var("OUT_DIR")?);
    embed_console(&out_dir)
}

/// Where the console's built files are, relative to the package.
const CONSOLE_DIST: &str = "../../console/dist";

/// Writes `OUT_DIR/console_assets.rs`: `const ASSETS: &[Asset]`, one entry per file under
/// `console/dist`, sorted by path (`Asset` is defined where the file is included).
fn embed_console(out_dir: &Path) -> Result<(), Box<dyn std::error::Error>> {
    println!("cargo:rerun-if-changed={CONSOLE_DIST}");
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join(CONSOLE_DIST);
    if !root.join("index.html").is_file() {
        return Err(format!(
            "{} is missing: the web console is embedded in the binary and must be built \
             first; run `scripts/console` (it builds console/ into console/dist/)",
            root.join("index.html").display()
        )
        .into());
    }
    let mut files = Vec::new();
    collect_files(&root, &mut files)?;
    let mut assets = Vec::new();
    for file in files {
        let mut url = String::new();
        for part in file.strip_prefix(&root)?.components() {
            let part = part.as_os_str().to_str().ok_or_else(|| {
                format!("{}: the console's file names must be UTF-8", file.display())
            })?;
            url.push('/');
            url.push_str(part);
        }
        assets.push((url, file));
    }
    // Sorted by URL path: the server looks them up by binary search.
    assets.sort();
    let mut code = String::from("const ASSETS: &[Asset] = &[\n");
    for (url, file) in &assets {
        let bytes = std::fs::read(file)?;
        let etag = format!("\"{}\"", hex::encode(&Sha256::digest(&bytes)[..16]));
        let absolute = file
            .to_str()
            .ok_or_else(|| format!("{}: the path must be UTF-8", file.display()))?;
        writeln!(
            code,
            "    Asset {{ path: {url:?}, content_type: {:?}, etag: {etag:?}, body: \
             include_bytes!({absolute:?}) }},",
            content_type(file),
        )?;
    }
    code.push_str("];\n");
    std::fs::write(out_dir.join("console_assets.rs"), code)?;
    Ok(())
}

/// Every regular file under `dir`, following no symbolic link out of it.
fn collect_files(dir: &Path, files: &mut Vec<PathBuf>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let kind = entry.file_type()?;
        if kind.is_dir() {
            collect_files(&entry.path(), files)?;
        } else if kind.is_file() {
            files.push(entry.path());
        }
    }
    Ok(())
}

/// The `Content-Type` of a console file, by its extension.
fn content_type(path: &Path) -> &'static str {
    let extension = path.extension().and_then(|e| e.to_str()).unwrap_or("");
    match extension.to_ascii_lowercase().as_str() {
        "html" => "text/html; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "json" | "map" => "application/json",
        "webmanifest" => "application/manifest+json",
        "txt" => "text/plain; charset=utf-8",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        "webp" => "image/webp",
        "ico" => "image/x-icon",
        "woff" => "font/woff",
        "woff2" => "font/woff2",
        "ttf" => "font/ttf",
        "wasm" => "application/wasm",
        _ => "application/octet-stream",
    }
}
