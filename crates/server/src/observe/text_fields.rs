//! The fields of the human-readable log, with every control character escaped: text a caller
//! sent (a code, a name, an error message quoting either) can neither start a line that looks
//! like the server's own nor drive the terminal that shows the log. The JSON format escapes by
//! itself.

use std::fmt::{self, Write as _};

use tracing::field::{Field, Visit};
use tracing_subscriber::field::RecordFields;
use tracing_subscriber::fmt::FormatFields;
use tracing_subscriber::fmt::format::Writer;

/// tracing-subscriber's default field layout (the message bare, then `name=value`, separated
/// by spaces), every value written through [`Escaped`].
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct EscapedFields;

impl<'writer> FormatFields<'writer> for EscapedFields {
    fn format_fields<R: RecordFields>(&self, writer: Writer<'writer>, fields: R) -> fmt::Result {
        let mut visitor = Visitor {
            writer,
            first: true,
            result: Ok(()),
        };
        fields.record(&mut visitor);
        visitor.result
    }
}

struct Visitor<'writer> {
    writer: Writer<'writer>,
    first: bool,
    result: fmt::Result,
}

impl Visitor<'_> {
    fn field(&mut self, name: &str, value: &dyn fmt::Debug) -> fmt::Result {
        if !self.first {
            self.writer.write_char(' ')?;
        }
        self.first = false;
        if name != "message" {
            write!(self.writer, "{}=", name.strip_prefix("r#").unwrap_or(name))?;
        }
        write!(Escaped(&mut self.writer), "{value:?}")
    }
}

impl Visit for Visitor<'_> {
    fn record_str(&mut self, field: &Field, value: &str) {
        // As the default layout: the message as it is, other text quoted.
        if field.name() == "message" {
            self.record_debug(field, &format_args!("{value}"));
        } else {
            self.record_debug(field, &value);
        }
    }

    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        // `log.` fields are the metadata of records from the `log` crate, shown elsewhere.
        if self.result.is_ok() && !field.name().starts_with("log.") {
            self.result = self.field(field.name(), value);
        }
    }
}

/// Writes text to the inner writer with `\n`, `\r` and `\t` as those two-character escapes and
/// every other C0 or C1 control character, DEL, U+2028 and U+2029 as `\u{..}`.
pub(super) struct Escaped<W>(pub W);

fn needs_escape(c: char) -> bool {
    c.is_control() || matches!(c, '\u{2028}' | '\u{2029}')
}

impl<W: fmt::Write> fmt::Write for Escaped<W> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        let mut plain = 0;
        for (at, c) in s.char_indices() {
            if !needs_escape(c) {
                continue;
            }
            self.0.write_str(&s[plain..at])?;
            match c {
                '\n' => self.0.write_str("\\n")?,
                '\r' => self.0.write_str("\\r")?,
                '\t' => self.0.write_str("\\t")?,
                c => write!(self.0, "\\u{{{:x}}}", u32::from(c))?,
            }
            plain = at + c.len_utf8();
        }
        self.0.write_str(&s[plain..])
    }
}

#[cfg(test)]
mod tests {
    use std::fmt::Write as _;

    use super::Escaped;

    fn escaped(s: &str) -> String {
        let mut out = String::new();
        write!(Escaped(&mut out), "{s}").expect("a String takes any text");
        out
    }

    #[test]
    fn line_breaks_and_terminal_controls_are_escaped() {
        assert_eq!(escaped("a\nb\rc\td"), "a\\nb\\rc\\td");
        assert_eq!(
            escaped("\u{1b}[2K\u{7}\u{0}\u{7f}"),
            "\\u{1b}[2K\\u{7}\\u{0}\\u{7f}"
        );
        assert_eq!(escaped("\u{85}\u{9b}"), "\\u{85}\\u{9b}");
        assert_eq!(
            escaped("行\u{2028}分\u{2029}段"),
            "行\\u{2028}分\\u{2029}段"
        );
    }

    #[test]
    fn other_text_is_kept_as_it_is() {
        for text in ["", "目录 101001/000001", "a\\nb", "résumé ✓ 🙂"] {
            assert_eq!(escaped(text), text);
        }
    }
}
