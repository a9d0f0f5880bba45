//! The capacity workload: one 20-clip body decoded into the same struct with room for 32 clips
//! and with room for 2048 (`heapless::Vec`), by status-core and by serde-json-core. A decoder
//! that moves its target around pays for the capacity; one that writes it in place pays for
//! the 20 clips only.

use serde::Deserialize;

use crate::{clip_results, envelope, Body, ClipCore, Engine};

/// The small capacity.
pub const SMALL: usize = 32;
/// The large capacity: "up to 2048 clips".
pub const LARGE: usize = 2048;
/// The clips in the body.
pub const CLIPS: usize = 20;

/// The clip-results `data` with room for `N` clips (plain strings: serde-json-core reads it).
#[derive(Deserialize, Default)]
pub struct ClipResultsCap<'a, const N: usize> {
    /// Project id.
    pub id: &'a str,
    /// Project name.
    pub name: &'a str,
    /// Project status.
    pub status: &'a str,
    /// The clips.
    #[serde(borrow)]
    pub clips: status_core::de::InPlaceVec<ClipCore<'a>, N>,
}

#[derive(Deserialize)]
struct Envelope<T> {
    data: T,
}

/// The engines of the capacity workload.
pub const CAPACITY_ENGINES: [Engine; 2] = [Engine::StatusCore, Engine::SerdeJsonCore];

/// How status-core hands the value over.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Api {
    /// `Decoder::decode_typed_into`: written into the caller's `Option<T>`.
    Into,
    /// `decode_typed`: returned inside the reply.
    ByValue,
    /// `Decoder::decode_typed_in_place`: serde's in-place deserialization into the caller's
    /// `T` (serde_derive's `deserialize_in_place` feature is on in this crate).
    InPlace,
}

/// One row of the workload: the body, the capacity, the status-core API.
#[derive(Debug, Clone)]
pub struct CapacityCase {
    /// The body, named for its row (`clips-20/cap-2048`).
    pub body: Body,
    /// The capacity of the clip list, [`SMALL`] or [`LARGE`].
    pub capacity: usize,
    /// How status-core returns the value.
    pub api: Api,
}

/// The workload's rows: both capacities through `decode_typed_into`, and the large one
/// through `decode_typed`.
pub fn capacity_cases() -> Vec<CapacityCase> {
    let bytes = envelope(&clip_results(CLIPS, true));
    let case = |capacity, api, suffix| CapacityCase {
        body: Body {
            name: format!("clips-{CLIPS}/cap-{capacity}{suffix}"),
            status: 200,
            bytes: bytes.clone(),
        },
        capacity,
        api,
    };
    vec![
        case(SMALL, Api::Into, ""),
        case(LARGE, Api::Into, ""),
        case(LARGE, Api::ByValue, "/decode_typed"),
        case(SMALL, Api::InPlace, "/in_place"),
        case(LARGE, Api::InPlace, "/in_place"),
    ]
}

/// Decodes the case's body into its struct: `Some(number of clips)`, `None` when it fails or
/// the engine has no such row (serde-json-core has one API only).
pub fn decode_capacity(engine: Engine, case: &CapacityCase) -> Option<usize> {
    match case.capacity {
        SMALL => decode_with::<SMALL>(engine, case.api, &case.body.bytes),
        LARGE => decode_with::<LARGE>(engine, case.api, &case.body.bytes),
        _ => None,
    }
}

// Not inlined, so that each engine's figure is its own function's, the same in every caller.
#[inline(never)]
fn decode_with<const N: usize>(engine: Engine, api: Api, bytes: &[u8]) -> Option<usize> {
    match (engine, api) {
        (Engine::StatusCore, Api::Into) => {
            let mut data = None;
            let reply = status_core::Decoder::new()
                .decode_typed_into::<ClipResultsCap<'_, N>>(200, bytes, &mut data)
                .ok()?;
            reply.is_success().then_some(())?;
            data.as_ref().map(|r| r.clips.len())
        }
        (Engine::StatusCore, Api::InPlace) => {
            let mut data = ClipResultsCap::<'_, N>::default();
            let reply =
                status_core::Decoder::new().decode_typed_in_place(200, bytes, &mut data).ok()?;
            reply.is_success().then_some(data.clips.len())
        }
        (Engine::StatusCore, Api::ByValue) => {
            match status_core::decode_typed::<ClipResultsCap<'_, N>>(200, bytes) {
                Ok(status_core::TypedReply::Success { data, .. }) => Some(data.clips.len()),
                _ => None,
            }
        }
        (Engine::SerdeJsonCore, Api::Into) => {
            match serde_json_core::from_slice::<Envelope<ClipResultsCap<'_, N>>>(bytes) {
                Ok((e, _)) => Some(e.data.clips.len()),
                Err(_) => None,
            }
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_engines_read_all_clips_at_both_capacities() {
        // A 128 KiB target, moved a few times by serde's generated code in an unoptimised
        // build, needs more than the test harness's 2 MiB thread stack.
        std::thread::Builder::new()
            .stack_size(64 << 20)
            .spawn(read_all_clips)
            .unwrap()
            .join()
            .unwrap();
    }

    fn read_all_clips() {
        for case in capacity_cases() {
            assert_eq!(
                decode_capacity(Engine::StatusCore, &case),
                Some(CLIPS),
                "{}",
                case.body.name
            );
            let theirs = decode_capacity(Engine::SerdeJsonCore, &case);
            let expected = (case.api == Api::Into).then_some(CLIPS);
            assert_eq!(theirs, expected, "{}", case.body.name);
        }
    }
}
