//! A durable work queue for distributed triage, on NATS JetStream.
//!
//! A coordinator [`Queue::publish`]es units of work (an id and an opaque
//! payload); any number of worker processes, on any machines, take them with
//! [`Queue::next`] and acknowledge each one with [`Delivery::ack`] only once
//! its results are committed elsewhere (the case database). A unit whose
//! worker dies, is killed or loses its connection before acknowledging is
//! delivered again, to any worker, once the queue's `ack_wait` has passed.
//!
//! Each queue is one JetStream stream `EXHIBIT_<name>` (subject
//! `exhibit.<name>.units`, work-queue retention, file storage, a two-minute
//! duplicate window keyed by the unit id) read through one durable pull
//! consumer `workers` (explicit ack, at most [`MAX_DELIVER`] deliveries of a
//! unit). The API is synchronous: every [`Queue`] owns a small private tokio
//! runtime and blocks on it.
//!
//! Delivery is *at least once*: a unit can be processed more than once (a
//! worker slower than `ack_wait` without [`Delivery::in_progress`], a crash
//! between the commit and the ack, or a NATS server killed right after it
//! confirmed an ack: its file store may come back with the unit still
//! there), so the commit of a unit's results must be idempotent, keyed by the
//! unit id.
//!
//! What this crate must never do:
//! - acknowledge a unit before the caller says its results are committed: the
//!   only acknowledgement is [`Delivery::ack`], and dropping a [`Delivery`]
//!   sends nothing, so the unit comes back after `ack_wait`;
//! - lose a unit: a unit leaves the stream only by [`Delivery::ack`], by
//!   [`Delivery::term`] (the caller gives up on it, after recording why) or by
//!   [`Queue::delete`]; a unit that ran out of deliveries stays in the stream
//!   and is counted in [`Pending::stored`];
//! - talk to any host other than the NATS server it was given: servers that
//!   the server advertises (cluster peers) are ignored, and nothing else is
//!   contacted.

#![deny(missing_docs)]

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use async_nats::connection::State;
use async_nats::jetstream::{self, consumer, stream};
use futures_util::StreamExt;
use tokio::runtime::Runtime;

/// The name of the durable pull consumer that every worker shares.
pub const CONSUMER: &str = "workers";

/// How many times a unit is delivered at most before JetStream stops
/// delivering it (it then stays in the stream, see [`Pending::stored`]).
pub const MAX_DELIVER: i64 = 10;

/// The window within which a second publish of the same unit id is dropped.
pub const DUPLICATE_WINDOW: Duration = Duration::from_secs(120);

/// The longest unit id accepted, in bytes.
pub const MAX_ID_LEN: usize = 256;

/// The header that carries the unit id (JetStream's message id).
const MSG_ID_HEADER: &str = "Nats-Msg-Id";

/// A boxed error from the NATS client, kept as the source of a [`QueueError`].
pub type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// What went wrong in the queue.
#[derive(Debug, thiserror::Error)]
pub enum QueueError {
    /// The queue name is not 1 to 64 of `A-Z a-z 0-9 _ -`.
    #[error("invalid queue name {name:?}: it must be 1 to 64 of A-Z, a-z, 0-9, '_' and '-'")]
    InvalidName {
        /// The name given.
        name: String,
    },
    /// The unit id is empty, too long, has control characters or leading or
    /// trailing whitespace.
    #[error(
        "invalid unit id {id:?}: it must be 1 to {MAX_ID_LEN} bytes, without control characters \
         or leading or trailing whitespace"
    )]
    InvalidId {
        /// The id given.
        id: String,
    },
    /// `ack_wait` is zero.
    #[error("invalid ack_wait: it must be more than zero")]
    InvalidAckWait,
    /// The private tokio runtime could not be started.
    #[error("cannot start the queue's runtime: {0}")]
    Runtime(#[source] std::io::Error),
    /// The NATS server could not be reached or refused the connection.
    #[error("cannot connect to NATS server {url}: {source}")]
    Connect {
        /// The server URL, without any user or password.
        url: String,
        /// The client's error.
        #[source]
        source: BoxError,
    },
    /// The stream could not be created or looked up.
    #[error("cannot set up stream {stream}: {source}")]
    StreamSetup {
        /// The stream name.
        stream: String,
        /// The client's error.
        #[source]
        source: BoxError,
    },
    /// The durable consumer could not be created or updated.
    #[error("cannot set up consumer {CONSUMER} on stream {stream}: {source}")]
    ConsumerSetup {
        /// The stream name.
        stream: String,
        /// The client's error.
        #[source]
        source: BoxError,
    },
    /// A unit was not stored: the server did not confirm it.
    #[error("cannot publish unit {id} to stream {stream}: {source}")]
    Publish {
        /// The stream name.
        stream: String,
        /// The unit id.
        id: String,
        /// The client's error.
        #[source]
        source: BoxError,
    },
    /// Asking for the next unit failed.
    #[error("cannot fetch the next unit from stream {stream}: {source}")]
    Fetch {
        /// The stream name.
        stream: String,
        /// The client's error.
        #[source]
        source: BoxError,
    },
    /// A message in the stream had no unit id (it was not published by
    /// [`Queue::publish`]); it was terminated so it is not delivered again.
    #[error(
        "message {sequence} of stream {stream} has no unit id (Nats-Msg-Id); it was terminated"
    )]
    MissingId {
        /// The stream name.
        stream: String,
        /// The message's stream sequence.
        sequence: u64,
    },
    /// A message in the stream carried no JetStream delivery metadata.
    #[error("a message from stream {stream} has no JetStream delivery metadata: {source}")]
    Metadata {
        /// The stream name.
        stream: String,
        /// The client's error.
        #[source]
        source: BoxError,
    },
    /// The server did not confirm the acknowledgement of a unit.
    #[error("cannot acknowledge unit {id}: {source}")]
    Ack {
        /// The unit id.
        id: String,
        /// The client's error.
        #[source]
        source: BoxError,
    },
    /// A negative acknowledgement could not be sent.
    #[error("cannot send a negative acknowledgement for unit {id}: {source}")]
    Nak {
        /// The unit id.
        id: String,
        /// The client's error.
        #[source]
        source: BoxError,
    },
    /// A work-in-progress signal could not be sent.
    #[error("cannot extend the ack wait of unit {id}: {source}")]
    InProgress {
        /// The unit id.
        id: String,
        /// The client's error.
        #[source]
        source: BoxError,
    },
    /// A termination could not be sent.
    #[error("cannot terminate unit {id}: {source}")]
    Term {
        /// The unit id.
        id: String,
        /// The client's error.
        #[source]
        source: BoxError,
    },
    /// The consumer's or stream's counts could not be read.
    #[error("cannot read the pending counts of stream {stream}: {source}")]
    Pending {
        /// The stream name.
        stream: String,
        /// The client's error.
        #[source]
        source: BoxError,
    },
    /// The stream could not be deleted.
    #[error("cannot delete stream {stream}: {source}")]
    Delete {
        /// The stream name.
        stream: String,
        /// The client's error.
        #[source]
        source: BoxError,
    },
}

/// A connection to one work queue. Cheap to keep for a process's lifetime;
/// each thread that takes units concurrently may use its own or share one.
pub struct Queue {
    stream_name: String,
    subject: String,
    consumer: consumer::PullConsumer,
    context: jetstream::Context,
    client: async_nats::Client,
    // Last: dropped after everything that may hold a task on it.
    runtime: Arc<Runtime>,
}

impl fmt::Debug for Queue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Queue")
            .field("stream", &self.stream_name)
            .field("subject", &self.subject)
            .finish_non_exhaustive()
    }
}

/// What the server said about a published unit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Published {
    /// The stream sequence of the stored unit.
    pub sequence: u64,
    /// True when the id had already been published within the duplicate
    /// window, so nothing new was stored.
    pub duplicate: bool,
}

/// The counts of a queue.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Pending {
    /// Units not yet delivered to any worker.
    pub waiting: u64,
    /// Units delivered and not yet acknowledged (being worked on, or waiting
    /// for their `ack_wait` to run out before being delivered again).
    pub unacked: u64,
    /// Units held by the stream: `waiting + unacked`, plus any unit that ran
    /// out of deliveries ([`MAX_DELIVER`]) and is no longer delivered.
    pub stored: u64,
}

impl Pending {
    /// True when no unit is waiting, in flight or stored.
    pub fn is_empty(&self) -> bool {
        self.waiting == 0 && self.unacked == 0 && self.stored == 0
    }
}

/// One delivered unit. Acknowledge it with [`Delivery::ack`] once its
/// results are committed; dropping it sends nothing, and the unit is
/// delivered again after `ack_wait`.
pub struct Delivery {
    /// The unit id given to [`Queue::publish`].
    pub id: String,
    /// The unit's payload.
    pub payload: Vec<u8>,
    /// Which delivery this is: 1 the first time, 2 after one redelivery, …
    pub attempt: u64,
    /// The unit's sequence in the stream.
    pub sequence: u64,
    message: jetstream::Message,
    client: async_nats::Client,
    runtime: Arc<Runtime>,
}

impl fmt::Debug for Delivery {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Delivery")
            .field("id", &self.id)
            .field("payload_len", &self.payload.len())
            .field("attempt", &self.attempt)
            .field("sequence", &self.sequence)
            .finish_non_exhaustive()
    }
}

/// Checks a queue name: 1 to 64 of `A-Z a-z 0-9 _ -`.
pub fn valid_name(name: &str) -> bool {
    (1..=64).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

/// Checks a unit id: 1 to [`MAX_ID_LEN`] bytes, no control characters, no
/// leading or trailing whitespace (a header value would lose it).
pub fn valid_id(id: &str) -> bool {
    !id.is_empty() && id.len() <= MAX_ID_LEN && !id.chars().any(char::is_control) && id.trim() == id
}

/// The URL without any `user:password@` part, for error messages.
fn redact_url(url: &str) -> String {
    let (scheme, rest) = match url.find("://") {
        Some(i) => (&url[..i + 3], &url[i + 3..]),
        None => ("", url),
    };
    let host_end = rest.find('/').unwrap_or(rest.len());
    match rest[..host_end].rfind('@') {
        Some(at) => format!("{scheme}***@{}", &rest[at + 1..]),
        None => url.to_string(),
    }
}

/// The server URL without its `?ca=FILE` (the PEM file of the roots its
/// TLS certificate is checked against), and that file.
fn split_ca(url: &str) -> (String, Option<std::path::PathBuf>) {
    let mut ca = None;
    let url = exhibit_tls::edit_query(url, |pair| match pair.strip_prefix("ca=") {
        Some(path) => {
            ca = Some(std::path::PathBuf::from(path));
            None
        }
        None => Some(pair.to_string()),
    });
    (url, ca)
}

fn boxed<E: std::error::Error + Send + Sync + 'static>(err: E) -> BoxError {
    Box::new(err)
}

impl Queue {
    /// Connects to the NATS server at `url` and makes sure the stream
    /// `EXHIBIT_<name>` and its durable pull consumer [`CONSUMER`] exist.
    /// `tls://host:4222` (or `?ca=FILE`) speaks TLS only, the server's
    /// certificate checked against the PEM roots in `FILE` (a self-signed
    /// certificate may be its own root) or the system's.
    ///
    /// `ack_wait` is how long a delivered unit may go without
    /// [`Delivery::ack`] or [`Delivery::in_progress`] before it is delivered
    /// again. It is a setting of the consumer that all workers share: the
    /// last [`Queue::connect`] sets it, so every process of a run should pass
    /// the same value.
    pub fn connect(url: &str, name: &str, ack_wait: Duration) -> Result<Queue, QueueError> {
        if !valid_name(name) {
            return Err(QueueError::InvalidName {
                name: name.to_string(),
            });
        }
        if ack_wait.is_zero() {
            return Err(QueueError::InvalidAckWait);
        }
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .thread_name("exhibit-queue")
            .enable_all()
            .build()
            .map_err(QueueError::Runtime)?;
        let stream_name = format!("EXHIBIT_{name}");
        let subject = format!("exhibit.{name}.units");

        let (server, ca) = split_ca(url);
        let mut options = async_nats::ConnectOptions::new()
            .name("exhibit-queue")
            .connection_timeout(Duration::from_secs(5))
            .ignore_discovered_servers();
        if server.starts_with("tls://") || ca.is_some() {
            // Our own settings (certificate and name checked; a self-signed
            // server certificate given as `ca` accepted), not the client's.
            let config = exhibit_tls::client_config(exhibit_tls::Check::Full, ca.as_deref())
                .map_err(|e| QueueError::Connect {
                    url: redact_url(url),
                    source: boxed(e),
                })?;
            options = options.require_tls(true).tls_client_config(config);
        }
        let (client, context, consumer) = runtime.block_on(async {
            let client =
                options
                    .connect(server.as_str())
                    .await
                    .map_err(|e| QueueError::Connect {
                        url: redact_url(url),
                        source: boxed(e),
                    })?;
            let context = jetstream::new(client.clone());
            let stream = context
                .get_or_create_stream(stream::Config {
                    name: stream_name.clone(),
                    subjects: vec![subject.clone()],
                    retention: stream::RetentionPolicy::WorkQueue,
                    storage: stream::StorageType::File,
                    duplicate_window: DUPLICATE_WINDOW,
                    ..Default::default()
                })
                .await
                .map_err(|e| QueueError::StreamSetup {
                    stream: stream_name.clone(),
                    source: boxed(e),
                })?;
            // Creates the consumer, or updates its ack_wait when it exists.
            let consumer: consumer::PullConsumer = stream
                .create_consumer(consumer::pull::Config {
                    durable_name: Some(CONSUMER.to_string()),
                    ack_policy: consumer::AckPolicy::Explicit,
                    ack_wait,
                    max_deliver: MAX_DELIVER,
                    ..Default::default()
                })
                .await
                .map_err(|e| QueueError::ConsumerSetup {
                    stream: stream_name.clone(),
                    source: boxed(e),
                })?;
            Ok::<_, QueueError>((client, context, consumer))
        })?;

        Ok(Queue {
            stream_name,
            subject,
            consumer,
            context,
            client,
            runtime: Arc::new(runtime),
        })
    }

    /// The JetStream stream name, `EXHIBIT_<name>`.
    pub fn stream_name(&self) -> &str {
        &self.stream_name
    }

    /// Publishes a unit and waits for the server to confirm it is stored.
    ///
    /// `id` is also the JetStream message id (`Nats-Msg-Id`): publishing the
    /// same id again within [`DUPLICATE_WINDOW`] stores nothing and returns
    /// `duplicate: true`, even if the unit was already acknowledged.
    pub fn publish(&self, id: &str, payload: &[u8]) -> Result<Published, QueueError> {
        if !valid_id(id) {
            return Err(QueueError::InvalidId { id: id.to_string() });
        }
        let publish_err = |source: BoxError| QueueError::Publish {
            stream: self.stream_name.clone(),
            id: id.to_string(),
            source,
        };
        let ack = self.runtime.block_on(async {
            let message = jetstream::message::PublishMessage::build()
                .message_id(id)
                .payload(payload.to_vec().into());
            let pending = self
                .context
                .send_publish(self.subject.clone(), message)
                .await
                .map_err(|e| publish_err(boxed(e)))?;
            pending.await.map_err(|e| publish_err(boxed(e)))
        })?;
        if ack.stream != self.stream_name {
            return Err(publish_err(
                format!("stored in stream {} instead", ack.stream).into(),
            ));
        }
        Ok(Published {
            sequence: ack.sequence,
            duplicate: ack.duplicate,
        })
    }

    /// Takes the next unit, waiting up to `wait` for one; `None` when none
    /// came in time.
    ///
    /// A message without a unit id (not published by [`Queue::publish`]) is
    /// terminated and reported as [`QueueError::MissingId`].
    pub fn next(&self, wait: Duration) -> Result<Option<Delivery>, QueueError> {
        let fetch_err = |source: BoxError| QueueError::Fetch {
            stream: self.stream_name.clone(),
            source,
        };
        let message = self.runtime.block_on(async {
            // The server ends the pull request when `wait` runs out; below a
            // few milliseconds ask it to answer at once instead.
            let batch = if wait < Duration::from_millis(10) {
                self.consumer.fetch().max_messages(1).messages().await
            } else {
                self.consumer
                    .batch()
                    .max_messages(1)
                    .expires(wait)
                    .messages()
                    .await
            };
            let mut batch = batch.map_err(|e| fetch_err(boxed(e)))?;
            match batch.next().await {
                Some(Ok(message)) => Ok(Some(message)),
                Some(Err(e)) => Err(fetch_err(e)),
                None => Ok(None),
            }
        })?;
        let Some(message) = message else {
            // An empty answer while disconnected is not an empty queue.
            if self.client.connection_state() != State::Connected {
                return Err(fetch_err("not connected to the NATS server".into()));
            }
            return Ok(None);
        };

        let (sequence, attempt) = {
            let info = message.info().map_err(|e| QueueError::Metadata {
                stream: self.stream_name.clone(),
                source: e,
            })?;
            (
                info.stream_sequence,
                u64::try_from(info.delivered).unwrap_or(0),
            )
        };
        let id = message
            .headers
            .as_ref()
            .and_then(|h| h.get(MSG_ID_HEADER))
            .map(|v| v.as_str().to_string())
            .filter(|id| !id.is_empty());
        let Some(id) = id else {
            // Not one of ours: make sure it is not delivered again and again.
            let _ = self.runtime.block_on(async {
                message.ack_with(jetstream::AckKind::Term).await?;
                self.client.flush().await.map_err(boxed)
            });
            return Err(QueueError::MissingId {
                stream: self.stream_name.clone(),
                sequence,
            });
        };
        Ok(Some(Delivery {
            id,
            payload: message.payload.to_vec(),
            attempt,
            sequence,
            message,
            client: self.client.clone(),
            runtime: Arc::clone(&self.runtime),
        }))
    }

    /// The queue's counts, from the consumer's and the stream's info.
    pub fn pending(&self) -> Result<Pending, QueueError> {
        let pending_err = |source: BoxError| QueueError::Pending {
            stream: self.stream_name.clone(),
            source,
        };
        self.runtime.block_on(async {
            let info = self
                .consumer
                .get_info()
                .await
                .map_err(|e| pending_err(boxed(e)))?;
            let stream = self
                .context
                .get_stream_no_info(&self.stream_name)
                .await
                .map_err(|e| pending_err(boxed(e)))?;
            let stream_info = stream.get_info().await.map_err(|e| pending_err(boxed(e)))?;
            Ok(Pending {
                waiting: info.num_pending,
                unacked: u64::try_from(info.num_ack_pending).unwrap_or(u64::MAX),
                stored: stream_info.state.messages,
            })
        })
    }

    /// Deletes the stream, its consumer and every unit still in it (the end
    /// of a distributed run, or a test).
    pub fn delete(self) -> Result<(), QueueError> {
        let stream = self.stream_name.clone();
        self.runtime.block_on(async {
            self.context
                .delete_stream(&stream)
                .await
                .map(|_| ())
                .map_err(|e| QueueError::Delete {
                    stream: stream.clone(),
                    source: boxed(e),
                })
        })
    }
}

impl Delivery {
    /// Acknowledges the unit: call it only once its results are committed.
    /// Waits for the server to confirm the acknowledgement (double ack); on
    /// an error the unit may be delivered again, so the commit must be
    /// idempotent.
    pub fn ack(self) -> Result<(), QueueError> {
        self.runtime
            .block_on(self.message.double_ack())
            .map_err(|source| QueueError::Ack {
                id: self.id.clone(),
                source,
            })
    }

    /// Gives the unit back to be delivered again, after `delay` when given,
    /// else at once.
    pub fn nak(self, delay: Option<Duration>) -> Result<(), QueueError> {
        self.send(jetstream::AckKind::Nak(delay))
            .map_err(|source| QueueError::Nak {
                id: self.id.clone(),
                source,
            })
    }

    /// Tells the server the unit is still being worked on, restarting its
    /// `ack_wait`. Call it more often than `ack_wait` during a long unit.
    pub fn in_progress(&self) -> Result<(), QueueError> {
        self.send(jetstream::AckKind::Progress)
            .map_err(|source| QueueError::InProgress {
                id: self.id.clone(),
                source,
            })
    }

    /// Gives up on a poison unit: it is removed from the queue and never
    /// delivered again. Record why in the database first.
    pub fn term(self) -> Result<(), QueueError> {
        self.send(jetstream::AckKind::Term)
            .map_err(|source| QueueError::Term {
                id: self.id.clone(),
                source,
            })
    }

    /// Sends an acknowledgement of `kind` and flushes, so that it has reached
    /// the server when this returns.
    fn send(&self, kind: jetstream::AckKind) -> Result<(), BoxError> {
        self.runtime.block_on(async {
            self.message.ack_with(kind).await?;
            self.client.flush().await.map_err(boxed)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert!(valid_name("a"));
        assert!(valid_name("case-42_run"));
        assert!(valid_name(&"x".repeat(64)));
        assert!(!valid_name(""));
        assert!(!valid_name(&"x".repeat(65)));
        assert!(!valid_name("a.b"));
        assert!(!valid_name("a b"));
        assert!(!valid_name("a*"));
        assert!(!valid_name("a>"));
        assert!(!valid_name("é"));
    }

    #[test]
    fn ids() {
        assert!(valid_id("unit-1"));
        assert!(valid_id("evidence/3:partition 2"));
        assert!(!valid_id(""));
        assert!(!valid_id(" a"));
        assert!(!valid_id("a "));
        assert!(!valid_id("a\r\nb"));
        assert!(!valid_id(&"x".repeat(MAX_ID_LEN + 1)));
    }

    #[test]
    fn the_roots_file_leaves_the_url() {
        assert_eq!(
            split_ca("tls://h:4222?ca=/etc/ca.pem"),
            ("tls://h:4222".to_string(), Some("/etc/ca.pem".into()))
        );
        assert_eq!(
            split_ca("nats://h:4222"),
            ("nats://h:4222".to_string(), None)
        );
        assert_eq!(
            split_ca("nats://h?x=1&ca=/a"),
            ("nats://h?x=1".to_string(), Some("/a".into()))
        );
    }

    #[test]
    fn invalid_name_fails_before_connecting() {
        let err = Queue::connect("nats://127.0.0.1:1", "bad.name", Duration::from_secs(1))
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(err.contains("invalid queue name"), "{err}");
    }

    #[test]
    fn connect_error_names_url_without_password() {
        // Port 1 on loopback: nothing listens there.
        let err = Queue::connect(
            "nats://user:secret@127.0.0.1:1",
            "q",
            Duration::from_secs(1),
        )
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
        assert!(err.contains("nats://***@127.0.0.1:1"), "{err}");
        assert!(!err.contains("secret"), "{err}");
    }

    #[test]
    fn redaction() {
        assert_eq!(redact_url("nats://h:4222"), "nats://h:4222");
        assert_eq!(redact_url("nats://u:p@h:4222"), "nats://***@h:4222");
        assert_eq!(redact_url("u:p@h"), "***@h");
    }
}
