//! The console's static files over HTTP: GET and HEAD of the embedded files, with validators,
//! cache rules and the security headers every reply carries. Not API calls: no credential,
//! no access-log record.

use http::header::{self, HeaderMap, HeaderValue};
use http::{Method, Request, Response, StatusCode};
use tonic::body::Body;

use super::assets::{self, Asset};

/// What the console's pages may load and do: only this origin's scripts, styles, images and
/// calls; never framed; no `<base>`, no form posts.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; connect-src 'self'; \
    img-src 'self' data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'; \
    base-uri 'none'; form-action 'none'";

/// Files under `/assets/` carry a hash of their content in their name: they never change.
const IMMUTABLE: &str = "public, max-age=31536000, immutable";
/// Everything else (index.html above all) is revalidated on every use.
const REVALIDATE: &str = "no-cache";

/// The reply to a request that is not a gRPC-Web call.
pub(crate) fn reply<B>(request: &Request<B>) -> Response<Body> {
    if request.method() != Method::GET && request.method() != Method::HEAD {
        let mut response = text(
            StatusCode::METHOD_NOT_ALLOWED,
            "405 method not allowed: the console serves GET and HEAD\n",
        );
        response
            .headers_mut()
            .insert(header::ALLOW, HeaderValue::from_static("GET, HEAD"));
        return response;
    }
    let Some(asset) = assets::find(request.uri().path()) else {
        return text(StatusCode::NOT_FOUND, "404 not found\n");
    };
    let head = request.method() == Method::HEAD;
    if matches(request.headers(), asset.etag) {
        return file(asset, StatusCode::NOT_MODIFIED, Body::empty());
    }
    let body = if head {
        Body::empty()
    } else {
        bytes_body(asset.body)
    };
    file(asset, StatusCode::OK, body)
}

/// Whether `If-None-Match` names `etag` (or is `*`); weak tags compare by their value.
fn matches(headers: &HeaderMap, etag: &str) -> bool {
    headers
        .get_all(header::IF_NONE_MATCH)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(|tag| tag.trim())
        .any(|tag| tag == "*" || tag.strip_prefix("W/").unwrap_or(tag) == etag)
}

/// A reply about `asset`: its validators and cache rule, and its length even without a body
/// (HEAD, 304).
fn file(asset: &Asset, status: StatusCode, body: Body) -> Response<Body> {
    let cache = if asset.path.starts_with("/assets/") {
        IMMUTABLE
    } else {
        REVALIDATE
    };
    let mut response = Response::new(body);
    *response.status_mut() = status;
    let headers = response.headers_mut();
    headers.insert(header::ETAG, HeaderValue::from_static(asset.etag));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    if status == StatusCode::OK {
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static(asset.content_type),
        );
        headers.insert(header::CONTENT_LENGTH, HeaderValue::from(asset.body.len()));
    }
    secure(headers);
    response
}

/// A short plain-text reply.
fn text(status: StatusCode, message: &'static str) -> Response<Body> {
    let mut response = Response::new(bytes_body(message.as_bytes()));
    *response.status_mut() = status;
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(REVALIDATE));
    secure(headers);
    response
}

/// The headers every static reply carries.
fn secure(headers: &mut HeaderMap) {
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CONTENT_SECURITY_POLICY),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
}

/// A body of static bytes.
fn bytes_body(bytes: &'static [u8]) -> Body {
    Body::new(axum::body::Body::from(bytes::Bytes::from_static(bytes)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with_if_none_match(value: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::IF_NONE_MATCH,
            HeaderValue::from_str(value).expect("header"),
        );
        headers
    }

    #[test]
    fn if_none_match_compares_each_listed_tag() {
        let etag = "\"abc\"";
        assert!(matches(&with_if_none_match("\"abc\""), etag));
        assert!(matches(&with_if_none_match("\"x\", W/\"abc\""), etag));
        assert!(matches(&with_if_none_match("*"), etag));
        assert!(!matches(&with_if_none_match("\"abd\""), etag));
        assert!(!matches(&HeaderMap::new(), etag));
    }
}
