//! Response models. Each accepts every spelling the vendor's pages show (see the fact
//! sheet's "where the versions disagree"), ignores fields it does not know, and keeps an
//! unknown enum value rather than failing.

use core::fmt;
use core::time::Duration;
use std::time::{SystemTime, UNIX_EPOCH};

use serde::de::{self, Deserializer, Visitor};
use serde::Deserialize;
use status_core::de::IntOrString;
use tokio::time::Instant;

string_enum! {
    /// A task's `status`. The documented values are `CREATED`, `QUEUED`, `ONGOING`,
    /// `SUCCEEDED` and `FAILED`; the last two end a task.
    pub enum TaskStatus {
        /// Accepted, not started.
        Created = "CREATED",
        /// Waiting to run.
        Queued = "QUEUED",
        /// Running; clipping results grow while in this status.
        Ongoing = "ONGOING",
        /// Finished; the results are complete.
        Succeeded = "SUCCEEDED",
        /// Finished without results; see `error_message`.
        Failed = "FAILED",
    }
}

impl TaskStatus {
    /// `SUCCEEDED` or `FAILED`.
    pub fn is_finished(&self) -> bool {
        matches!(self, Self::Succeeded | Self::Failed)
    }

    /// `SUCCEEDED`.
    pub fn is_succeeded(&self) -> bool {
        *self == Self::Succeeded
    }
}

/// `null` reads as the type's default, as an absent field does.
fn null_default<'de, D: Deserializer<'de>, T: Deserialize<'de> + Default>(
    d: D,
) -> Result<T, D::Error> {
    Ok(Option::<T>::deserialize(d)?.unwrap_or_default())
}

/// A number that may arrive as a JSON number or as a string holding one.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Lenient(f64);

impl<'de> Deserialize<'de> for Lenient {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Lenient;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a number, or a string holding one")
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Lenient, E> {
                Ok(Lenient(v))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Lenient, E> {
                Ok(Lenient(v as f64))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Lenient, E> {
                Ok(Lenient(v as f64))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Lenient, E> {
                match v.trim().parse::<f64>() {
                    Ok(n) if n.is_finite() && !v.is_empty() => Ok(Lenient(n)),
                    _ => Err(E::invalid_value(de::Unexpected::Str(v), &self)),
                }
            }
        }
        d.deserialize_any(V)
    }
}

/// The id of a task as a submission or a results reply names it: `id` (newer pages),
/// `project_id` (older pages, the status-codes example) or `export_task_id` (exports).
#[derive(Deserialize)]
struct Ids {
    #[serde(default)]
    id: Option<String>,
    #[serde(default)]
    project_id: Option<String>,
    #[serde(default)]
    export_task_id: Option<String>,
}

impl Ids {
    fn take(self) -> Option<String> {
        self.export_task_id.or(self.id).or(self.project_id)
    }
}

/// `data` of a submission: `{"id" | "project_id" | "export_task_id", "name", "status"}`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct SubmittedTask {
    /// The task id.
    pub id: String,
    /// The task name.
    pub name: Option<String>,
    /// The status, `CREATED` as documented.
    pub status: Option<TaskStatus>,
}

#[derive(Deserialize)]
struct RawSubmitted {
    #[serde(flatten)]
    ids: Ids,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    status: Option<TaskStatus>,
}

impl<'de> Deserialize<'de> for SubmittedTask {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let raw = RawSubmitted::deserialize(d)?;
        let id = raw.ids.take().ok_or_else(|| de::Error::missing_field("id"))?;
        Ok(Self { id, name: raw.name, status: raw.status })
    }
}

/// One clip of a clipping, find-moments or export task.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[non_exhaustive]
pub struct Clip {
    /// 0-based, ordered by viral potential; the value exports and publishing refer to.
    #[serde(with = "status_core::de::int_or_string")]
    pub idx: u32,
    /// The AI title.
    #[serde(default, deserialize_with = "null_default")]
    pub title: String,
    /// Start in milliseconds (sent as a number or as a string).
    #[serde(with = "status_core::de::int_or_string")]
    pub begin_ms: u64,
    /// End in milliseconds (sent as a number or as a string).
    #[serde(with = "status_core::de::int_or_string")]
    pub end_ms: u64,
    /// Thumbnail image URL.
    #[serde(default)]
    pub thumbnail: Option<String>,
    /// AI hashtags.
    #[serde(default, deserialize_with = "null_default")]
    pub tags: Vec<String>,
    /// AI description.
    #[serde(default)]
    pub desc: Option<String>,
    /// Viral-potential score, 0-100 (absent from some pages' examples).
    #[serde(default, deserialize_with = "lenient_opt")]
    pub score: Option<f64>,
    /// The rendered clip, when the task exported; a new link (valid 24 h) on every call.
    #[serde(default)]
    pub export_link: Option<String>,
}

fn lenient_opt<'de, D: Deserializer<'de>>(d: D) -> Result<Option<f64>, D::Error> {
    Ok(Option::<Lenient>::deserialize(d)?.map(|l| l.0))
}

fn int_opt<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
    Ok(Option::<IntOrString<u64>>::deserialize(d)?.map(IntOrString::into_inner))
}

/// The fields every task's results share.
#[derive(Deserialize)]
struct RawCommon {
    #[serde(flatten)]
    ids: Ids,
    #[serde(default)]
    name: Option<String>,
    status: TaskStatus,
    #[serde(default)]
    error_message: Option<String>,
    #[serde(default, deserialize_with = "int_opt")]
    expire_at: Option<u64>,
    #[serde(default, deserialize_with = "lenient_opt")]
    cost_usage: Option<f64>,
    #[serde(default, deserialize_with = "lenient_opt")]
    api_units_usage: Option<f64>,
}

/// The results of a clipping, find-moments or export task.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct ClipResults {
    /// The task id (`id`, `project_id` or `export_task_id`); empty when the reply has none.
    pub id: String,
    /// The task name.
    pub name: Option<String>,
    /// The status.
    pub status: TaskStatus,
    /// Why the task failed (only with `FAILED`).
    pub error_message: Option<String>,
    /// When the results expire, in epoch milliseconds; see [`expires_at`](Self::expires_at).
    pub expire_at: Option<u64>,
    /// The units the task consumed: `cost_usage` (newer pages) or `api_units_usage`
    /// (pricing page).
    pub usage: Option<f64>,
    /// The clips: those produced so far while `ONGOING`, all of them at `SUCCEEDED`.
    pub clips: Vec<Clip>,
}

#[derive(Deserialize)]
struct RawClipResults {
    #[serde(flatten)]
    common: RawCommon,
    #[serde(default, deserialize_with = "null_default")]
    clips: Vec<Clip>,
}

impl<'de> Deserialize<'de> for ClipResults {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let raw = RawClipResults::deserialize(d)?;
        let c = raw.common;
        Ok(Self {
            id: c.ids.take().unwrap_or_default(),
            name: c.name,
            status: c.status,
            error_message: c.error_message,
            expire_at: c.expire_at,
            usage: c.cost_usage.or(c.api_units_usage),
            clips: raw.clips,
        })
    }
}

impl ClipResults {
    /// [`expire_at`](Self::expire_at) as a time: after it the results can no longer be
    /// fetched.
    pub fn expires_at(&self) -> Option<SystemTime> {
        expiry(self.expire_at)
    }
}

fn expiry(ms: Option<u64>) -> Option<SystemTime> {
    UNIX_EPOCH.checked_add(Duration::from_millis(ms?))
}

/// One segment of a transcript. The captured documentation does not name the fields; these
/// are the ones third-party clients read (`text`, `end`), plus the speaker label the pages
/// describe. Unknown fields are ignored.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[non_exhaustive]
pub struct TranscriptSegment {
    /// The text.
    #[serde(default, deserialize_with = "null_default")]
    pub text: String,
    /// The speaker label.
    #[serde(default)]
    pub speaker: Option<String>,
    /// Start, in the unit the server uses.
    #[serde(default, deserialize_with = "lenient_opt")]
    pub start: Option<f64>,
    /// End, in the unit the server uses.
    #[serde(default, deserialize_with = "lenient_opt")]
    pub end: Option<f64>,
}

/// The results of a transcription task (final only: the transcript comes at `SUCCEEDED`).
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct TranscriptResults {
    /// The task id.
    pub id: String,
    /// The task name.
    pub name: Option<String>,
    /// The status.
    pub status: TaskStatus,
    /// Why the task failed (only with `FAILED`).
    pub error_message: Option<String>,
    /// When the results expire, in epoch milliseconds.
    pub expire_at: Option<u64>,
    /// The units the task consumed (`cost_usage` or `api_units_usage`).
    pub usage: Option<f64>,
    /// `data.transcript`, when present.
    pub transcript: Vec<TranscriptSegment>,
}

#[derive(Deserialize)]
struct RawTranscript {
    #[serde(flatten)]
    common: RawCommon,
    #[serde(default, deserialize_with = "null_default")]
    transcript: Vec<TranscriptSegment>,
}

impl<'de> Deserialize<'de> for TranscriptResults {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let raw = RawTranscript::deserialize(d)?;
        let c = raw.common;
        Ok(Self {
            id: c.ids.take().unwrap_or_default(),
            name: c.name,
            status: c.status,
            error_message: c.error_message,
            expire_at: c.expire_at,
            usage: c.cost_usage.or(c.api_units_usage),
            transcript: raw.transcript,
        })
    }
}

impl TranscriptResults {
    /// When the results expire.
    pub fn expires_at(&self) -> Option<SystemTime> {
        expiry(self.expire_at)
    }
}

/// The results of a summarization task (final only). The pages name the fields `summary`,
/// `tags` and `highlights` without their types, so they are kept as JSON values.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct SummaryResults {
    /// The task id.
    pub id: String,
    /// The task name.
    pub name: Option<String>,
    /// The status.
    pub status: TaskStatus,
    /// Why the task failed (only with `FAILED`).
    pub error_message: Option<String>,
    /// When the results expire, in epoch milliseconds.
    pub expire_at: Option<u64>,
    /// The units the task consumed (`cost_usage` or `api_units_usage`).
    pub usage: Option<f64>,
    /// `data.summary`, as sent.
    pub summary: Option<serde_json::Value>,
    /// `data.tags`, as sent.
    pub tags: Vec<serde_json::Value>,
    /// `data.highlights` (the timeline), as sent.
    pub highlights: Vec<serde_json::Value>,
}

#[derive(Deserialize)]
struct RawSummary {
    #[serde(flatten)]
    common: RawCommon,
    #[serde(default)]
    summary: Option<serde_json::Value>,
    #[serde(default, deserialize_with = "null_default")]
    tags: Vec<serde_json::Value>,
    #[serde(default, deserialize_with = "null_default")]
    highlights: Vec<serde_json::Value>,
}

impl<'de> Deserialize<'de> for SummaryResults {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let raw = RawSummary::deserialize(d)?;
        let c = raw.common;
        Ok(Self {
            id: c.ids.take().unwrap_or_default(),
            name: c.name,
            status: c.status,
            error_message: c.error_message,
            expire_at: c.expire_at,
            usage: c.cost_usage.or(c.api_units_usage),
            summary: raw.summary,
            tags: raw.tags,
            highlights: raw.highlights,
        })
    }
}

impl SummaryResults {
    /// The summary when it is a string.
    pub fn summary_text(&self) -> Option<&str> {
        self.summary.as_ref()?.as_str()
    }

    /// When the results expire.
    pub fn expires_at(&self) -> Option<SystemTime> {
        expiry(self.expire_at)
    }
}

mod sealed {
    pub trait Sealed {}
    impl Sealed for super::ClipResults {}
    impl Sealed for super::TranscriptResults {}
    impl Sealed for super::SummaryResults {}
}

/// What [`TaskWait`](super::TaskWait) needs of a task's results. Implemented by
/// [`ClipResults`], [`TranscriptResults`] and [`SummaryResults`].
pub trait TaskResults:
    sealed::Sealed + serde::de::DeserializeOwned + fmt::Debug + Send + 'static
{
    /// The status.
    fn status(&self) -> &TaskStatus;
    /// The failure reason, with `FAILED`.
    fn error_message(&self) -> Option<&str>;
    /// The clips so far (none for transcripts and summaries).
    fn clips(&self) -> &[Clip] {
        &[]
    }
    /// When the results expire, in epoch milliseconds.
    fn expire_at(&self) -> Option<u64>;
}

impl TaskResults for ClipResults {
    fn status(&self) -> &TaskStatus {
        &self.status
    }
    fn error_message(&self) -> Option<&str> {
        self.error_message.as_deref()
    }
    fn clips(&self) -> &[Clip] {
        &self.clips
    }
    fn expire_at(&self) -> Option<u64> {
        self.expire_at
    }
}

impl TaskResults for TranscriptResults {
    fn status(&self) -> &TaskStatus {
        &self.status
    }
    fn error_message(&self) -> Option<&str> {
        self.error_message.as_deref()
    }
    fn expire_at(&self) -> Option<u64> {
        self.expire_at
    }
}

impl TaskResults for SummaryResults {
    fn status(&self) -> &TaskStatus {
        &self.status
    }
    fn error_message(&self) -> Option<&str> {
        self.error_message.as_deref()
    }
    fn expire_at(&self) -> Option<u64> {
        self.expire_at
    }
}

/// A pre-signed upload URL and the file identifier that goes with it
/// (`POST {prefix}/upload/single-file`).
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct UploadTarget {
    /// Where to `PUT` the bytes (on the storage host, not the API's).
    pub upload_url: String,
    /// The identifier to pass as `video_url` once the bytes are there: `identity` (newer
    /// pages) or `identify` (older English page). One use only.
    pub identity: String,
    /// When the URL lapses: one hour (the documented lifetime) after the reply arrived.
    pub expires_at: Instant,
}

impl fmt::Debug for UploadTarget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The URL's query is its signature: a credential, shown only up to the `?`.
        let shown = self.upload_url.split('?').next().unwrap_or_default();
        f.debug_struct("UploadTarget")
            .field("upload_url", &format_args!("{shown}?<signature>"))
            .field("identity", &self.identity)
            .field("expires_at", &self.expires_at)
            .finish()
    }
}

#[derive(Deserialize)]
pub(crate) struct RawUploadTarget {
    pub(crate) upload_url: String,
    #[serde(default)]
    identity: Option<String>,
    #[serde(default)]
    identify: Option<String>,
}

impl RawUploadTarget {
    pub(crate) fn identity(&mut self) -> Option<String> {
        self.identity.take().or_else(|| self.identify.take())
    }
}
