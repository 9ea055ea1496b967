//! Standard output for commands. When the reader goes away (`avain search
//! … | head -1`), the command ends quietly with exit 0 instead of a panic:
//! `outln!`/`out!` stand in for `println!`/`print!`.

use std::io::Write;

/// Writes `args` (and a newline) to standard output.
pub fn write(args: std::fmt::Arguments<'_>, newline: bool) {
    let mut stdout = std::io::stdout().lock();
    let written = stdout.write_fmt(args).and_then(|()| {
        if newline {
            stdout.write_all(b"\n")
        } else {
            Ok(())
        }
    });
    if let Err(e) = written {
        if e.kind() == std::io::ErrorKind::BrokenPipe {
            // Nobody reads the rest: what was done is done and committed.
            std::process::exit(0);
        }
        eprintln!("avain: cannot write to standard output: {e}");
        std::process::exit(2);
    }
}

/// Writes bytes (generated completions, reports) to standard output.
pub fn write_bytes(bytes: &[u8]) {
    write(format_args!("{}", String::from_utf8_lossy(bytes)), false);
}

macro_rules! outln {
    () => {
        $crate::setup::stdout::write(format_args!(""), true)
    };
    ($($arg:tt)*) => {
        $crate::setup::stdout::write(format_args!($($arg)*), true)
    };
}

macro_rules! out {
    ($($arg:tt)*) => {
        $crate::setup::stdout::write(format_args!($($arg)*), false)
    };
}

pub(crate) use {out, outln};
