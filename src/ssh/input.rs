//! Keys from the bytes an SSH client sends: a real terminal input parser
//! (`terminput`, a port of crossterm's own) over a buffer, so escape
//! sequences split across packets, SS3 arrows (PuTTY, tmux), function
//! keys, Alt combinations, mouse reports and bracketed paste all arrive as
//! the same events a local terminal gives.

use crossterm::event::Event;

/// Longest escape sequence or paste kept while it is incomplete; past
/// this the buffer is dropped (a client cannot grow it without bound).
const MAX_PENDING: usize = 64 * 1024;

#[derive(Default)]
pub struct InputParser {
    pending: Vec<u8>,
}

impl InputParser {
    /// Feeds one chunk; returns the events it completes. A lone Escape at
    /// the end of a chunk is the Escape key (a sequence comes whole).
    pub fn feed(&mut self, bytes: &[u8]) -> Vec<Event> {
        let mut events = Vec::new();
        for (i, byte) in bytes.iter().enumerate() {
            self.pending.push(*byte);
            let more = i + 1 < bytes.len();
            // ESC followed by more: wait for the rest of the sequence.
            if self.pending == [0x1b] && more {
                continue;
            }
            match terminput::Event::parse_from(&self.pending) {
                Ok(Some(event)) => {
                    self.pending.clear();
                    if let Ok(event) = terminput_crossterm::to_crossterm(event) {
                        events.push(event);
                    }
                }
                Ok(None) if self.pending.len() < MAX_PENDING => {}
                // Unparseable, or too long to be real: drop it.
                Ok(None) | Err(_) => self.pending.clear(),
            }
        }
        events
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crossterm::event::{
        KeyCode, KeyEvent, KeyModifiers, MouseButton, MouseEvent, MouseEventKind,
    };

    fn keys(bytes: &[&[u8]]) -> Vec<Event> {
        let mut p = InputParser::default();
        bytes.iter().flat_map(|b| p.feed(b)).collect()
    }

    fn key(code: KeyCode, mods: KeyModifiers) -> Event {
        Event::Key(KeyEvent::new(code, mods))
    }

    fn plain(code: KeyCode) -> Event {
        key(code, KeyModifiers::NONE)
    }

    #[test]
    fn arrows_in_csi_and_ss3_form() {
        // xterm, Windows OpenSSH (CSI); PuTTY, tmux/screen keypad mode (SS3).
        let want = vec![
            plain(KeyCode::Up),
            plain(KeyCode::Down),
            plain(KeyCode::Right),
            plain(KeyCode::Left),
        ];
        assert_eq!(keys(&[b"\x1b[A\x1b[B\x1b[C\x1b[D"]), want);
        assert_eq!(keys(&[b"\x1bOA\x1bOB\x1bOC\x1bOD"]), want);
        // Home and End as xterm, tmux and PuTTY send them.
        assert_eq!(
            keys(&[b"\x1b[H\x1b[F"]),
            vec![plain(KeyCode::Home), plain(KeyCode::End)]
        );
        assert_eq!(
            keys(&[b"\x1b[1~\x1b[4~"]),
            vec![plain(KeyCode::Home), plain(KeyCode::End)]
        );
    }

    #[test]
    fn function_keys_and_modifiers() {
        assert_eq!(keys(&[b"\x1bOP"]), vec![plain(KeyCode::F(1))]);
        assert_eq!(keys(&[b"\x1b[15~"]), vec![plain(KeyCode::F(5))]);
        // PuTTY's F1 in its default (ESC [11~) mode.
        assert_eq!(keys(&[b"\x1b[11~"]), vec![plain(KeyCode::F(1))]);
        assert_eq!(
            keys(&[b"\x1b[1;5C"]),
            vec![key(KeyCode::Right, KeyModifiers::CONTROL)]
        );
        assert_eq!(
            keys(&[b"\x1b[Z"]),
            vec![key(KeyCode::BackTab, KeyModifiers::SHIFT)]
        );
        assert_eq!(
            keys(&[b"\x1bs"]),
            vec![key(KeyCode::Char('s'), KeyModifiers::ALT)]
        );
        assert_eq!(
            keys(&[b"\x03"]),
            vec![key(KeyCode::Char('c'), KeyModifiers::CONTROL)]
        );
    }

    #[test]
    fn enter_backspace_tab_escape_and_text() {
        assert_eq!(
            keys(&[b"\r\x7f\t"]),
            vec![
                plain(KeyCode::Enter),
                plain(KeyCode::Backspace),
                plain(KeyCode::Tab)
            ]
        );
        // A lone Escape at the end of a packet is the key.
        assert_eq!(keys(&[b"\x1b"]), vec![plain(KeyCode::Esc)]);
        assert_eq!(
            keys(&["häkk".as_bytes()]),
            vec![
                plain(KeyCode::Char('h')),
                plain(KeyCode::Char('ä')),
                plain(KeyCode::Char('k')),
                plain(KeyCode::Char('k'))
            ]
        );
    }

    #[test]
    fn sequences_split_across_packets() {
        assert_eq!(keys(&[b"\x1b[", b"A"]), vec![plain(KeyCode::Up)]);
        assert_eq!(
            keys(&[b"\x1b[1;", b"5C"]),
            vec![key(KeyCode::Right, KeyModifiers::CONTROL)]
        );
        // A UTF-8 letter split in two.
        let a = "ä".as_bytes();
        assert_eq!(keys(&[&a[..1], &a[1..]]), vec![plain(KeyCode::Char('ä'))]);
    }

    #[test]
    fn bracketed_paste_and_mouse() {
        assert_eq!(
            keys(&[b"\x1b[200~2900 1000\x1b[201~"]),
            vec![Event::Paste("2900 1000".into())]
        );
        assert_eq!(
            keys(&[b"\x1b[200~aino.", b"virtanen@example.fi\x1b[201~"]),
            vec![Event::Paste("aino.virtanen@example.fi".into())]
        );
        // SGR mouse: left button down at column 10, row 5 (1-based).
        assert_eq!(
            keys(&[b"\x1b[<0;10;5M"]),
            vec![Event::Mouse(MouseEvent {
                kind: MouseEventKind::Down(MouseButton::Left),
                column: 9,
                row: 4,
                modifiers: KeyModifiers::NONE,
            })]
        );
    }

    #[test]
    fn garbage_is_dropped_and_does_not_block_what_follows() {
        assert_eq!(
            keys(&[b"\x1b[999;999;999;999X", b"q"]),
            vec![plain(KeyCode::Char('q'))]
        );
        let flood = vec![b'a'; 100_000];
        assert_eq!(keys(&[&flood]).len(), 100_000);
        let mut endless = b"\x1b[200~".to_vec();
        endless.extend(vec![b'x'; MAX_PENDING + 10]);
        let mut p = InputParser::default();
        p.feed(&endless);
        assert!(p.pending.len() <= MAX_PENDING);
        assert_eq!(p.feed(b"q"), vec![plain(KeyCode::Char('q'))]);
    }
}
