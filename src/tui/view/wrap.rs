//! Folding a styled line into the width of a pane, so that no word of a
//! state, a time or a mail server's answer is cut at the border in any
//! language. Continuation lines are indented under the first one's text.

use ratatui::style::Style;
use ratatui::text::{Line, Span};
use unicode_width::UnicodeWidthChar;

/// `line` folded at spaces into lines at most `width` columns wide (a
/// word longer than the width is split). The line's own style and each
/// span's style are kept.
pub fn wrap_line(line: Line<'static>, width: usize) -> Vec<Line<'static>> {
    let cells: Vec<(char, Style)> = line
        .spans
        .iter()
        .flat_map(|s| s.content.chars().map(move |c| (c, s.style)))
        .collect();
    let total: usize = cells.iter().map(|(c, _)| char_width(*c)).sum();
    if width == 0 || total <= width {
        return vec![line];
    }
    let lead = cells.iter().take_while(|(c, _)| *c == ' ').count();
    // Under the text of the first line, unless that leaves too little room.
    let indent = if lead + 2 < width / 2 { lead + 2 } else { 0 };
    let mut out = Vec::new();
    let mut rest = &cells[..];
    let mut room = width;
    let mut first = true;
    while !rest.is_empty() {
        let end = break_at(rest, room);
        let (piece, after) = rest.split_at(end);
        let mut cells_out: Vec<(char, Style)> = Vec::new();
        if !first {
            cells_out.extend(std::iter::repeat_n((' ', Style::default()), indent));
        }
        cells_out.extend(trim_end(piece));
        out.push(Line::from(spans_of(&cells_out)).style(line.style));
        rest = trim_start(after);
        room = width - indent;
        first = false;
    }
    out
}

fn char_width(c: char) -> usize {
    c.width().unwrap_or(0)
}

/// How many cells of `cells` go on a line of `room` columns: up to the
/// last space that fits, or as many as fit when no space does.
fn break_at(cells: &[(char, Style)], room: usize) -> usize {
    let mut used = 0;
    let mut fits = 0;
    let mut last_space = None;
    for (i, (c, _)) in cells.iter().enumerate() {
        let w = char_width(*c);
        if used + w > room {
            break;
        }
        used += w;
        fits = i + 1;
        if *c == ' ' && i > 0 {
            last_space = Some(i);
        }
    }
    if fits == cells.len() {
        return fits;
    }
    // At least one cell, so a character wider than the room still moves on.
    last_space.unwrap_or(fits).max(1)
}

fn trim_end(cells: &[(char, Style)]) -> &[(char, Style)] {
    let end = cells
        .iter()
        .rposition(|(c, _)| *c != ' ')
        .map_or(0, |i| i + 1);
    &cells[..end]
}

fn trim_start(cells: &[(char, Style)]) -> &[(char, Style)] {
    let start = cells
        .iter()
        .position(|(c, _)| *c != ' ')
        .unwrap_or(cells.len());
    &cells[start..]
}

/// Runs of one style back into spans.
fn spans_of(cells: &[(char, Style)]) -> Vec<Span<'static>> {
    let mut spans: Vec<Span<'static>> = Vec::new();
    let mut text = String::new();
    let mut style = None;
    for &(c, s) in cells {
        if style.is_some_and(|st| st != s) {
            spans.push(Span::styled(
                std::mem::take(&mut text),
                style.unwrap_or_default(),
            ));
        }
        style = Some(s);
        text.push(c);
    }
    if let Some(s) = style {
        spans.push(Span::styled(text, s));
    }
    spans
}

#[cfg(test)]
mod tests {
    use super::*;
    use ratatui::style::Color;

    fn texts(lines: &[Line]) -> Vec<String> {
        lines.iter().map(|l| l.to_string()).collect()
    }

    #[test]
    fn short_lines_stay_and_long_ones_fold_at_spaces_under_their_text() {
        let short = Line::raw("  fits");
        assert_eq!(texts(&wrap_line(short, 10)), ["  fits"]);
        let long = Line::raw("    ✉ viesti lähetetty 22.11.2026 13.00 «250 2.0.0 Ok»");
        let folded = wrap_line(long, 24);
        assert_eq!(
            texts(&folded),
            [
                "    ✉ viesti lähetetty",
                "      22.11.2026 13.00",
                "      «250 2.0.0 Ok»"
            ]
        );
        for line in &folded {
            assert!(line.width() <= 24, "{line}");
        }
    }

    #[test]
    fn styles_survive_the_fold_and_long_words_are_split() {
        let red = Style::default().fg(Color::Red);
        let line = Line::from(vec![Span::raw("ab "), Span::styled("cdefghij", red)]);
        let folded = wrap_line(line, 5);
        assert_eq!(texts(&folded), ["ab", "cdefg", "hij"]);
        assert_eq!(folded[1].spans[0].style, red);
        assert_eq!(folded[2].spans[0].style, red);
        // Wide characters never straddle the edge.
        let wide = wrap_line(Line::raw("漢字漢字漢"), 3);
        assert!(wide.iter().all(|l| l.width() <= 3), "{:?}", texts(&wide));
        assert_eq!(texts(&wide).concat(), "漢字漢字漢");
    }
}
