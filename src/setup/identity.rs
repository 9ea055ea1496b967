//! Who is at the keyboard: the Unix login (under the documented sudo
//! wrapper, the login sudo ran avain for) or a staff password.

use super::{Failure, Invocation, secret_input};
use crate::config::AuthMode;
use crate::service::{Services, Staff};

/// The staff member's Unix login: under `sudo -u avain` (the SSH set-up in
/// the README) the user sudo ran it for, otherwise the login of the
/// process's user id (never $USER, which anyone can set).
pub fn os_login() -> Result<String, Failure> {
    let uid = nix::unistd::Uid::current();
    let sudo_user = std::env::var("SUDO_USER").ok().filter(|u| !u.is_empty());
    let sudo_uid = std::env::var("SUDO_UID")
        .ok()
        .and_then(|u| u.parse::<u32>().ok());
    if let (Some(user), Some(from)) = (sudo_user, sudo_uid)
        && from != uid.as_raw()
    {
        return Ok(user);
    }
    match nix::unistd::User::from_uid(uid) {
        Ok(Some(user)) => Ok(user.name),
        _ => Err(Failure::bad_input(format!(
            "cannot find the login name of uid {uid}"
        ))),
    }
}

/// Identifies the staff member running this command.
pub async fn identify(inv: &Invocation, services: &Services) -> Result<Staff, Failure> {
    match services.config.auth.mode {
        AuthMode::OsUser => Ok(services.identify_os_user(&os_login()?).await?),
        AuthMode::Password => {
            let Some(login) = &inv.staff else {
                return Err(Failure::bad_input(
                    "auth.mode is \"password\": pass --staff LOGIN",
                ));
            };
            let password = secret_input::read_one(&format!("Password for {login}: "))?;
            Ok(services.identify_password(login, password).await?)
        }
    }
}
