//! Writes the seed corpus: the specification's examples and small bodies built to reach each
//! policy and each error kind, one file per input under `fuzz/corpus/<target>/`.
//!
//! Run from the repository root with
//! `cargo run --manifest-path fuzz/Cargo.toml --example seeds`; it only adds files, so inputs
//! the fuzzer found stay. Keep the result small (`cargo fuzz cmin <target>` when it grows).

use std::fs;
use std::path::Path;

use status_tests::{ALL, CLIP_RESULTS_200};

fn main() -> std::io::Result<()> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus");
    let bodies = bodies();
    let mut decode: Vec<Vec<u8>> = Vec::new();
    for &(status, body) in ALL {
        decode.push(with_status(status, body.as_bytes()));
    }
    // Each body as a success, and with one other status in turn.
    let others = [204, 400, 403, 429, 500, 502, 504, 404, 999, 99, 1000];
    for (body, other) in bodies.iter().zip(others.iter().cycle()) {
        decode.push(with_status(200, body));
        decode.push(with_status(*other, body));
    }
    write(&root.join("decode"), &decode)?;
    let mut differential: Vec<Vec<u8>> = ALL.iter().map(|(_, b)| b.as_bytes().to_vec()).collect();
    differential.extend(bodies.iter().cloned());
    write(&root.join("differential"), &differential)?;
    write(&root.join("typed"), &typed())?;
    write(&root.join("stream"), &stream(&root.join("decode"))?)?;
    write(&root.join("strings"), &strings())?;
    write(&root.join("timestamp"), &timestamps())?;
    Ok(())
}

fn with_status(status: u16, body: &[u8]) -> Vec<u8> {
    let mut input = status.to_be_bytes().to_vec();
    input.extend_from_slice(body);
    input
}

/// Writes each input as `seed-<hash>`, so rerunning never duplicates a file.
fn write(dir: &Path, inputs: &[Vec<u8>]) -> std::io::Result<()> {
    fs::create_dir_all(dir)?;
    for input in inputs {
        let name = format!("seed-{:016x}", fnv1a(input));
        fs::write(dir.join(name), input)?;
    }
    println!("{}: {} seeds", dir.display(), inputs.len());
    Ok(())
}

fn fnv1a(bytes: &[u8]) -> u64 {
    bytes
        .iter()
        .fold(0xcbf2_9ce4_8422_2325, |h, &b| (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3))
}

/// Small bodies that reach each policy and each error kind, plus truncations of the examples.
fn bodies() -> Vec<Vec<u8>> {
    let mut out: Vec<Vec<u8>> = [
        "{}",
        "",
        " \r\n\t",
        r#"{"data":null}"#,
        r#"{"data":[1,-0.5e+3,true,false,null,"x",{"a":[]}]}"#,
        r#"{"d\u0061ta":{"id":"proj_abc123"},"code":"0","message":"Succeed"}"#,
        r#"{"data":1,"data":2}"#,
        r#"{"data":1,"d\u0061ta":2}"#,
        r#"{"data":{"a":1,"a":2}}"#,
        r#"{"data":"\ud83d\ude00 \u00e9 \"q\" \\ \/ \b\f\n\r\t"}"#,
        r#"{"data":"\ud800"}"#,
        r#"{"data":"\udc00\ud800\u0041"}"#,
        r#"{"\ud800":1}"#,
        r#"{"data":1e999,"n":[0,-0,1.0E-2,12345678901234567890123]}"#,
        r#"{"data":01}"#,
        r#"{"data":1.}"#,
        r#"{"data":.5}"#,
        r#"{"data":+1}"#,
        r#"{"data":-}"#,
        r#"{"data":tru}"#,
        r#"{"data":nul}"#,
        r#"{"data":[1,]}"#,
        r#"{"data":{"a":1,}}"#,
        r#"{"data" 1}"#,
        r#"{"data":1 "x":2}"#,
        r#"{"data":1}x"#,
        r#"{"data":"a	b"}"#,
        r#"{"data":"\x"}"#,
        r#"{"data":"\u12G4"}"#,
        "[1,2]",
        "\"text\"",
        "42",
        "null",
        "<html><body>502 Bad Gateway</body></html>",
        "\u{feff}{}",
        r#"{"message":"m","trace_id":"t"}"#,
        r#"{"message":"m\n","trace_id":1}"#,
        r#"{"message":"m"}"#,
        r#"{"timestamp":"2026-03-13T07:58:46.156+00:00","status":403,"error":"Forbidden","path":"/api/v2/clips"}"#,
        r#"{"timestamp":"2026-03-13T07:58:46Z","status":429,"error":"E","path":"/"}"#,
        r#"{"timestamp":"not a time","status":429,"error":"E","path":"/"}"#,
        r#"{"timestamp":"\u0032026-03-13T07:58:46Z","status":403,"error":"E","path":"/"}"#,
        r#"{"timestamp":"2026-03-13T07:58:46Z","status":4030,"error":"E","path":"/"}"#,
        r#"{"timestamp":"2026-03-13T07:58:46Z","status":"403","error":"E","path":"/"}"#,
        r#"{"timestamp":"2026-03-13T07:58:46Z","status":403.0,"error":"E","path":"/"}"#,
    ]
    .iter()
    .map(|s| s.as_bytes().to_vec())
    .collect();
    out.push(b"{\"data\":\"\xff\"}".to_vec());
    out.push(b"{\"data\":\"\xc3\"}".to_vec());
    out.push(b"{\"data\":\"caf\xc3\xa9\"}".to_vec());
    out.push(b"{\"data\":\"\xed\xa0\x80\"}".to_vec());
    // Depth: exactly at the limit (128 with the envelope), and one past it.
    for depth in [127, 128] {
        let mut deep = b"{\"data\":".to_vec();
        deep.extend(std::iter::repeat_n(b'[', depth));
        deep.extend(std::iter::repeat_n(b']', depth));
        deep.push(b'}');
        out.push(deep);
    }
    // Top-level keys: many, one of them repeated (accepted), and a read key repeated in
    // another spelling (refused).
    let members: Vec<String> = (0..100).map(|i| format!("\"k{i}\":{i}")).collect();
    out.push(format!("{{{},\"k0\":0}}", members.join(",")).into_bytes());
    out.push(br#"{"d\u0061ta":1,"code":0,"data":2}"#.to_vec());
    // Truncated transfers of the examples.
    for &(_, body) in ALL {
        for cut in [1, body.len() / 3, body.len() / 2, body.len().saturating_sub(2)] {
            out.push(body.as_bytes()[..cut.min(body.len())].to_vec());
        }
    }
    out
}

fn strings() -> Vec<Vec<u8>> {
    [
        r#""""#,
        r#""trace_id-1""#,
        r#""a\"b\\c\/d\b\f\n\r\t""#,
        r#""\u00e9\u20AC\uD83D\uDE00""#,
        r#""caf\u00e9 café""#,
        r#""\ud800""#,
        r#""\udc00""#,
        r#""\ud800\u0041""#,
        r#""\ud800\udbff""#,
        r#""\u12""#,
        r#""\x""#,
        r#""abc"#,
        r#""a"b""#,
        r#" "a" "#,
        "\"tab\there\"",
        "\"\u{0}\"",
        "\"\u{7f}\u{80}\u{ffff}\u{10ffff}\"",
        "\"\u{301}combining\"",
        "plain text, quoted by the target",
        r#"\"inner\" \u0041"#,
    ]
    .iter()
    .map(|s| s.as_bytes().to_vec())
    .collect()
}

fn timestamps() -> Vec<Vec<u8>> {
    [
        "2026-03-13T07:58:46.156+00:00",
        "2026-03-10T15:52:01.610+00:00",
        "2026-03-13T07:58:46Z",
        "2026-03-13t07:58:46.1z",
        "2026-03-13 07:58:46.123456789-0530",
        "2026-03-13T13:28:46.156+05:30",
        "2026-03-12T23:58:46.156-23:59",
        "2026-03-13T07:58:46.156-00:00",
        "2024-02-29T00:00:00Z",
        "2023-02-29T00:00:00Z",
        "1900-02-29T00:00:00Z",
        "2000-02-29T00:00:00Z",
        "0000-01-01T00:00:00-23:59",
        "9999-12-31T23:59:59.999+23:59",
        "1969-12-31T23:59:59.9999999Z",
        "2026-03-13T24:00:00Z",
        "2026-03-13T07:58:60Z",
        "2026-03-13T07:58:46.1234567890Z",
        "2026-03-13T07:58:46.156+24:00",
        "2026-03-13T07:58:46.156+05",
        "2026-03-13T07:58:46",
        "2026-03-13",
        "２026-03-13T07:58:46Z",
    ]
    .iter()
    .map(|s| s.as_bytes().to_vec())
    .collect()
}

/// Clip results as the API sends them, and each field of the model at its edges.
fn typed() -> Vec<Vec<u8>> {
    let clip = r#"{"idx": 0, "title": "t", "begin_ms": "15000", "end_ms": 75000}"#;
    let mut out: Vec<String> = vec![
        CLIP_RESULTS_200.to_owned(),
        format!(r#"{{"code": "0", "data": {{"id": "p", "name": "n", "status": "CREATED", "clips": [{clip}]}}, "message": "Succeed"}}"#),
        r#"{"data": {"id": "p", "name": "n", "status": "ONGOING"}}"#.to_owned(),
        r#"{"data": {"id": "p", "name": "n\u00e9\n", "status": "NEW_STATE", "clips": []}}"#.to_owned(),
        r#"{"data": {"id": "p\u0041", "name": "n", "status": "FAILED"}}"#.to_owned(),
        r#"{"data": {"id": "p", "name": "n", "status": "SUCCEEDED", "clips": [{"idx": -0, "title": "", "begin_ms": "-1", "end_ms": 18446744073709551616}]}}"#.to_owned(),
        r#"{"data": {"id": "p", "name": "n", "status": "SUCCEEDED", "clips": [{"idx": 1.5, "title": "", "begin_ms": "01", "end_ms": " 1"}]}}"#.to_owned(),
        r#"{"data": {"id": "p", "status": "SUCCEEDED"}}"#.to_owned(),
        r#"{"data": {"id": "p", "name": "n", "status": "SUCCEEDED", "id": "q"}}"#.to_owned(),
        r#"{"data": null}"#.to_owned(),
        r#"{"data": []}"#.to_owned(),
        r#"{}"#.to_owned(),
    ];
    let nine = vec![clip; 9].join(",");
    out.push(format!(
        r#"{{"data": {{"id": "p", "name": "n", "status": "SUCCEEDED", "clips": [{nine}]}}}}"#
    ));
    let tags = vec![r#""a\u0062""#; 9].join(",");
    out.push(format!(r#"{{"data": {{"id": "p", "name": "n", "status": "SUCCEEDED", "clips": [{{"idx": 0, "title": "t", "begin_ms": 0, "end_ms": 1, "tags": [{tags}], "thumbnail": null, "desc": null}}]}}}}"#));
    let long = "\\u00e9".repeat(130);
    out.push(format!(r#"{{"data": {{"id": "p", "name": "n", "status": "SUCCEEDED", "clips": [{{"idx": 0, "title": "t", "begin_ms": 0, "end_ms": 1, "desc": "{long}"}}]}}}}"#));
    out.into_iter().map(String::into_bytes).collect()
}

/// The `stream` target's seeds: every `decode` input (seeds and what the fuzzer kept), with a
/// chunk-length byte after the status, the patterns in turn.
fn stream(decode: &Path) -> std::io::Result<Vec<Vec<u8>>> {
    let mut files: Vec<_> = fs::read_dir(decode)?.collect::<Result<Vec<_>, _>>()?;
    files.sort_by_key(|e| e.file_name());
    let patterns = [0x00, 0x10, 0x3F, 0x07, 0xF3, 0x70, 0x1F, 0xFF];
    files
        .iter()
        .zip(patterns.iter().cycle())
        .map(|(file, &pattern)| {
            let input = fs::read(file.path())?;
            let at = input.len().min(2);
            let mut seed = input[..at].to_vec();
            seed.push(pattern);
            seed.extend_from_slice(&input[at..]);
            Ok(seed)
        })
        .collect()
}
