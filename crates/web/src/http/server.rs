//! The HTTP/1.1 server loop: hyper with our own limits, and the security
//! headers even on the answers hyper writes by itself.
//!
//! A request whose head hyper cannot accept (a path over 64 KiB: 414; a
//! head larger than [`MAX_HEAD_BYTES`] or with over 100 headers: 431; a
//! malformed request line or header: 400) never reaches the application, so
//! our middleware cannot add the security headers to hyper's answer, and
//! hyper has no hook to change it. [`DressedIo`] sits between hyper and the
//! socket and recognises such an answer by its exact shape (a 4xx or 5xx
//! status line, `content-length: 0`, at most a `date` and a `connection`
//! header, nothing else), which no response of the application has: every
//! one of ours carries a `content-security-policy`. It writes the same answer
//! with the security headers added.

use std::convert::Infallible;
use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use axum::extract::ConnectInfo;
use axum::Router;
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tower::ServiceExt;

/// The largest request head (request line and headers) we read: well above
/// any real browser's (cookies here are a few hundred bytes), far below
/// hyper's default of about 400 KiB per connection. Above hyper's fixed
/// 64 KiB limit on the path, so an over-long path still gets its own 414.
pub const MAX_HEAD_BYTES: usize = 96 * 1024;

/// Serves `app` on `listener` until `shutdown` resolves, then lets the
/// requests in flight finish.
pub async fn serve(
    listener: TcpListener,
    app: Router,
    https: bool,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> io::Result<()> {
    let extra: Arc<[u8]> = extra_header_lines(https).into();
    // Connections hold a receiver; shutdown waits until all are dropped.
    let (close_tx, close_rx) = watch::channel(());
    let (stop_tx, stop_rx) = watch::channel(false);
    tokio::pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(pair) => pair,
                Err(e) => {
                    // Out of file descriptors and the like: wait, don't spin.
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let _ = stream.set_nodelay(true);
        tokio::spawn(connection(stream, peer, app.clone(), extra.clone(), stop_rx.clone(), close_rx.clone()));
    }
    drop(listener);
    drop(close_rx);
    let _ = stop_tx.send(true);
    close_tx.closed().await;
    Ok(())
}

async fn connection(
    stream: TcpStream,
    peer: SocketAddr,
    app: Router,
    extra: Arc<[u8]>,
    mut stop: watch::Receiver<bool>,
    _open: watch::Receiver<()>,
) {
    let service = hyper::service::service_fn(move |mut req: hyper::Request<Incoming>| {
        req.extensions_mut().insert(ConnectInfo(peer));
        let app = app.clone();
        async move { Ok::<_, Infallible>(app.oneshot(req).await.unwrap_or_else(|never| match never {})) }
    });
    let io = TokioIo::new(DressedIo::new(stream, extra));
    let mut builder = hyper::server::conn::http1::Builder::new();
    // `max_header_size` is the exact rule; `max_buf_size` bounds what one
    // connection buffers before the head is complete (a single read may
    // overshoot it, so it cannot be the rule itself). No timer, as under
    // `axum::serve`: hyper's head-read timeout would also close idle
    // kept-alive connections, and a reverse proxy in front is the place for
    // slow-client limits.
    builder.max_header_size(MAX_HEAD_BYTES).max_buf_size(MAX_HEAD_BYTES + 32 * 1024);
    let conn = builder.serve_connection(io, service);
    tokio::pin!(conn);
    let mut stopping = false;
    loop {
        tokio::select! {
            result = conn.as_mut() => {
                if let Err(e) = result {
                    tracing::debug!(error = %e, "connection ended with an error");
                }
                return;
            }
            changed = stop.changed(), if !stopping => {
                stopping = true;
                if changed.is_ok() {
                    conn.as_mut().graceful_shutdown();
                }
            }
        }
    }
}

/// The header lines added to hyper's own answers: the security headers, and
/// `no-store` as on every page.
fn extra_header_lines(https: bool) -> Vec<u8> {
    let mut lines = String::new();
    for (name, value) in crate::http::security::security_headers(https) {
        lines.push_str(&format!("{name}: {value}\r\n"));
    }
    lines.push_str("cache-control: no-store\r\n");
    lines.into_bytes()
}

/// If `written` is exactly one answer made by hyper itself (see the module
/// comment), the same answer with `extra` header lines added.
pub fn dress_bare_error(written: &[u8], extra: &[u8]) -> Option<Vec<u8>> {
    // hyper's own answers are a status line and two or three short headers.
    if written.len() > 512 || !written.ends_with(b"\r\n\r\n") {
        return None;
    }
    let head = std::str::from_utf8(&written[..written.len() - 4]).ok()?;
    let mut lines = head.split("\r\n");
    let status_line = lines.next()?;
    let rest = status_line.strip_prefix("HTTP/1.1 ").or_else(|| status_line.strip_prefix("HTTP/1.0 "))?;
    let code: u16 = rest.get(..3)?.parse().ok()?;
    if !(400..600).contains(&code) {
        return None;
    }
    let mut empty_body = false;
    for line in lines {
        let (name, value) = line.split_once(':')?;
        match name.to_ascii_lowercase().as_str() {
            "content-length" if value.trim() == "0" => empty_body = true,
            "date" | "connection" => {}
            _ => return None,
        }
    }
    if !empty_body {
        return None;
    }
    let mut dressed = Vec::with_capacity(written.len() + extra.len());
    dressed.extend_from_slice(&written[..written.len() - 2]);
    dressed.extend_from_slice(extra);
    dressed.extend_from_slice(b"\r\n");
    Some(dressed)
}

/// The socket as hyper sees it: reads pass through; a write that is one of
/// hyper's bare answers goes out dressed (the caller is told the whole of
/// its own buffer was written once the dressed bytes are).
struct DressedIo {
    inner: TcpStream,
    extra: Arc<[u8]>,
    /// A dressed answer being written: the bytes, how many are out, and the
    /// length of the caller's buffer it stands for.
    pending: Option<(Vec<u8>, usize, usize)>,
}

impl DressedIo {
    fn new(inner: TcpStream, extra: Arc<[u8]>) -> Self {
        DressedIo { inner, extra, pending: None }
    }

    fn drive_pending(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<usize>> {
        let Some((bytes, out, stands_for)) = self.pending.as_mut() else {
            return Poll::Ready(Ok(0));
        };
        while *out < bytes.len() {
            match Pin::new(&mut self.inner).poll_write(cx, &bytes[*out..]) {
                Poll::Ready(Ok(0)) => {
                    self.pending = None;
                    return Poll::Ready(Err(io::ErrorKind::WriteZero.into()));
                }
                Poll::Ready(Ok(n)) => *out += n,
                Poll::Ready(Err(e)) => {
                    self.pending = None;
                    return Poll::Ready(Err(e));
                }
                Poll::Pending => return Poll::Pending,
            }
        }
        let done = *stands_for;
        self.pending = None;
        Poll::Ready(Ok(done))
    }
}

impl AsyncRead for DressedIo {
    fn poll_read(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_read(cx, buf)
    }
}

impl AsyncWrite for DressedIo {
    fn poll_write(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        let this = &mut *self;
        if this.pending.is_none() {
            match dress_bare_error(buf, &this.extra) {
                Some(dressed) => this.pending = Some((dressed, 0, buf.len())),
                None => return Pin::new(&mut this.inner).poll_write(cx, buf),
            }
        }
        this.drive_pending(cx)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let this = &mut *self;
        if this.pending.is_none() {
            // A bare answer is a head alone: one non-empty slice.
            let mut non_empty = bufs.iter().filter(|b| !b.is_empty());
            let only = match (non_empty.next(), non_empty.next()) {
                (Some(one), None) => dress_bare_error(one, &this.extra).map(|d| (d, one.len())),
                _ => None,
            };
            match only {
                Some((dressed, len)) => this.pending = Some((dressed, 0, len)),
                None => return Pin::new(&mut this.inner).poll_write_vectored(cx, bufs),
            }
        }
        this.drive_pending(cx)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        if self.pending.is_some() {
            match self.drive_pending(cx) {
                Poll::Ready(Ok(_)) => {}
                Poll::Ready(Err(e)) => return Poll::Ready(Err(e)),
                Poll::Pending => return Poll::Pending,
            }
        }
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DATE: &str = "date: Tue, 01 Dec 2026 05:00:00 GMT\r\n";

    #[test]
    fn hypers_own_answers_are_dressed() {
        let extra = b"x-content-type-options: nosniff\r\n";
        for status in ["414 URI Too Long", "431 Request Header Fields Too Large", "400 Bad Request"] {
            let bare = format!("HTTP/1.1 {status}\r\ncontent-length: 0\r\n{DATE}\r\n");
            let dressed = String::from_utf8(dress_bare_error(bare.as_bytes(), extra).unwrap()).unwrap();
            assert_eq!(
                dressed,
                format!("HTTP/1.1 {status}\r\ncontent-length: 0\r\n{DATE}x-content-type-options: nosniff\r\n\r\n")
            );
        }
        let close = "HTTP/1.0 400 Bad Request\r\nconnection: close\r\ncontent-length: 0\r\n\r\n";
        assert!(dress_bare_error(close.as_bytes(), extra).is_some());
    }

    #[test]
    fn the_applications_answers_are_left_alone() {
        let extra = b"x: y\r\n";
        for written in [
            // Ours: security headers already there.
            format!("HTTP/1.1 404 Not Found\r\ncontent-security-policy: default-src 'none'\r\ncontent-length: 0\r\n{DATE}\r\n"),
            // Success, or an answer with a body.
            format!("HTTP/1.1 200 OK\r\ncontent-length: 0\r\n{DATE}\r\n"),
            format!("HTTP/1.1 400 Bad Request\r\ncontent-length: 2\r\n{DATE}\r\n{{}}"),
            // A head without its end, or a body that merely looks like a head.
            "HTTP/1.1 431 Request Header Fields Too Large\r\ncontent-length: 0\r\n".to_string(),
            format!("<p>HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\n{DATE}\r\n"),
            format!("HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\n{DATE}\r\n{}", "x".repeat(600)),
        ] {
            assert_eq!(dress_bare_error(written.as_bytes(), extra), None, "{written:?}");
        }
    }
}
