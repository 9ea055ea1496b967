//! Reading PINs and passwords: from the terminal without echo, or from
//! standard input when it is a pipe (one line, or two to confirm).

use super::Failure as CliError;
use std::io::{BufRead, IsTerminal};
use zeroize::Zeroizing;

/// Reads a new secret twice. From a pipe, a single line counts as both.
pub fn read_twice(what: &str) -> Result<(Zeroizing<String>, Zeroizing<String>), CliError> {
    if std::io::stdin().is_terminal() {
        let first = prompt(&format!("New {what}: "))?;
        let second = prompt(&format!("New {what} again: "))?;
        return Ok((first, second));
    }
    let stdin = std::io::stdin();
    let mut lines = stdin.lock().lines();
    let mut next = || -> Result<Option<Zeroizing<String>>, CliError> {
        match lines.next() {
            Some(Ok(l)) => Ok(Some(Zeroizing::new(l.trim_end_matches('\r').to_string()))),
            Some(Err(e)) => Err(CliError::bad_input(format!(
                "cannot read standard input: {e}"
            ))),
            None => Ok(None),
        }
    };
    let first = next()?
        .ok_or_else(|| CliError::bad_input(format!("expected the new {what} on standard input")))?;
    let second = next()?.unwrap_or_else(|| first.clone());
    Ok((first, second))
}

/// Reads one secret.
pub fn read_one(label: &str) -> Result<Zeroizing<String>, CliError> {
    if std::io::stdin().is_terminal() {
        return prompt(label);
    }
    let mut line = Zeroizing::new(String::new());
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .map_err(|e| CliError::bad_input(format!("cannot read standard input: {e}")))?;
    Ok(Zeroizing::new(
        line.trim_end_matches(['\r', '\n']).to_string(),
    ))
}

fn prompt(label: &str) -> Result<Zeroizing<String>, CliError> {
    rpassword::prompt_password(label)
        .map(Zeroizing::new)
        .map_err(|e| CliError::bad_input(format!("cannot read from the terminal: {e}")))
}
