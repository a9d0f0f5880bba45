//! Request builders and the enums they take. A field left unset is not sent, so the server
//! applies its documented default (named on each setter).

use std::borrow::Cow;

use serde::Serialize;

use crate::error::Error;

string_enum! {
    /// `target_duration`: the clip length range, in seconds. Default `DURATION_0_90`.
    pub enum TargetDuration {
        /// 0-30 s.
        D0To30 = "DURATION_0_30",
        /// 0-90 s, the default.
        D0To90 = "DURATION_0_90",
        /// 30-60 s.
        D30To60 = "DURATION_30_60",
        /// 60-90 s.
        D60To90 = "DURATION_60_90",
        /// 90-180 s.
        D90To180 = "DURATION_90_180",
        /// 180-300 s.
        D180To300 = "DURATION_180_300",
    }
}

string_enum! {
    /// `ratio`: the output aspect ratio, required with `enable_ai_reframe`.
    /// `RATIO_ORIGINAL` appears only on the older pages.
    pub enum Ratio {
        /// 9:16, vertical.
        Ratio9x16 = "RATIO_9_16",
        /// 1:1.
        Ratio1x1 = "RATIO_1_1",
        /// 4:5.
        Ratio4x5 = "RATIO_4_5",
        /// 16:9.
        Ratio16x9 = "RATIO_16_9",
        /// The source's ratio (older pages only).
        Original = "RATIO_ORIGINAL",
    }
}

string_enum! {
    /// `resolution` of rendered clips. Default `SD_480`; `QHD_2K` and `UHD_4K` appear on
    /// the newer pages only.
    pub enum Resolution {
        /// 480p, the default.
        Sd480 = "SD_480",
        /// 720p.
        Hd720 = "HD_720",
        /// 1080p.
        Fhd1080 = "FHD_1080",
        /// 2K.
        Qhd2k = "QHD_2K",
        /// 4K.
        Uhd4k = "UHD_4K",
    }
}

string_enum! {
    /// `caption_display`: which captions to burn in. Default `original`.
    pub enum CaptionDisplay {
        /// Original and translation.
        Both = "both",
        /// The spoken language, the default.
        Original = "original",
        /// The translation.
        Translation = "translation",
    }
}

string_enum! {
    /// `ai_hook_script_style`: the tone of the AI hook text. Default `serious`.
    pub enum AiHookStyle {
        /// The default.
        Serious = "serious",
        /// Casual.
        Casual = "casual",
        /// Informative.
        Informative = "informative",
        /// Conversational.
        Conversational = "conversational",
        /// Humorous.
        Humorous = "humorous",
        /// Parody.
        Parody = "parody",
        /// Inspirational.
        Inspirational = "inspirational",
        /// Dramatic.
        Dramatic = "dramatic",
        /// Empathetic.
        Empathetic = "empathetic",
        /// Persuasive.
        Persuasive = "persuasive",
        /// Neutral.
        Neutral = "neutral",
        /// Excited.
        Excited = "excited",
        /// Calm.
        Calm = "calm",
    }
}

string_enum! {
    /// `ai_hook_position`: where the hook goes. Default `beginning`.
    pub enum AiHookPosition {
        /// At the start, the default.
        Beginning = "beginning",
        /// At the end.
        End = "end",
    }
}

string_enum! {
    /// `reframe_layout` with AI Reframe (exact spelling, case and spaces). Default `Auto`.
    /// Which layouts a ratio allows: [`ReframeLayout::allowed_for`].
    pub enum ReframeLayout {
        /// The model picks, the default.
        Auto = "Auto",
        /// Full.
        Full = "Full",
        /// Fit.
        Fit = "Fit",
        /// Grid 4.
        Grid4 = "Grid 4",
        /// Split 2.
        Split2 = "Split 2",
        /// Trio.
        Trio = "Trio",
        /// Picture in picture.
        PiP = "PiP",
        /// Over the shoulder (16:9 only).
        Ots = "OTS",
        /// Screen first.
        ScreenFirst = "Screen First",
        /// Gameplay A.
        GameplayA = "Gameplay A",
        /// Gameplay B.
        GameplayB = "Gameplay B",
    }
}

impl ReframeLayout {
    /// Whether the documented table allows this layout with `ratio`; `None` when either is
    /// a value the table does not list.
    pub fn allowed_for(&self, ratio: &Ratio) -> Option<bool> {
        use ReframeLayout as L;
        let common = matches!(self, L::Auto | L::Full | L::Fit | L::Grid4 | L::Trio);
        let wide = matches!(self, L::Split2 | L::PiP | L::ScreenFirst);
        let gameplay = matches!(self, L::GameplayA | L::GameplayB);
        if matches!(self, L::Other(_)) {
            return None;
        }
        match ratio {
            Ratio::Ratio16x9 => Some(common || wide || *self == L::Ots),
            Ratio::Ratio9x16 | Ratio::Ratio4x5 => Some(common || wide || gameplay),
            Ratio::Ratio1x1 => Some(common),
            Ratio::Original | Ratio::Other(_) => None,
        }
    }
}

/// A language code for `source_lang` / `target_lang`, as the API's examples write them
/// (`en`, `ja`). The supported-languages page was not captured, so any code is accepted.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, serde::Deserialize)]
#[serde(transparent)]
pub struct Language(Cow<'static, str>);

impl Language {
    /// English.
    pub const EN: Self = Self(Cow::Borrowed("en"));
    /// Japanese.
    pub const JA: Self = Self(Cow::Borrowed("ja"));

    /// Any language code.
    pub fn new(code: impl Into<String>) -> Self {
        Self(Cow::Owned(code.into()))
    }

    /// The code.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The rendering settings shared by clipping, find moments and export.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
struct Render {
    #[serde(skip_serializing_if = "Option::is_none")]
    resolution: Option<Resolution>,
    #[serde(skip_serializing_if = "Option::is_none")]
    enable_caption: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    caption_display: Option<CaptionDisplay>,
    #[serde(skip_serializing_if = "Option::is_none")]
    cc_style_tpl: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    enable_ai_hook: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    ai_hook_script_style: Option<AiHookStyle>,
    #[serde(skip_serializing_if = "Option::is_none")]
    ai_hook_position: Option<AiHookPosition>,
    #[serde(skip_serializing_if = "Option::is_none")]
    enable_ai_reframe: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    ratio: Option<Ratio>,
    #[serde(skip_serializing_if = "Option::is_none")]
    reframe_layout: Option<ReframeLayout>,
}

impl Render {
    fn check(&self) -> Result<(), Error> {
        if self.enable_ai_reframe == Some(true) && self.ratio.is_none() {
            return Err(Error::config("`ratio` is required when `enable_ai_reframe` is true"));
        }
        if let (Some(layout), Some(ratio)) = (&self.reframe_layout, &self.ratio) {
            if layout.allowed_for(ratio) == Some(false) {
                return Err(Error::config("this `reframe_layout` is not offered for this `ratio`"));
            }
        }
        Ok(())
    }
}

/// Setters for the rendering fields, shared by the three builders that render.
macro_rules! render_setters {
    () => {
        /// `resolution` of rendered clips (default `SD_480`; export only).
        pub fn resolution(mut self, resolution: Resolution) -> Self {
            self.render.resolution = Some(resolution);
            self
        }

        /// `enable_caption`: burn in animated captions (default `false`; export only).
        pub fn enable_caption(mut self, yes: bool) -> Self {
            self.render.enable_caption = Some(yes);
            self
        }

        /// `caption_display` (default `original`; needs export and captions).
        pub fn caption_display(mut self, display: CaptionDisplay) -> Self {
            self.render.caption_display = Some(display);
            self
        }

        /// `cc_style_tpl`: the subtitle style template id (default `temp-7` on the newer
        /// pages; needs export and captions).
        pub fn caption_style(mut self, template: impl Into<String>) -> Self {
            self.render.cc_style_tpl = Some(template.into());
            self
        }

        /// `enable_ai_hook`: a generated text hook (default `false`; export only).
        pub fn enable_ai_hook(mut self, yes: bool) -> Self {
            self.render.enable_ai_hook = Some(yes);
            self
        }

        /// `ai_hook_script_style` (default `serious`).
        pub fn ai_hook_style(mut self, style: AiHookStyle) -> Self {
            self.render.ai_hook_script_style = Some(style);
            self
        }

        /// `ai_hook_position` (default `beginning`).
        pub fn ai_hook_position(mut self, position: AiHookPosition) -> Self {
            self.render.ai_hook_position = Some(position);
            self
        }

        /// `enable_ai_reframe` (default `false`; export only). When true, set
        /// [`ratio`](Self::ratio) too: submitting without one is refused.
        pub fn enable_ai_reframe(mut self, yes: bool) -> Self {
            self.render.enable_ai_reframe = Some(yes);
            self
        }

        /// `ratio` (required with AI Reframe; otherwise the source's ratio is kept).
        pub fn ratio(mut self, ratio: Ratio) -> Self {
            self.render.ratio = Some(ratio);
            self
        }

        /// `reframe_layout` (default `Auto`); a layout the documented table does not offer
        /// for the ratio is refused.
        pub fn reframe_layout(mut self, layout: ReframeLayout) -> Self {
            self.render.reframe_layout = Some(layout);
            self
        }
    };
}

fn non_empty(value: &str, note: &'static str) -> Result<(), Error> {
    if value.trim().is_empty() {
        return Err(Error::config(note));
    }
    Ok(())
}

/// `POST {prefix}/clips`: AI clipping of a video.
///
/// ```
/// use status_hyper::api::{ClipRequest, Language, TargetDuration};
/// let request = ClipRequest::new("https://www.youtube.com/watch?v=example")
///     .target_lang(Language::JA)
///     .target_duration(TargetDuration::D30To60)
///     .limit(5);
/// assert_eq!(
///     serde_json::to_string(&request).unwrap(),
///     r#"{"video_url":"https://www.youtube.com/watch?v=example","target_lang":"ja","target_duration":"DURATION_30_60","limit":5}"#
/// );
/// ```
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ClipRequest {
    video_url: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    project_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    source_lang: Option<Language>,
    #[serde(skip_serializing_if = "Option::is_none")]
    target_lang: Option<Language>,
    #[serde(skip_serializing_if = "Option::is_none")]
    target_duration: Option<TargetDuration>,
    #[serde(skip_serializing_if = "Option::is_none")]
    limit: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    enable_export: Option<bool>,
    #[serde(flatten)]
    render: Render,
    #[serde(skip_serializing_if = "Option::is_none")]
    enable_more_results: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    enable_express_mode: Option<bool>,
}

impl ClipRequest {
    /// Clips `video_url`: a public URL of a supported platform, or the identifier an
    /// [upload](crate::Client::upload_file) returned.
    pub fn new(video_url: impl Into<String>) -> Self {
        Self {
            video_url: video_url.into(),
            project_name: None,
            source_lang: None,
            target_lang: None,
            target_duration: None,
            limit: None,
            enable_export: None,
            render: Render::default(),
            enable_more_results: None,
            enable_express_mode: None,
        }
    }

    /// `project_name` (default `""`).
    pub fn project_name(mut self, name: impl Into<String>) -> Self {
        self.project_name = Some(name.into());
        self
    }

    /// `source_lang` (default: detected).
    pub fn source_lang(mut self, lang: Language) -> Self {
        self.source_lang = Some(lang);
        self
    }

    /// `target_lang` of titles, descriptions and subtitles (default: as `source_lang`).
    pub fn target_lang(mut self, lang: Language) -> Self {
        self.target_lang = Some(lang);
        self
    }

    /// `target_duration` (default `DURATION_0_90`).
    pub fn target_duration(mut self, duration: TargetDuration) -> Self {
        self.target_duration = Some(duration);
        self
    }

    /// `limit`: at most this many clips, best score first (default: all).
    pub fn limit(mut self, limit: u32) -> Self {
        self.limit = Some(limit);
        self
    }

    /// `enable_export`: render the clips now, each with an `export_link` (default `false`;
    /// the rendering settings are ignored without it).
    pub fn enable_export(mut self, yes: bool) -> Self {
        self.enable_export = Some(yes);
        self
    }

    /// `enable_more_results` (default `false`; Enterprise plan).
    pub fn enable_more_results(mut self, yes: bool) -> Self {
        self.enable_more_results = Some(yes);
        self
    }

    /// `enable_express_mode`: half the credits (default `false`; Enterprise plan).
    pub fn enable_express_mode(mut self, yes: bool) -> Self {
        self.enable_express_mode = Some(yes);
        self
    }

    render_setters!();

    pub(crate) fn check(&self) -> Result<(), Error> {
        non_empty(&self.video_url, "`video_url` is empty")?;
        self.render.check()
    }
}

/// `POST {prefix}/clips/find-moments`: clips matching a query.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FindMomentsRequest {
    video_url: String,
    query: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    project_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    source_lang: Option<Language>,
    #[serde(skip_serializing_if = "Option::is_none")]
    target_lang: Option<Language>,
    #[serde(skip_serializing_if = "Option::is_none")]
    enable_export: Option<bool>,
    #[serde(flatten)]
    render: Render,
}

impl FindMomentsRequest {
    /// Moments of `video_url` matching `query` (required by the newer pages).
    pub fn new(video_url: impl Into<String>, query: impl Into<String>) -> Self {
        Self {
            video_url: video_url.into(),
            query: query.into(),
            project_name: None,
            source_lang: None,
            target_lang: None,
            enable_export: None,
            render: Render::default(),
        }
    }

    /// `project_name` (default `""`).
    pub fn project_name(mut self, name: impl Into<String>) -> Self {
        self.project_name = Some(name.into());
        self
    }

    /// `source_lang` (default: detected).
    pub fn source_lang(mut self, lang: Language) -> Self {
        self.source_lang = Some(lang);
        self
    }

    /// `target_lang` (default: as `source_lang`).
    pub fn target_lang(mut self, lang: Language) -> Self {
        self.target_lang = Some(lang);
        self
    }

    /// `enable_export` (default `false`).
    pub fn enable_export(mut self, yes: bool) -> Self {
        self.enable_export = Some(yes);
        self
    }

    render_setters!();

    pub(crate) fn check(&self) -> Result<(), Error> {
        non_empty(&self.video_url, "`video_url` is empty")?;
        non_empty(&self.query, "`query` is empty (the newer pages require it)")?;
        self.render.check()
    }
}

/// `POST {prefix}/clips/export`: render (or re-render) clips of a clipping or find-moments
/// task.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ExportRequest {
    project_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    clip_indices: Option<Vec<u32>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    target_lang: Option<Language>,
    #[serde(flatten)]
    render: Render,
}

impl ExportRequest {
    /// Renders clips of the task `project_id`.
    pub fn new(project_id: impl Into<String>) -> Self {
        Self {
            project_id: project_id.into(),
            clip_indices: None,
            target_lang: None,
            render: Render::default(),
        }
    }

    /// `clip_indices`: the clips' `idx` values (default: all clips).
    pub fn clip_indices(mut self, indices: impl IntoIterator<Item = u32>) -> Self {
        self.clip_indices = Some(indices.into_iter().collect());
        self
    }

    /// `target_lang` (default: the source task's).
    pub fn target_lang(mut self, lang: Language) -> Self {
        self.target_lang = Some(lang);
        self
    }

    render_setters!();

    pub(crate) fn check(&self) -> Result<(), Error> {
        non_empty(&self.project_id, "`project_id` is empty")?;
        self.render.check()
    }
}

/// `POST {prefix}/transcripts`: a transcript with speaker labels.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TranscriptionRequest {
    video_url: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    source_lang: Option<Language>,
    #[serde(skip_serializing_if = "Option::is_none")]
    target_lang: Option<Language>,
}

impl TranscriptionRequest {
    /// Transcribes `video_url` (a URL or an upload's identifier).
    pub fn new(video_url: impl Into<String>) -> Self {
        Self { video_url: video_url.into(), source_lang: None, target_lang: None }
    }

    /// `source_lang` (default: detected; newer pages only).
    pub fn source_lang(mut self, lang: Language) -> Self {
        self.source_lang = Some(lang);
        self
    }

    /// `target_lang`: translate the transcript (default: no translation).
    pub fn target_lang(mut self, lang: Language) -> Self {
        self.target_lang = Some(lang);
        self
    }

    pub(crate) fn check(&self) -> Result<(), Error> {
        non_empty(&self.video_url, "`video_url` is empty")
    }
}

/// `POST {prefix}/summaries`: a summary, highlights and tags.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SummaryRequest {
    video_url: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    source_lang: Option<Language>,
    #[serde(skip_serializing_if = "Option::is_none")]
    target_lang: Option<Language>,
}

impl SummaryRequest {
    /// Summarizes `video_url` (a URL or an upload's identifier).
    pub fn new(video_url: impl Into<String>) -> Self {
        Self { video_url: video_url.into(), source_lang: None, target_lang: None }
    }

    /// `source_lang` (default: detected; newer pages only).
    pub fn source_lang(mut self, lang: Language) -> Self {
        self.source_lang = Some(lang);
        self
    }

    /// `target_lang` (default: as `source_lang`).
    pub fn target_lang(mut self, lang: Language) -> Self {
        self.target_lang = Some(lang);
        self
    }

    pub(crate) fn check(&self) -> Result<(), Error> {
        non_empty(&self.video_url, "`video_url` is empty")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_enum_round_trips_and_keeps_unknown_values() {
        fn check<T>(known: &[T], unknown: T)
        where
            T: Serialize + serde::de::DeserializeOwned + PartialEq + core::fmt::Debug,
        {
            for value in known.iter().chain([&unknown]) {
                let json = serde_json::to_string(value).unwrap();
                let back: T = serde_json::from_str(&json).unwrap();
                assert_eq!(&back, value);
                let through_core: T = status_core::de::from_str(&json).unwrap();
                assert_eq!(&through_core, value);
            }
        }
        check(TargetDuration::KNOWN, TargetDuration::Other("DURATION_0_600".into()));
        check(Ratio::KNOWN, Ratio::Other("RATIO_21_9".into()));
        check(Resolution::KNOWN, Resolution::Other("UHD_8K".into()));
        check(CaptionDisplay::KNOWN, CaptionDisplay::Other("none".into()));
        check(AiHookStyle::KNOWN, AiHookStyle::Other("sarcastic".into()));
        check(AiHookPosition::KNOWN, AiHookPosition::Other("middle".into()));
        check(ReframeLayout::KNOWN, ReframeLayout::Other("Grid 9".into()));
        assert_eq!(AiHookStyle::KNOWN.len(), 13);
        assert_eq!(Ratio::parse("RATIO_9_16"), Ratio::Ratio9x16);
        assert_eq!(Ratio::parse("RATIO_21_9").to_string(), "RATIO_21_9");
        let lang: Language = serde_json::from_str(r#""pt-BR""#).unwrap();
        assert_eq!(
            (lang.as_str(), serde_json::to_string(&Language::EN).unwrap()),
            ("pt-BR", r#""en""#.into())
        );
    }

    #[test]
    fn reframe_layouts_follow_the_documented_table() {
        assert_eq!(ReframeLayout::Ots.allowed_for(&Ratio::Ratio16x9), Some(true));
        assert_eq!(ReframeLayout::Ots.allowed_for(&Ratio::Ratio9x16), Some(false));
        assert_eq!(ReframeLayout::GameplayA.allowed_for(&Ratio::Ratio16x9), Some(false));
        assert_eq!(ReframeLayout::GameplayB.allowed_for(&Ratio::Ratio4x5), Some(true));
        assert_eq!(ReframeLayout::Split2.allowed_for(&Ratio::Ratio1x1), Some(false));
        assert_eq!(ReframeLayout::Trio.allowed_for(&Ratio::Ratio1x1), Some(true));
        assert_eq!(ReframeLayout::Other("X".into()).allowed_for(&Ratio::Ratio1x1), None);
    }

    #[test]
    fn unset_fields_are_not_sent_and_reframe_needs_a_ratio() {
        let minimal = serde_json::to_value(ClipRequest::new("v")).unwrap();
        assert_eq!(minimal, serde_json::json!({"video_url": "v"}));
        let full = ClipRequest::new("v")
            .enable_export(true)
            .resolution(Resolution::Uhd4k)
            .enable_caption(true)
            .caption_display(CaptionDisplay::Both)
            .caption_style("temp-7")
            .enable_ai_hook(true)
            .ai_hook_style(AiHookStyle::Humorous)
            .ai_hook_position(AiHookPosition::End)
            .enable_ai_reframe(true)
            .ratio(Ratio::Ratio9x16)
            .reframe_layout(ReframeLayout::ScreenFirst);
        assert!(full.check().is_ok());
        assert_eq!(
            serde_json::to_value(&full).unwrap(),
            serde_json::json!({"video_url": "v", "enable_export": true, "resolution": "UHD_4K",
                "enable_caption": true, "caption_display": "both", "cc_style_tpl": "temp-7",
                "enable_ai_hook": true, "ai_hook_script_style": "humorous",
                "ai_hook_position": "end", "enable_ai_reframe": true, "ratio": "RATIO_9_16",
                "reframe_layout": "Screen First"})
        );
        let no_ratio = ClipRequest::new("v").enable_ai_reframe(true);
        assert_eq!(no_ratio.check().unwrap_err().kind(), crate::ErrorKind::Config);
        let bad_layout =
            ExportRequest::new("p").ratio(Ratio::Ratio1x1).reframe_layout(ReframeLayout::PiP);
        assert_eq!(bad_layout.check().unwrap_err().kind(), crate::ErrorKind::Config);
        assert!(FindMomentsRequest::new("v", " ").check().is_err());
        assert!(TranscriptionRequest::new("").check().is_err());
        let export = ExportRequest::new("proj_1").clip_indices([0, 2]);
        assert_eq!(
            serde_json::to_value(&export).unwrap(),
            serde_json::json!({"project_id": "proj_1", "clip_indices": [0, 2]})
        );
    }
}
