//! The web console's files, embedded at build time from `console/dist/` (see build.rs).

/// One embedded file.
#[derive(Debug)]
pub struct Asset {
    /// The URL path, e.g. `/assets/index-3f2a1c.js`.
    pub path: &'static str,
    pub content_type: &'static str,
    /// A strong ETag: part of the sha256 of the bytes, quoted.
    pub etag: &'static str,
    pub body: &'static [u8],
}

include!(concat!(env!("OUT_DIR"), "/console_assets.rs"));

/// Every embedded file, sorted by path.
pub fn all() -> &'static [Asset] {
    ASSETS
}

/// The file served at `path`; `/` is `index.html`.
pub fn find(path: &str) -> Option<&'static Asset> {
    let path = if path == "/" { "/index.html" } else { path };
    ASSETS
        .binary_search_by(|asset| asset.path.cmp(path))
        .ok()
        .map(|i| &ASSETS[i])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn index_html_is_embedded_and_the_root_serves_it() {
        let index = find("/").expect("index.html");
        assert_eq!(index.path, "/index.html");
        assert!(index.content_type.starts_with("text/html"));
        assert!(index.etag.starts_with('"') && index.etag.ends_with('"'));
    }

    #[test]
    fn assets_are_sorted_for_lookup() {
        assert!(all().windows(2).all(|w| w[0].path < w[1].path));
        assert!(find("/nothing-here.js").is_none());
    }
}
