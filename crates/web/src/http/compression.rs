//! gzip for HTML, JSON and static files, for clients that accept it.
//!
//! Compressing a page that holds a secret next to text someone else chose
//! lets an eavesdropper who can also make the victim's browser send
//! requests learn the secret from response sizes (BREACH). The secrets in
//! our GET pages are CSRF tokens, useless across origins because state
//! changes also need our own `Origin`/`Sec-Fetch-Site`. The one-time
//! secrets (a new invite link, a new access token) are shown only in
//! answers to POSTs, and those are never compressed.

use axum::extract::Request;
use axum::http::{Extensions, HeaderMap, Method, StatusCode, Version};
use axum::middleware::Next;
use axum::response::Response;
use tower_http::compression::predicate::{DefaultPredicate, Predicate};
use tower_http::compression::{CompressionLayer, CompressionLevel};

/// The marker of a response that must go out as is.
#[derive(Clone, Copy)]
struct Uncompressed;

/// Marks every answer to a request that is not a plain read.
pub async fn mark_unsafe_methods(req: Request, next: Next) -> Response {
    let read = matches!(*req.method(), Method::GET | Method::HEAD);
    let mut res = next.run(req).await;
    if !read {
        res.extensions_mut().insert(Uncompressed);
    }
    res
}

/// The compression layer: the usual rules (not tiny bodies, not images or
/// event streams), and never a marked response. At gzip's fastest level:
/// on the 6.8 KB home page, level 6 (the default) cost 1.19 million
/// instructions per request for 1,979 bytes, level 1 costs 0.69 million
/// for 2,283 (callgrind, BENCHMARKS.md): more than the page itself either
/// way, so the cheaper level, for 15% more bytes.
pub fn layer() -> CompressionLayer<impl Predicate> {
    let unmarked = |_: StatusCode, _: Version, _: &HeaderMap, ext: &Extensions| ext.get::<Uncompressed>().is_none();
    CompressionLayer::new().quality(CompressionLevel::Fastest).compress_when(DefaultPredicate::new().and(unmarked))
}
