//! The clip-results payload as a firmware would model it: borrowed and escaped text, fixed
//! capacity, numbers written as strings. Shared by the typed-data and zero-allocation tests.

use heapless::Vec as HVec;
use serde::Deserialize;
use status_core::de::{int_or_string, IntOrString};
use status_core::JsonStr;

/// `data` of a clip-results reply.
#[derive(Debug, Deserialize, PartialEq)]
pub struct ClipResults<'a> {
    /// The project id.
    pub id: &'a str,
    /// The project's name, escapes and all.
    pub name: JsonStr<'a>,
    /// Where the project is in its processing.
    pub status: ProjectStatus,
    /// The clips made so far.
    pub clips: HVec<Clip<'a>, 8>,
}

/// A project's processing state.
#[derive(Debug, Deserialize, PartialEq, Clone, Copy)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ProjectStatus {
    /// Submitted.
    Created,
    /// Being processed.
    Running,
    /// Done.
    Succeeded,
    /// Given up.
    Failed,
}

/// One clip.
#[derive(Debug, Deserialize, PartialEq)]
pub struct Clip<'a> {
    /// Its position in the list.
    pub idx: u32,
    /// Its title.
    pub title: JsonStr<'a>,
    /// Start in milliseconds, sent as `"15000"` or `15000`.
    #[serde(with = "int_or_string")]
    pub begin_ms: u64,
    /// End in milliseconds, either form.
    pub end_ms: IntOrString<u64>,
    /// The thumbnail's URL.
    pub thumbnail: &'a str,
    /// Up to four tags.
    pub tags: HVec<&'a str, 4>,
    /// The description, when there is one.
    pub desc: Option<JsonStr<'a>>,
}
