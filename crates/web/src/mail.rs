//! A small SMTP client: enough to hand a reminder to a mail relay.
//!
//! It speaks plain SMTP (RFC 5321) without TLS or authentication, so point
//! it at a relay you run next to troth (a local Postfix, or your provider's
//! relay through one); the message carries no entry text, only a nudge and
//! a link. Every step has a timeout, so a stuck relay never stalls a request.

use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;
use tokio::time::timeout;

#[derive(Debug, Clone)]
pub struct SmtpConfig {
    pub host: String,
    pub port: u16,
    /// The sender address, e.g. `troth@example.org`.
    pub from: String,
}

#[derive(Debug, thiserror::Error)]
pub enum MailError {
    #[error("mail relay: {0}")]
    Io(#[from] std::io::Error),
    #[error("mail relay timed out")]
    Timeout,
    /// The relay's reply code only: its text often repeats the address,
    /// and these errors end up in the log.
    #[error("mail relay refused ({0})")]
    Refused(String),
    /// The address itself stays out of the message for the same reason.
    #[error("address not allowed")]
    BadAddress,
}

const STEP: Duration = Duration::from_secs(10);

fn clean_address(a: &str) -> Result<&str, MailError> {
    if a.is_empty() || a.len() > 254 || a.chars().any(|c| c.is_control() || c == '<' || c == '>' || c.is_whitespace()) {
        return Err(MailError::BadAddress);
    }
    Ok(a)
}

/// Header values must not carry line breaks (header injection).
fn one_line(s: &str) -> String {
    s.chars().map(|c| if c.is_control() { ' ' } else { c }).collect()
}

async fn reply(reader: &mut BufReader<tokio::net::tcp::OwnedReadHalf>) -> Result<(u16, String), MailError> {
    loop {
        let mut line = String::new();
        let n = timeout(STEP, reader.read_line(&mut line)).await.map_err(|_| MailError::Timeout)??;
        if n == 0 {
            return Err(MailError::Refused("connection closed".into()));
        }
        let code: u16 = line.get(..3).and_then(|c| c.parse().ok()).unwrap_or(0);
        let last = line.trim_end().to_string();
        // "250-..." continues a multi-line reply; "250 ..." ends it.
        if line.as_bytes().get(3) != Some(&b'-') {
            return Ok((code, last));
        }
        if last.len() > 4096 {
            return Err(MailError::Refused("reply too long".into()));
        }
    }
}

/// Sends one plain-text message.
pub async fn send(cfg: &SmtpConfig, to: &str, subject: &str, body: &str) -> Result<(), MailError> {
    let to = clean_address(to)?;
    let from = clean_address(&cfg.from)?;
    let stream =
        timeout(STEP, TcpStream::connect((cfg.host.as_str(), cfg.port))).await.map_err(|_| MailError::Timeout)??;
    let (read, mut write) = stream.into_split();
    let mut reader = BufReader::new(read);
    let expect = |got: (u16, String), want: u16| {
        if got.0 == want {
            Ok(())
        } else {
            Err(MailError::Refused(format!("code {}", got.0)))
        }
    };
    expect(reply(&mut reader).await?, 220)?;
    let mut say = async |line: String, want: u16, reader: &mut BufReader<_>| -> Result<(), MailError> {
        timeout(STEP, write.write_all(line.as_bytes())).await.map_err(|_| MailError::Timeout)??;
        expect(reply(reader).await?, want)
    };
    say("EHLO troth\r\n".into(), 250, &mut reader).await?;
    say(format!("MAIL FROM:<{from}>\r\n"), 250, &mut reader).await?;
    say(format!("RCPT TO:<{to}>\r\n"), 250, &mut reader).await?;
    say("DATA\r\n".into(), 354, &mut reader).await?;
    let date = jiff::Timestamp::now().strftime("%a, %d %b %Y %H:%M:%S +0000");
    let mut msg = format!(
        "From: troth <{from}>\r\nTo: <{to}>\r\nSubject: {}\r\nDate: {date}\r\nMIME-Version: 1.0\r\n\
         Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n",
        one_line(subject)
    );
    for line in body.lines() {
        // Dot-stuffing: a line starting with "." gets another (RFC 5321 4.5.2).
        if line.starts_with('.') {
            msg.push('.');
        }
        msg.push_str(line);
        msg.push_str("\r\n");
    }
    msg.push_str(".\r\n");
    say(msg, 250, &mut reader).await?;
    let _ = say("QUIT\r\n".into(), 221, &mut reader).await;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_and_headers_cannot_inject() {
        assert!(clean_address("a@example.org").is_ok());
        assert!(clean_address("a@example.org>\r\nRCPT TO:<b@x").is_err());
        assert!(clean_address("").is_err());
        assert_eq!(one_line("hi\r\nBcc: x"), "hi  Bcc: x");
    }
}
