//! A real SMTP server on loopback for the tests: it speaks enough SMTP
//! (RFC 5321: greeting, EHLO/HELO, MAIL, RCPT, DATA, RSET, NOOP, QUIT) for
//! lettre to deliver to it over a socket, and keeps what it receives.

use crate::helpers::{spawn_app_on, spawn_app_with_clock, TestApp, TestDb};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;
use tollgate::config::Settings;

/// One message as delivered.
#[derive(Debug, Clone)]
pub struct Delivered {
    /// The envelope recipients (`RCPT TO`).
    pub to: Vec<String>,
    /// The message as sent after `DATA` (dot-unstuffed).
    pub data: String,
}

impl Delivered {
    /// The header `name`, decoded.
    pub fn header(&self, name: &str) -> String {
        use mailparse::MailHeaderMap;
        let parsed = mailparse::parse_mail(self.data.as_bytes()).expect("a parsable message");
        parsed.headers.get_first_value(name).unwrap_or_default()
    }

    /// The decoded body of the part of type `mime` (`text/plain`, `text/html`).
    pub fn body(&self, mime: &str) -> String {
        let parsed = mailparse::parse_mail(self.data.as_bytes()).expect("a parsable message");
        fn find(part: &mailparse::ParsedMail, mime: &str) -> Option<String> {
            if part.ctype.mimetype == mime {
                return part.get_body().ok();
            }
            part.subparts.iter().find_map(|p| find(p, mime))
        }
        find(&parsed, mime).unwrap_or_else(|| panic!("no {mime} part in {}", self.data))
    }

    /// The plain-text body.
    pub fn text(&self) -> String {
        self.body("text/plain")
    }

    /// The first link in the text body that starts with `prefix`
    /// (`http://127.0.0.1:PORT/password/reset`), as it is written.
    pub fn link(&self, prefix: &str) -> String {
        let text = self.text();
        let start = text
            .find(prefix)
            .unwrap_or_else(|| panic!("no link to {prefix} in {text}"));
        text[start..].split_whitespace().next().unwrap().to_string()
    }
}

/// The server and what it received.
#[derive(Clone)]
pub struct SmtpSink {
    pub port: u16,
    received: Arc<Mutex<Vec<Delivered>>>,
}

impl SmtpSink {
    /// Starts the server on a free loopback port.
    pub async fn start() -> SmtpSink {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let received = Arc::new(Mutex::new(Vec::new()));
        let store = received.clone();
        tokio::spawn(async move {
            while let Ok((socket, _)) = listener.accept().await {
                let store = store.clone();
                tokio::spawn(async move {
                    let _ = converse(socket, store).await;
                });
            }
        });
        SmtpSink { port, received }
    }

    /// `smtp://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    /// Everything received so far.
    pub fn all(&self) -> Vec<Delivered> {
        self.received.lock().unwrap().clone()
    }

    /// Messages received so far for `to`.
    pub fn to(&self, to: &str) -> Vec<Delivered> {
        self.all()
            .into_iter()
            .filter(|m| m.to.iter().any(|r| r.eq_ignore_ascii_case(to)))
            .collect()
    }

    /// Waits (10 s at most) until `to` has received `n` messages; returns the last.
    pub async fn nth_to(&self, to: &str, n: usize) -> Delivered {
        for _ in 0..200 {
            let got = self.to(to);
            if got.len() >= n {
                return got[n - 1].clone();
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("{to} did not receive {n} messages; received: {:?}", self.all());
    }

    /// Waits for the first message to `to` whose subject contains `subject`.
    pub async fn wait_for(&self, to: &str, subject: &str) -> Delivered {
        for _ in 0..200 {
            if let Some(m) = self
                .to(to)
                .into_iter()
                .find(|m| m.header("Subject").contains(subject))
            {
                return m;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("no message {subject:?} to {to}; received: {:?}", self.all());
    }
}

async fn converse(socket: tokio::net::TcpStream, store: Arc<Mutex<Vec<Delivered>>>) -> std::io::Result<()> {
    let (read, mut write) = socket.into_split();
    let mut lines = BufReader::new(read);
    write.write_all(b"220 sink.test ESMTP ready\r\n").await?;
    let mut to = Vec::new();
    let mut line = String::new();
    loop {
        line.clear();
        if lines.read_line(&mut line).await? == 0 {
            return Ok(());
        }
        let command = line.trim_end().to_ascii_uppercase();
        let reply: &[u8] = if command.starts_with("EHLO") {
            b"250-sink.test\r\n250-8BITMIME\r\n250 SMTPUTF8\r\n"
        } else if command.starts_with("HELO") || command.starts_with("NOOP") {
            b"250 OK\r\n"
        } else if command.starts_with("MAIL FROM:") || command.starts_with("RSET") {
            to.clear();
            b"250 OK\r\n"
        } else if command.starts_with("RCPT TO:") {
            let address = line.trim_end()[8..]
                .trim()
                .trim_start_matches('<')
                .split('>')
                .next()
                .unwrap_or("")
                .to_string();
            to.push(address);
            b"250 OK\r\n"
        } else if command == "DATA" {
            write.write_all(b"354 end with <CRLF>.<CRLF>\r\n").await?;
            let mut data = String::new();
            loop {
                line.clear();
                if lines.read_line(&mut line).await? == 0 {
                    return Ok(());
                }
                if line == ".\r\n" || line == ".\n" {
                    break;
                }
                data.push_str(line.strip_prefix('.').unwrap_or(&line));
            }
            store.lock().unwrap().push(Delivered {
                to: std::mem::take(&mut to),
                data,
            });
            b"250 OK queued\r\n"
        } else if command.starts_with("QUIT") {
            write.write_all(b"221 bye\r\n").await?;
            return Ok(());
        } else {
            b"502 command not implemented\r\n"
        };
        write.write_all(reply).await?;
    }
}

/// A server that sends its emails to a new sink, its settings changed by
/// `adjust`; on a manual clock (`app.clock.advance`) if `manual_clock`.
pub async fn spawn_app_with_mail(
    adjust: impl FnOnce(&mut Settings),
    manual_clock: bool,
) -> (TestApp, SmtpSink) {
    let sink = SmtpSink::start().await;
    let url = sink.url();
    let settings = move |s: &mut Settings| {
        s.smtp_url = Some(url.into());
        adjust(s);
    };
    let app = if manual_clock {
        spawn_app_with_clock(TestDb::new(), settings).await
    } else {
        spawn_app_on(TestDb::new(), settings).await
    };
    (app, sink)
}
