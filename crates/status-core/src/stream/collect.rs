//! Collecting an error body's documented fields into fixed buffers as they stream past.

use super::{Events, Field};

/// One field's decoded text in a `heapless::String<N>`, and whether it was cut to fit.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FieldText<const N: usize> {
    text: heapless::String<N>,
    state: State,
    cut: bool,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
enum State {
    #[default]
    Absent,
    Receiving,
    Complete,
}

impl<const N: usize> FieldText<N> {
    /// The text, or as much of it as fits in `N` bytes (whole characters) when
    /// [`Self::is_cut`].
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// Whether the text was longer than `N` bytes and only its beginning is kept.
    pub const fn is_cut(&self) -> bool {
        self.cut
    }

    /// The buffer itself.
    pub const fn text(&self) -> &heapless::String<N> {
        &self.text
    }

    fn start(&mut self) {
        self.text.clear();
        self.cut = false;
        self.state = State::Receiving;
    }

    fn push(&mut self, piece: &str) {
        if self.cut || self.text.push_str(piece).is_ok() {
            return;
        }
        // What fits, by whole characters; the rest is flagged, never dropped silently.
        for c in piece.chars() {
            if self.text.push(c).is_err() {
                break;
            }
        }
        self.cut = true;
    }
}

/// [`Events`] that collects the documented string fields of an error body, each into a
/// `heapless::String<N>` of its own. A field counts once its string is complete, as it does
/// for `decode`; a field longer than `N` bytes keeps its beginning and says so
/// ([`FieldText::is_cut`]).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ErrorText<const N: usize> {
    fields: [FieldText<N>; 5],
}

impl<const N: usize> ErrorText<N> {
    /// Empty buffers.
    pub fn new() -> Self {
        Self::default()
    }

    /// A string field that the body carried complete; `None` for [`Field::Status`], a number
    /// (see [`StreamedError::body_status`](super::StreamedError::body_status)).
    pub fn get(&self, field: Field) -> Option<&FieldText<N>> {
        self.slot(field).filter(|f| f.state == State::Complete)
    }

    /// `message`, when complete.
    pub fn message(&self) -> Option<&FieldText<N>> {
        self.get(Field::Message)
    }

    /// `trace_id`, when complete.
    pub fn trace_id(&self) -> Option<&FieldText<N>> {
        self.get(Field::TraceId)
    }

    fn slot(&self, field: Field) -> Option<&FieldText<N>> {
        Self::index(field).and_then(|i| self.fields.get(i))
    }

    fn slot_mut(&mut self, field: Field) -> Option<&mut FieldText<N>> {
        Self::index(field).and_then(|i| self.fields.get_mut(i))
    }

    const fn index(field: Field) -> Option<usize> {
        match field {
            Field::Message => Some(0),
            Field::TraceId => Some(1),
            Field::Timestamp => Some(2),
            Field::Error => Some(3),
            Field::Path => Some(4),
            Field::Status => None,
        }
    }
}

impl<const N: usize> Events for ErrorText<N> {
    fn field_start(&mut self, field: Field) {
        if let Some(f) = self.slot_mut(field) {
            f.start();
        }
    }

    fn field_text(&mut self, field: Field, text: &str) {
        if let Some(f) = self.slot_mut(field) {
            f.push(text);
        }
    }

    fn field_end(&mut self, field: Field) {
        if let Some(f) = self.slot_mut(field) {
            if f.state == State::Receiving {
                f.state = State::Complete;
            }
        }
    }
}
